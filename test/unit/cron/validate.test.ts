import { describe, expect, it } from 'vitest';
import { validateSchedule } from '../../../src/cron/index.ts';

describe('validateSchedule', () => {
  // kubernetes pkg/apis/batch/validation/validation_test.go TestValidateCronJob successCases, and K8S-SEMANTICS.md §2.
  it.each([
    { schedule: '* * * * ?', timeZone: undefined },
    { schedule: '@hourly', timeZone: undefined },
    { schedule: '0 * * * *', timeZone: 'Europe/Rome' },
    { schedule: '0 * * * *', timeZone: 'UTC' },
    { schedule: '@every 1h', timeZone: undefined },
    { schedule: '@midnight', timeZone: undefined },
    { schedule: '0 0 30 2 *', timeZone: undefined },
    { schedule: '1,,15 +5 08 jul SUN', timeZone: undefined },
  ])('accepts $schedule with timeZone $timeZone', ({ schedule, timeZone }) => {
    expect(validateSchedule(schedule, timeZone)).toBeUndefined();
  });

  // validation_test.go TestValidateCronJob errorCases (timeZone values from its timeZoneBad* variables) and
  // TestValidateCronJobScheduleTZ (create), plus K8S-SEMANTICS.md §2.5 and §12.
  it.each([
    {
      name: 'spec.schedule: Invalid value',
      schedule: 'error',
      timeZone: undefined,
      expected: {
        field: 'spec.schedule',
        message: 'expected exactly 5 fields (minute hour day-of-month month day-of-week), found 1: "error"',
      },
    },
    {
      name: 'spec.schedule: Required value',
      schedule: '',
      timeZone: undefined,
      expected: { field: 'spec.schedule', message: 'Required value' },
    },
    {
      name: 'out-of-range minute',
      schedule: '61 * * * *',
      timeZone: undefined,
      expected: { field: 'spec.schedule', message: 'minute: value 61 above maximum 59' },
    },
    {
      name: 'TZ in schedule',
      schedule: 'TZ=UTC 0 * * * *',
      timeZone: undefined,
      expected: { field: 'spec.schedule', message: 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead' },
    },
    {
      name: 'CRON_TZ in schedule',
      schedule: 'CRON_TZ=UTC 0 * * * *',
      timeZone: undefined,
      expected: { field: 'spec.schedule', message: 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead' },
    },
    {
      name: 'TZ in schedule with timeZone set',
      schedule: 'TZ=UTC 0 * * * *',
      timeZone: 'UTC',
      expected: { field: 'spec.schedule', message: 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead' },
    },
    {
      name: 'a bad TZ prefix fails parsing first',
      schedule: 'CRON_TZ=Bogus * * * * *',
      timeZone: undefined,
      expected: { field: 'spec.schedule', message: 'unknown time zone "Bogus" in CRON_TZ=Bogus prefix' },
    },
    {
      name: 'spec.timeZone: timeZone must be nil or non-empty string',
      schedule: '0 * * * *',
      timeZone: '',
      expected: { field: 'spec.timeZone', message: 'timeZone must be nil or non-empty string' },
    },
    {
      name: 'spec.timeZone: timeZone must be an explicit time zone',
      schedule: '0 * * * *',
      timeZone: 'LOCAL',
      expected: {
        field: 'spec.timeZone',
        message: 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      },
    },
    {
      name: 'Local',
      schedule: '0 * * * *',
      timeZone: 'Local',
      expected: {
        field: 'spec.timeZone',
        message: 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      },
    },
    {
      name: 'leading space',
      schedule: '0 * * * *',
      timeZone: ' Europe/Rome',
      expected: { field: 'spec.timeZone', message: 'unknown time zone  Europe/Rome' },
    },
    {
      name: 'trailing space',
      schedule: '0 * * * *',
      timeZone: 'Europe/Rome ',
      expected: { field: 'spec.timeZone', message: 'unknown time zone Europe/Rome ' },
    },
    {
      name: 'unknown zone',
      schedule: '0 * * * *',
      timeZone: 'Europe/InvalidRome',
      expected: { field: 'spec.timeZone', message: 'unknown time zone Europe/InvalidRome' },
    },
    {
      name: 'only a space',
      schedule: '0 * * * *',
      timeZone: ' ',
      expected: { field: 'spec.timeZone', message: 'unknown time zone  ' },
    },
    {
      name: 'an offset',
      schedule: '0 * * * *',
      timeZone: '+05:30',
      expected: { field: 'spec.timeZone', message: 'unknown time zone +05:30' },
    },
    {
      name: 'an empty part',
      schedule: '0 * * * *',
      timeZone: 'America//New_York',
      expected: { field: 'spec.timeZone', message: 'unknown time zone America//New_York' },
    },
    {
      name: 'a part starting with -',
      schedule: '0 * * * *',
      timeZone: '-America/New_York',
      expected: { field: 'spec.timeZone', message: 'unknown time zone -America/New_York' },
    },
    {
      name: 'a part over 14 characters',
      schedule: '0 * * * *',
      timeZone: 'America/Very_Long_City',
      expected: { field: 'spec.timeZone', message: 'unknown time zone America/Very_Long_City' },
    },
    {
      name: 'wrong letter case',
      schedule: '0 * * * *',
      timeZone: 'utc',
      expected: { field: 'spec.timeZone', message: 'unknown time zone utc' },
    },
    {
      name: 'schedule errors come before timeZone errors',
      schedule: '* * * * 7',
      timeZone: 'Mars/Olympus',
      expected: { field: 'spec.schedule', message: 'day of week: value 7 above maximum 6 (Sunday is 0)' },
    },
  ])('rejects $name', ({ schedule, timeZone, expected }) => {
    expect(validateSchedule(schedule, timeZone)).toEqual(expected);
  });
});
