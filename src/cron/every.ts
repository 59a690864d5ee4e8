/**
 * A port of robfig/cron v3.0.1 `ConstantDelaySchedule` (`constantdelay.go`), what `@every <duration>` parses to.
 */

// JavaScript dates end at ±8.64e15 ms; a Go duration can reach past that.
const MAX_DATE_MS = 8.64e15;

/**
 * robfig `ConstantDelaySchedule.Next`: `t` with its sub-second part dropped, plus the delay. It is relative to the
 * time given (for Kubernetes: the last scheduled time, or the CronJob's creation), not aligned to the clock.
 *
 * @example
 * nextConstantDelayTime(300, Date.parse('2012-07-09T14:45:00.005Z')); // 2012-07-09T14:50:00Z
 */
export function nextConstantDelayTime(delaySeconds: number, afterMs: number): number | undefined {
  const next = Math.floor(afterMs / 1000) * 1000 + delaySeconds * 1000;
  return next > MAX_DATE_MS ? undefined : next;
}
