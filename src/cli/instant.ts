/**
 * Times typed on the command line (`cron next --after`, `explain --at/--from/--to`): ISO 8601 with an explicit zone,
 * every field checked (Date.parse rolls 2024-02-30 over to March 1st).
 */

/** A time option that names no instant: the message is the one line to print. */
export class InvalidInstantError extends Error {}

// An instant with an explicit zone (Z or ±hh:mm), or a bare date taken as UTC midnight.
const ISO_8601 = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:?\d\d))?$/i;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const ISO_8601_PARTS = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?(?:Z|[+-](\d\d):?(\d\d)))?$/i;

/**
 * An ISO 8601 instant with a zone (`2024-01-01T09:00:00Z`, `…+02:00`), or a bare date taken as UTC midnight, as epoch
 * ms; `flag` names the option in the error.
 *
 * @throws InvalidInstantError naming the flag, the text and what is wrong (`2024-02-30 is not a date: …`).
 */
export function parseInstant(text: string, flag: string): number {
  const isIso = ISO_8601.test(text);
  // Date.parse rolls an impossible day over (2024-02-30 → March 1st): every field must name a real date and time.
  const problem = isIso ? impossibleDateTime(text) : undefined;
  if (problem !== undefined) throw new InvalidInstantError(`invalid ${flag} "${text}": ${problem}`);
  const ms = isIso ? Date.parse(text.replace(' ', 'T')) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidInstantError(
      `invalid ${flag} "${text}": expected an ISO 8601 time with a zone, e.g. 2024-01-01T09:00:00Z`,
    );
  }
  return ms;
}

/** Why an ISO 8601 text that matches {@link ISO_8601} names no real instant, or undefined when it does. */
function impossibleDateTime(text: string): string | undefined {
  const [, y = '', mo = '', d = '', h, mi, sec, offH, offM] = ISO_8601_PARTS.exec(text) ?? [];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12) return `month ${mo} is not a month (01-12)`;
  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth)
    return `${y}-${mo}-${d} is not a date: ${MONTHS[month - 1]} ${y} has ${daysInMonth} days`;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(sec ?? 0) > 59)) {
    return `${h}:${mi}:${sec ?? '00'} is not a time of day (hours 00-23, minutes and seconds 00-59)`;
  }
  if (offH !== undefined && (Number(offH) > 23 || Number(offM) > 59)) {
    const sign = /([+-])\d\d:?\d\d$/.exec(text)?.[1] ?? '+';
    return `offset ${sign}${offH}:${offM} is not a UTC offset (at most ±23:59)`;
  }
  return undefined;
}
