import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// STYLE.md §1: spec/cron → engine → ports ← aws/local. The deciding modules do no I/O and read no clock, so the
// same decisions run in a Lambda, in the local runtime and in a table-driven test.
const PURE_DIRS = ['src/engine', 'src/cron', 'src/spec'];
const FORBIDDEN: Array<[RegExp, string]> = [
  [/from ['"](node:)?(fs|fs\/promises|child_process|net|http|https|dgram|worker_threads)['"]/, 'node I/O module'],
  [/from ['"]@aws-sdk\//, 'AWS SDK'],
  [/from ['"]\.\.\/(aws|local|cli|controllers)\//, 'an adapter or the CLI'],
  [/\bprocess\.env\b/, 'process.env'],
  [/\bDate\.now\(\)/, 'Date.now()'],
  [/\bnew Date\(\)/, 'new Date() (the current time)'],
  [/\bperformance\.now\(\)/, 'performance.now()'],
  [/\bMath\.random\(\)/, 'Math.random()'],
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('pure modules', () => {
  it.each(PURE_DIRS)('%s imports no I/O, adapters or clock', (dir) => {
    const violations = sources(dir).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => FORBIDDEN.filter(([pattern]) => pattern.test(line) && !line.trimStart().startsWith('*') && !line.trimStart().startsWith('//')).map(([, what]) => `${file}:${i + 1} uses ${what}`)),
    );
    expect(violations).toEqual([]);
  });
});

// What ships (the Lambda bundles, the CLI, the construct) imports no test-only tool. @cloud-copilot/iam-simulate is
// AGPL-3.0: allowed as a devDependency that only tests run, never in a bundle.
const SHIPPED_DIRS = ['src', 'functions', 'infra'];
const TEST_ONLY = /from ['"](@cloud-copilot\/|aws-sdk-client-mock|local-aws-sqs|vitest)/;

describe('shipped code', () => {
  it.each(SHIPPED_DIRS)('%s imports no test-only package (the AGPL IAM simulator among them)', (dir) => {
    const violations = sources(dir).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (TEST_ONLY.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(violations).toEqual([]);
  });
});
