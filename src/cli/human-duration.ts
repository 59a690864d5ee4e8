/**
 * Durations and timestamps the way kubectl prints them.
 *
 * Ported from Kubernetes `staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go` (`HumanDuration`,
 * `ShortHumanDuration`) and the `translateTimestampSince` helper of `pkg/printers/internalversion/printers.go`.
 * Pure: the caller passes `nowMs`; nothing here reads the clock.
 */

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/** Go's `int(x)` conversion truncates toward zero; `Math.floor` would turn -1.5s into -2s and print `<invalid>`. */
const trunc = Math.trunc;

/**
 * kubectl's `HumanDuration`: about 2–3 significant figures (`70s`, `3m10s`, `70m`, `2d1h`, `2y1d`).
 *
 * A duration down to 2 seconds in the future prints `0s` (clock skew between machines, as upstream
 * tolerates); further in the future prints `<invalid>`.
 *
 * @param durationMs - elapsed milliseconds (may be fractional or negative)
 * @example humanDuration(190_000) // "3m10s"
 */
export function humanDuration(durationMs: number): string {
  const seconds = trunc(durationMs / SECOND_MS);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = trunc(durationMs / MINUTE_MS);
  if (minutes < 10) {
    const s = trunc(durationMs / SECOND_MS) % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = trunc(durationMs / HOUR_MS);
  if (hours < 8) {
    const m = trunc(durationMs / MINUTE_MS) % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${trunc(hours / 24)}d` : `${trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = trunc(hours / 24) % 365;
    return dy === 0 ? `${trunc(hours / 24 / 365)}y` : `${trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${trunc(hours / 24 / 365)}y`;
}

/**
 * kubectl's `ShortHumanDuration`: one unit only (`59s`, `1m`, `23h`, `364d`, `1y`).
 *
 * @param durationMs - elapsed milliseconds
 * @example shortHumanDuration(90_000) // "1m"
 */
export function shortHumanDuration(durationMs: number): string {
  const seconds = trunc(durationMs / SECOND_MS);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = trunc(durationMs / MINUTE_MS);
  if (minutes < 60) return `${minutes}m`;
  const hours = trunc(durationMs / HOUR_MS);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${trunc(hours / 24)}d`;
  return `${trunc(durationMs / HOUR_MS / 24 / 365)}y`;
}

/**
 * Age of an RFC 3339 timestamp at `nowMs`, as the AGE and LAST SCHEDULE columns print it.
 * An unset or unparseable timestamp prints `<unknown>`, as upstream does for a zero `metav1.Time`.
 *
 * @example translateTimestampSince('2016-05-19T10:00:00Z', Date.parse('2016-05-19T10:01:15Z')) // "75s"
 */
export function translateTimestampSince(timestamp: string | undefined, nowMs: number): string {
  const ms = parseTimestamp(timestamp);
  return ms === undefined ? '<unknown>' : humanDuration(nowMs - ms);
}

/** Milliseconds since the epoch for an RFC 3339 string, or `undefined` when unset or not a time. */
export function parseTimestamp(timestamp: string | undefined): number | undefined {
  if (timestamp === undefined || timestamp === '') return undefined;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : ms;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/**
 * Go's `time.RFC1123Z` layout (`Mon, 02 Jan 2006 15:04:05 -0700`), which `kubectl describe` uses for
 * Start Time, Completed At and Last Schedule Time. UTC (`+0000`) unless given an offset: kubectl prints the viewer's
 * local zone, but a pure printer has no zone to read, and stored times are UTC.
 *
 * @param offsetSeconds - the UTC offset to print the wall clock at, seconds east of UTC (a CronJob's zone)
 * @example formatRfc1123z(Date.parse('2019-02-22T11:02:09Z')) // "Fri, 22 Feb 2019 11:02:09 +0000"
 * @example formatRfc1123z(Date.parse('2025-10-26T00:30:00Z'), 7200) // "Sun, 26 Oct 2025 02:30:00 +0200"
 */
export function formatRfc1123z(ms: number, offsetSeconds = 0): string {
  const d = new Date(ms + offsetSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  // Go's -0700 is hours and minutes; a seconds remainder (some historical LMT offsets) is dropped, as Go does.
  const offsetMinutes = Math.trunc(Math.abs(offsetSeconds) / 60);
  const offset = `${offsetSeconds < 0 ? '-' : '+'}${pad(Math.floor(offsetMinutes / 60))}${pad(offsetMinutes % 60)}`;
  return (
    `${WEEKDAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${offset}`
  );
}
