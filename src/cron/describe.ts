/**
 * Human-readable schedule descriptions. cronstrue writes the English; this module first rewrites the robfig-only
 * spellings cronstrue does not know (`?`, `+5`, `1,,15`, `*-5`, a step that leaves one value) into plain cron with
 * the same meaning, and says so when a schedule can never fire.
 */
import cronstrue from 'cronstrue';
import { CronSyntaxError } from '../errors.ts';
import { formatGoDurationSeconds } from './go-duration.ts';
import {
  DAY_OF_MONTH_BOUNDS,
  DAY_OF_WEEK_BOUNDS,
  DESCRIPTOR_EQUIVALENTS,
  HOUR_BOUNDS,
  MINUTE_BOUNDS,
  MONTH_BOUNDS,
  goFields,
  parseCron,
  parseField,
  type FieldBounds,
  type ParsedCron,
} from './parser.ts';
import { nextSpecTime } from './spec-schedule.ts';

const FIELD_BOUNDS: readonly FieldBounds[] = [
  MINUTE_BOUNDS,
  HOUR_BOUNDS,
  DAY_OF_MONTH_BOUNDS,
  MONTH_BOUNDS,
  DAY_OF_WEEK_BOUNDS,
];

/** One list item rewritten for cronstrue, keeping robfig's meaning. */
function normalizeItem(item: string, bounds: FieldBounds): string {
  const [range = '', step] = item.split('/');
  const set = parseField(item, bounds).values;
  const values: number[] = [];
  for (let v = bounds.min; v <= bounds.max; v++) if (set[v] === 1) values.push(v);
  if (values.length === 1) return String(values[0]);
  const [low = '', high] = range.split('-');
  const number = (text: string) => (/^\+?[0-9]+$/.test(text) ? String(Number(text)) : text);
  const isStar = low === '*' || low === '?';
  const base = isStar ? '*' : high === undefined ? number(low) : `${number(low)}-${number(high)}`;
  if (step === undefined) return base;
  const stepValue = Number(step);
  if (stepValue === 1) return base;
  // robfig's "N/S" runs N through the maximum; cronstrue reads it the same way.
  return `${base}/${stepValue}`;
}

function normalizeField(field: string, bounds: FieldBounds): string | undefined {
  const items = field.split(',').filter((i) => i !== '');
  if (items.length === 0) return undefined;
  return items.map((i) => normalizeItem(i, bounds)).join(',');
}

function describeFields(fields: readonly string[]): string {
  const normalized = fields.map((f, i) => normalizeField(f, FIELD_BOUNDS[i]!));
  const emptyAt = normalized.indexOf(undefined);
  if (emptyAt !== -1) return `Never: the ${FIELD_BOUNDS[emptyAt]!.field} field lists no value`;
  try {
    return cronstrue.toString(normalized.join(' '), {
      use24HourTimeFormat: true,
      throwExceptionOnParseError: true,
      verbose: false,
    });
  } catch {
    return (
      `At minute ${normalized[0]}, hour ${normalized[1]}, day of month ${normalized[2]}, month ` +
      `${normalized[3]}, day of week ${normalized[4]}`
    );
  }
}

// Any fixed start works: a schedule with no fire time in five years from here has none at all.
const NEVER_PROBE_MS = Date.UTC(2000, 0, 1);

function neverFires(parsed: ParsedCron): boolean {
  return parsed.kind === 'spec' && nextSpecTime(parsed.fields, parsed.zone, NEVER_PROBE_MS) === undefined;
}

/**
 * A one-line English description of a schedule: cronstrue for 5-field expressions, the equivalent expression for
 * macros, and the interval for `@every`. Never throws: an invalid schedule is described as
 * `invalid schedule: <reason>`.
 *
 * @example
 * describeSchedule('*\/15 9-17 * * 1-5'); // 'Every 15 minutes, between 09:00 and 17:59, Monday through Friday'
 * describeSchedule('@every 90m');
 * // 'Every 1h30m0s, counted from the previous scheduled time (not aligned to the clock)'
 */
export function describeSchedule(schedule: string): string {
  let parsed: ParsedCron;
  try {
    parsed = parseCron(schedule);
  } catch (error) {
    if (error instanceof CronSyntaxError) return `invalid schedule: ${error.message}`;
    throw error;
  }
  let body = schedule;
  let zoneSuffix = '';
  const prefix = /^(?:CRON_)?TZ=(\S*) /.exec(schedule);
  if (prefix) {
    body = schedule.slice(prefix[0].length).trim();
    zoneSuffix = `, in ${parsed.zone.name} time`;
  }
  if (parsed.kind === 'every') {
    return (
      `Every ${formatGoDurationSeconds(parsed.delaySeconds)}, counted from the previous scheduled time (not ` +
      `aligned to the clock)`
    );
  }
  const macro = DESCRIPTOR_EQUIVALENTS[body as keyof typeof DESCRIPTOR_EQUIVALENTS];
  const text = macro === undefined ? describeFields(goFields(body)) : `${describeFields(macro.split(' '))} (${body})`;
  const never = !text.startsWith('Never') && neverFires(parsed) ? ' (never fires: no such date)' : '';
  return `${text}${zoneSuffix}${never}`;
}
