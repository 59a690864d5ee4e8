import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCronCommands } from '../../../src/cli/cron-command.ts';
import type { CliIo } from '../../../src/cli/io.ts';

/** Runs one command line in-process against a fake CliIo whose clock reads `nowIso`. */
async function runCron(
  args: string[],
  nowIso = '2016-05-19T10:07:30Z',
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    now: () => Date.parse(nowIso),
    setExitCode: (code) => {
      exitCode = code;
    },
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

describe('jobctl cron next', () => {
  it('prints the description and the next five times after now by default', async () => {
    expect(await runCron(['cron', 'next', '*/15 * * * *'])).toEqual({
      stdout: [
        'Every 15 minutes (*/15 * * * *, UTC)',
        '2016-05-19T10:15:00Z  Thu 2016-05-19 10:15:00 UTC',
        '2016-05-19T10:30:00Z  Thu 2016-05-19 10:30:00 UTC',
        '2016-05-19T10:45:00Z  Thu 2016-05-19 10:45:00 UTC',
        '2016-05-19T11:00:00Z  Thu 2016-05-19 11:00:00 UTC',
        '2016-05-19T11:15:00Z  Thu 2016-05-19 11:15:00 UTC',
        '',
      ].join('\n'),
      stderr: '',
      exitCode: 0,
    });
  });

  it('shows local wall-clock times in --tz, skipping the nonexistent 02:30 on spring-forward day', async () => {
    const result = await runCron([
      'cron',
      'next',
      '30 2 * * *',
      '--tz',
      'America/New_York',
      '--after',
      '2012-03-10T00:00:00Z',
      '-n',
      '2',
    ]);
    expect(result.stdout).toBe(
      [
        'At 02:30 (30 2 * * *, America/New_York)',
        '2012-03-10T07:30:00Z  Sat 2012-03-10 02:30:00 EST (America/New_York)',
        '2012-03-12T06:30:00Z  Mon 2012-03-12 02:30:00 EDT (America/New_York)',
        '',
      ].join('\n'),
    );
  });

  it('prints exactly schedule, timeZone and next with -o json', async () => {
    const result = await runCron([
      'cron',
      'next',
      '0 * * * *',
      '--after',
      '2016-05-19T10:00:00Z',
      '-n',
      '2',
      '-o',
      'json',
    ]);
    expect({ json: JSON.parse(result.stdout), exitCode: result.exitCode }).toEqual({
      json: { schedule: '0 * * * *', timeZone: 'UTC', next: ['2016-05-19T11:00:00Z', '2016-05-19T12:00:00Z'] },
      exitCode: 0,
    });
  });

  it('says so when a valid schedule never fires', async () => {
    const result = await runCron(['cron', 'next', '0 0 30 2 *', '--after', '2024-01-01T00:00:00Z', '-o', 'json']);
    expect(JSON.parse(result.stdout)).toEqual({ schedule: '0 0 30 2 *', timeZone: 'UTC', next: [] });
    expect((await runCron(['cron', 'next', '0 0 30 2 *', '--after', '2024-01-01T00:00:00Z'])).stdout).toBe(
      'At 00:00, on day 30 of the month, only in February (never fires: no such date) (0 0 30 2 *, UTC)\nno fire ' +
        'time within 5 years after 2024-01-01T00:00:00Z\n',
    );
  });

  it.each([
    {
      name: 'a bad schedule',
      args: ['61 * * * *'],
      expected: 'invalid schedule "61 * * * *": minute: value 61 above maximum 59\n',
    },
    {
      name: 'a bad zone',
      args: ['* * * * *', '--tz', 'utc'],
      expected: 'invalid time zone "utc": unknown time zone utc\n',
    },
    {
      name: 'a bad --after',
      args: ['* * * * *', '--after', 'yesterday'],
      expected: 'invalid --after "yesterday": expected an ISO 8601 time with a zone, e.g. 2024-01-01T09:00:00Z\n',
    },
    {
      name: 'an --after without a zone',
      args: ['* * * * *', '--after', '2024-01-01T09:00:00'],
      expected:
        'invalid --after "2024-01-01T09:00:00": expected an ISO 8601 time with a zone, e.g. 2024-01-01T09:00:00Z\n',
    },
    {
      name: 'a bad -n',
      args: ['* * * * *', '-n', 'x'],
      expected: 'invalid --count "x": expected a whole number from 1 to 1000\n',
    },
    {
      name: 'a zero -n',
      args: ['* * * * *', '-n', '0'],
      expected: 'invalid --count "0": expected a whole number from 1 to 1000\n',
    },
    {
      name: 'an unknown output',
      args: ['* * * * *', '-o', 'yaml'],
      expected: 'invalid --output "yaml": the only format is json\n',
    },
  ])('rejects $name with one line and exit code 1', async ({ args, expected }) => {
    expect(await runCron(['cron', 'next', ...args])).toEqual({ stdout: '', stderr: expected, exitCode: 1 });
  });
});

describe('jobctl cron validate', () => {
  it.each([
    { args: ['*/5 * * * *'], expected: 'valid: Every 5 minutes\n' },
    {
      args: ['0 9 * * MON-FRI', '--tz', 'Europe/Rome'],
      expected: 'valid: At 09:00, Monday through Friday, in Europe/Rome time\n',
    },
    {
      args: ['@every 1h'],
      expected: 'valid: Every 1h0m0s, counted from the previous scheduled time (not aligned to the clock)\n',
    },
  ])('accepts $args', async ({ args, expected }) => {
    expect(await runCron(['cron', 'validate', ...args])).toEqual({ stdout: expected, stderr: '', exitCode: 0 });
  });

  it.each([
    { args: ['61 * * * *'], expected: 'invalid schedule "61 * * * *": minute: value 61 above maximum 59\n' },
    {
      args: ['* * * * 7'],
      expected: 'invalid schedule "* * * * 7": day of week: value 7 above maximum 6 (Sunday is 0)\n',
    },
    {
      args: ['@Hourly'],
      expected:
        'invalid schedule "@Hourly": unrecognized macro "@Hourly": use one of @yearly, @annually, @monthly, @weekly, ' +
        '@daily, @midnight, @hourly or @every <duration>, spelled exactly (case-sensitive, no extra spaces)\n',
    },
    {
      args: ['TZ=UTC 0 * * * *'],
      expected:
        'invalid schedule "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead\n',
    },
    {
      args: ['0 * * * *', '--tz', 'Local'],
      expected:
        'invalid time zone "Local": timeZone must be an explicit time zone as defined in ' +
        'https://www.iana.org/time-zones\n',
    },
  ])('rejects $args with one line and exit code 1', async ({ args, expected }) => {
    expect(await runCron(['cron', 'validate', ...args])).toEqual({ stdout: '', stderr: expected, exitCode: 1 });
  });
});

// Audit D15: `cron next --after 2024-02-30T00:00:00Z` was silently read as 2024-03-01 (Date.parse rolls an impossible
// day of the month over). An instant that names no real date or time is an error naming it.
describe('jobctl cron next --after: the date must exist (audit D15)', () => {
  it.each([
    {
      after: '2024-02-30T00:00:00Z',
      expected: 'invalid --after "2024-02-30T00:00:00Z": 2024-02-30 is not a date: February 2024 has 29 days\n',
    },
    {
      after: '2023-02-29',
      expected: 'invalid --after "2023-02-29": 2023-02-29 is not a date: February 2023 has 28 days\n',
    },
    {
      after: '2024-04-31T09:00:00+02:00',
      expected: 'invalid --after "2024-04-31T09:00:00+02:00": 2024-04-31 is not a date: April 2024 has 30 days\n',
    },
    {
      after: '2024-13-01T00:00:00Z',
      expected: 'invalid --after "2024-13-01T00:00:00Z": month 13 is not a month (01-12)\n',
    },
    {
      after: '2024-00-10T00:00:00Z',
      expected: 'invalid --after "2024-00-10T00:00:00Z": month 00 is not a month (01-12)\n',
    },
    {
      after: '2024-01-00T00:00:00Z',
      expected: 'invalid --after "2024-01-00T00:00:00Z": 2024-01-00 is not a date: January 2024 has 31 days\n',
    },
    {
      after: '2024-01-01T24:00:00Z',
      expected:
        'invalid --after "2024-01-01T24:00:00Z": 24:00:00 is not a time of day (hours 00-23, minutes and seconds ' +
        '00-59)\n',
    },
    {
      after: '2024-01-01T10:60:00Z',
      expected:
        'invalid --after "2024-01-01T10:60:00Z": 10:60:00 is not a time of day (hours 00-23, minutes and seconds ' +
        '00-59)\n',
    },
    {
      after: '2024-01-01T10:00:00+24:00',
      expected: 'invalid --after "2024-01-01T10:00:00+24:00": offset +24:00 is not a UTC offset (at most ±23:59)\n',
    },
  ])('rejects $after, naming the invalid date', async ({ after, expected }) => {
    expect(await runCron(['cron', 'next', '* * * * *', '--after', after, '-n', '1'])).toEqual({
      stdout: '',
      stderr: expected,
      exitCode: 1,
    });
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
