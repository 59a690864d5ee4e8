/**
 * Time-zone arithmetic for the cron search: UTC offsets from Node's ICU (Intl), calendar maths in plain integers,
 * and a port of Go's `time.Date` normalisation, which decides what robfig/cron does with local times that do not
 * exist or that happen twice on a daylight-saving change.
 *
 * All instants here are whole seconds since the Unix epoch; offsets are seconds east of UTC.
 */
import { TZ_DATABASE_NAMES } from './tz-names.ts';

const SECONDS_PER_DAY = 86_400;

/** How a zone maps instants to wall-clock time. */
export interface ZoneRules {
  /** The IANA name the rules were loaded for ("UTC" for UTC). */
  readonly name: string;
  /** The zone's UTC offset, in seconds, at the instant `epochSeconds`. */
  offsetAt(epochSeconds: number): number;
}

/** The wall-clock reading of an instant in a zone (Go's `t.Date()`, `t.Clock()` and `t.Weekday()`). */
export interface WallClock {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12). Howard Hinnant's `days_from_civil`. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Fills `out` with the wall clock of `localSeconds` (an instant already shifted by the zone offset). */
function civilFromLocalSeconds(localSeconds: number, out: WallClock): void {
  const days = Math.floor(localSeconds / SECONDS_PER_DAY);
  let rest = localSeconds - days * SECONDS_PER_DAY;
  // Howard Hinnant's `civil_from_days`.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  out.year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  out.month = month;
  out.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  out.hour = Math.floor(rest / 3600);
  rest -= out.hour * 3600;
  out.minute = Math.floor(rest / 60);
  out.second = rest - out.minute * 60;
  // 1970-01-01 was a Thursday (4).
  out.weekday = (((days + 4) % 7) + 7) % 7;
}

/** A fresh, zeroed wall clock to fill with {@link wallClockAt}. */
export function newWallClock(): WallClock {
  return { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, weekday: 4 };
}

/** Fills `out` with the wall clock of `epochSeconds` in `zone` (Go's `t.In(loc)` followed by its field getters). */
export function wallClockAt(zone: ZoneRules, epochSeconds: number, out: WallClock): WallClock {
  civilFromLocalSeconds(epochSeconds + zone.offsetAt(epochSeconds), out);
  return out;
}

/**
 * Go's `time.Date(year, month, day, hour, min, sec, 0, loc)`, in epoch seconds.
 *
 * Out-of-range fields carry over (month 13 is January of the next year, day 0 the last day of the previous month),
 * as in Go. For a wall time that does not exist or exists twice, Go documents only that "the choice of time zone,
 * and therefore the time, is not guaranteed"; what it does is: read the offset at the wall time taken as if it were
 * UTC, and if that offset does not hold at the resulting instant, use the offset of the resulting instant instead.
 * robfig/cron's DST behaviour (a 02:30 that does not exist is skipped; 01:30 on fall-back day is first EDT) follows
 * from exactly this rule, so it is copied here rather than a "nicer" one.
 */
export function goDate(
  zone: ZoneRules,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number {
  const m0 = month - 1;
  const y = year + Math.floor(m0 / 12);
  const m = m0 - Math.floor(m0 / 12) * 12 + 1;
  const unix = (daysFromCivil(y, m, 1) + day - 1) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  const offset = zone.offsetAt(unix);
  if (offset === 0) return unix;
  // Go checks whether `unix - offset` lies in the same zone period; looking the offset up there is equivalent.
  return unix - zone.offsetAt(unix - offset);
}

/** Rules for UTC: no lookups at all. */
export const UTC_RULES: ZoneRules = { name: 'UTC', offsetAt: () => 0 };

// ICU's calendar switches to Julian dates before 1582 and Go's zone data has nothing before the first transition
// anyway (both answer with the zone's initial local mean time), so offsets are read inside this window only.
const EARLIEST_SECONDS = Date.UTC(1800, 0, 1) / 1000;
const LATEST_SECONDS = Date.UTC(9999, 11, 31) / 1000;
// Offsets are tabulated per block of time. Inside a block the zone is sampled every SAMPLE_SECONDS and each change
// between two samples is pinned to the second by bisection. Two transitions closer together than six hours that
// cancel each other out would be missed; the tz database has none in the years a schedule is evaluated for.
const BLOCK_SECONDS = 128 * SECONDS_PER_DAY;
const SAMPLE_SECONDS = 6 * 3600;

interface OffsetTable {
  /** Ascending start instants of each period inside the block; the first is the block start. */
  readonly starts: number[];
  readonly offsets: number[];
}

/** Offsets of an IANA zone read through Intl, tabulated per 128-day block and cached for the life of the process. */
class IntlZoneRules implements ZoneRules {
  readonly name: string;
  private readonly format: Intl.DateTimeFormat;
  private readonly tables = new Map<number, OffsetTable>();
  private lastBlock = Number.NaN;
  private lastTable: OffsetTable | undefined;

  constructor(name: string) {
    this.name = name;
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  offsetAt(epochSeconds: number): number {
    const s = Math.min(Math.max(epochSeconds, EARLIEST_SECONDS), LATEST_SECONDS);
    const block = Math.floor(s / BLOCK_SECONDS);
    let table = block === this.lastBlock ? this.lastTable : this.tables.get(block);
    if (table === undefined) {
      table = this.buildTable(block);
      this.tables.set(block, table);
    }
    this.lastBlock = block;
    this.lastTable = table;
    const { starts, offsets } = table;
    for (let i = starts.length - 1; i > 0; i--) {
      if (s >= starts[i]!) return offsets[i]!;
    }
    return offsets[0]!;
  }

  /** The offset straight from ICU: the wall clock it prints, read back as if it were UTC, minus the instant. */
  private icuOffset(epochSeconds: number): number {
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of this.format.formatToParts(epochSeconds * 1000)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value);
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        default:
          break;
      }
    }
    const local = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
    return local - epochSeconds;
  }

  private buildTable(block: number): OffsetTable {
    const start = block * BLOCK_SECONDS;
    const end = start + BLOCK_SECONDS;
    const starts = [start];
    const offsets = [this.icuOffset(start)];
    let prev = start;
    let prevOffset = offsets[0]!;
    for (let t = start + SAMPLE_SECONDS; ; t += SAMPLE_SECONDS) {
      const sample = Math.min(t, end - 1);
      const offset = this.icuOffset(sample);
      if (offset !== prevOffset) {
        // Bisect (prev, sample] for the first second with the new offset.
        let lo = prev;
        let hi = sample;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (this.icuOffset(mid) === prevOffset) lo = mid;
          else hi = mid;
        }
        starts.push(hi);
        offsets.push(offset);
        prevOffset = offset;
      }
      prev = sample;
      if (sample >= end - 1) break;
    }
    return { starts, offsets };
  }
}

const exactNames = new Set(TZ_DATABASE_NAMES);
const rulesCache = new Map<string, ZoneRules | undefined>();

/**
 * True when `timeZone` is an IANA zone Kubernetes' tz database would load, spelled exactly (case-sensitive:
 * "UTC" yes, "utc" no), and that this process can evaluate.
 *
 * Go's `time.LoadLocation` also accepts "" and "Local"; those are not zones and Kubernetes validation rejects
 * both for `spec.timeZone`, so they are false here.
 *
 * @example
 * isValidTimeZone('America/New_York'); // true
 * isValidTimeZone('america/new_york'); // false
 */
export function isValidTimeZone(timeZone: string): boolean {
  return zoneRules(timeZone) !== undefined;
}

/**
 * Go's `t.In(zone).Format(time.RFC3339)` at second precision: the wall-clock time in `timeZone` with its offset, `Z`
 * when the offset is 0 (Kubernetes writes the scheduled-timestamp annotation so). An unknown zone formats as UTC.
 * As Go, an offset with seconds (a zone's early local mean time) prints its whole minutes, truncated.
 */
export function formatRfc3339InZone(ms: number, timeZone: string): string {
  const seconds = Math.floor(ms / 1000);
  const zone = zoneRules(timeZone) ?? UTC_RULES;
  const offset = zone.offsetAt(seconds);
  const wall = wallClockAt(zone, seconds, newWallClock());
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const local =
    `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}` +
    `:${pad(wall.second)}`;
  const minutes = Math.trunc(offset / 60);
  if (minutes === 0) return `${local}Z`;
  const abs = Math.abs(minutes);
  return `${local}${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The rules of a zone for {@link isValidTimeZone} names, cached per name; undefined for anything else. */
export function zoneRules(timeZone: string): ZoneRules | undefined {
  if (rulesCache.has(timeZone)) return rulesCache.get(timeZone);
  const rules = loadZoneRules(timeZone);
  rulesCache.set(timeZone, rules);
  return rules;
}

function loadZoneRules(timeZone: string): ZoneRules | undefined {
  if (timeZone === 'UTC') return UTC_RULES;
  // Mirror Go's LoadLocation refusals that ICU would not make: path tricks and odd characters.
  if (timeZone === '' || timeZone === 'Local' || timeZone.includes('..') || timeZone.startsWith('/')) return undefined;
  if (!/^[A-Za-z0-9_+\-./]+$/.test(timeZone)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  // ICU matches names case-insensitively; Go opens a file (or zip entry) by its exact name.
  if (!exactNames.has(timeZone) && resolved !== timeZone) return undefined;
  return new IntlZoneRules(timeZone);
}
