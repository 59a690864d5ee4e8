import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCronCommands } from '../../../src/cli/cron-command.ts';
import type { CliIo } from '../../../src/cli/io.ts';

// Audit D15: `cron next --after 2024-02-30T00:00:00Z` was silently read as 2024-03-01 (Date.parse rolls an impossible
// day of the month over). An instant that names no real date or time is an error naming it.
async function runCron(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    now: () => Date.parse('2016-05-19T10:07:30Z'),
    setExitCode: (code) => void (exitCode = code),
  };
  const program = new Command('jobctl').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerCronCommands(program, io);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    exitCode = error.exitCode;
  }
  return { stdout, stderr, exitCode };
}

describe('jobctl cron next --after: the date must exist (audit D15)', () => {
  it.each([
    { after: '2024-02-30T00:00:00Z', expected: 'invalid --after "2024-02-30T00:00:00Z": 2024-02-30 is not a date: February 2024 has 29 days\n' },
    { after: '2023-02-29', expected: 'invalid --after "2023-02-29": 2023-02-29 is not a date: February 2023 has 28 days\n' },
    { after: '2024-04-31T09:00:00+02:00', expected: 'invalid --after "2024-04-31T09:00:00+02:00": 2024-04-31 is not a date: April 2024 has 30 days\n' },
    { after: '2024-13-01T00:00:00Z', expected: 'invalid --after "2024-13-01T00:00:00Z": month 13 is not a month (01-12)\n' },
    { after: '2024-00-10T00:00:00Z', expected: 'invalid --after "2024-00-10T00:00:00Z": month 00 is not a month (01-12)\n' },
    { after: '2024-01-00T00:00:00Z', expected: 'invalid --after "2024-01-00T00:00:00Z": 2024-01-00 is not a date: January 2024 has 31 days\n' },
    { after: '2024-01-01T24:00:00Z', expected: 'invalid --after "2024-01-01T24:00:00Z": 24:00:00 is not a time of day (hours 00-23, minutes and seconds 00-59)\n' },
    { after: '2024-01-01T10:60:00Z', expected: 'invalid --after "2024-01-01T10:60:00Z": 10:60:00 is not a time of day (hours 00-23, minutes and seconds 00-59)\n' },
    { after: '2024-01-01T10:00:00+24:00', expected: 'invalid --after "2024-01-01T10:00:00+24:00": offset +24:00 is not a UTC offset (at most ±23:59)\n' },
  ])('rejects $after, naming the invalid date', async ({ after, expected }) => {
    expect(await runCron(['cron', 'next', '* * * * *', '--after', after, '-n', '1'])).toEqual({ stdout: '', stderr: expected, exitCode: 1 });
  });

  it.each([
    { after: '2024-02-29T23:59:59Z', next: '2024-03-01T00:00:00Z' },
    { after: '2024-12-31', next: '2024-12-31T00:01:00Z' },
    { after: '2024-06-30T23:59:00.5+02:00', next: '2024-06-30T22:00:00Z' },
  ])('accepts the real date $after', async ({ after, next }) => {
    const result = await runCron(['cron', 'next', '* * * * *', '--after', after, '-n', '1', '-o', 'json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).next).toEqual([next]);
  });
});
