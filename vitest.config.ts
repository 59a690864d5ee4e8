import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs: one on a 2-core CI machine, which then runs the suite file
    // by file. Most of its time is spent waiting on real processes (tasks, dynalite), not computing: two workers.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
