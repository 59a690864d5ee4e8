import cronstrue from 'cronstrue';
import { describe, expect, it } from 'vitest';
import { describeSchedule } from '../../../src/cron/describe.ts';

describe('describeSchedule', () => {
  it.each([
    { schedule: '*/1 * * * *', expected: 'Every minute' },
    { schedule: '0 0 13 * 5', expected: 'At 00:00, on day 13 of the month, and on Friday' },
    { schedule: '? ? * * *', expected: 'Every minute' },
    { schedule: '*/60 * * * *', expected: 'Every hour' },
    { schedule: '+5 08 * * *', expected: 'At 08:05' },
    { schedule: '1,,15 * * * *', expected: 'At 1 and 15 minutes past the hour' },
    { schedule: '@daily', expected: 'At 00:00 (@daily)' },
    { schedule: '@midnight', expected: 'At 00:00 (@midnight)' },
    {
      schedule: '@every 90m',
      expected: 'Every 1h30m0s, counted from the previous scheduled time (not aligned to the clock)',
    },
    {
      schedule: '@every 100ms',
      expected: 'Every 1s, counted from the previous scheduled time (not aligned to the clock)',
    },
    {
      schedule: '0 0 30 2 *',
      expected: 'At 00:00, on day 30 of the month, only in February (never fires: no such date)',
    },
    { schedule: ', * * * *', expected: 'Never: the minute field lists no value' },
    { schedule: 'TZ=Asia/Tokyo 0 9 * * *', expected: 'At 09:00, in Asia/Tokyo time' },
    { schedule: '61 * * * *', expected: 'invalid schedule: minute: value 61 above maximum 59' },
  ])('describes $schedule', ({ schedule, expected }) => {
    expect(describeSchedule(schedule)).toBe(expected);
  });

  // Plain 5-field schedules read the same as cronstrue reads them: jobctl adds nothing of its own there.
  it.each(['*/15 9-17 * * 1-5', '0 0 1 * *', '30 4 * * SUN', '0 */2 * JAN-MAR *', '5 4 * * *'])(
    'agrees with cronstrue on %s',
    (schedule) => {
      expect(describeSchedule(schedule).toLowerCase()).toBe(
        cronstrue.toString(schedule, { use24HourTimeFormat: true }).toLowerCase(),
      );
    },
  );
});
