/**
 * What failed for good and was kept (on AWS: the stack's dead-letter queue), and the way to run it again. The
 * embedded runtime has none: it retries every sync in its resync, and keeps nothing it gave up on.
 */
export interface FailedWork {
  /** Stable id to redrive it by (the SQS message id). */
  id: string;
  /** Where it came from. */
  source: 'invocation' | 'schedule-delivery' | 'event-delivery' | 'stream-batch' | 'unknown';
  /** When it failed for good (RFC 3339), when known. */
  failedAt?: string;
  /** The function that failed, or could not be invoked. */
  functionName?: string;
  /** What it was, in words: `schedule of CronJob default/hello for 2026-03-02T10:01:00Z`. */
  what: string;
  /** Why it failed, as the service reported it. */
  error: string;
  /** Invocation attempts made, when reported. */
  attempts?: number;
  /**
   * `invoke`: redrive invokes the function again with the original event; `resync`: not replayable, a resync repairs.
   */
  redrive: 'invoke' | 'resync' | 'none';
}

/** What `redrive` did with one item. */
export interface RedriveOutcome {
  id: string;
  action: 'invoked' | 'resync-requested' | 'not-found' | 'not-redrivable' | 'failed';
  functionName?: string;
  what?: string;
  /** Why the invocation failed (`failed`): the redrive stopped there, the item is kept. */
  error?: string;
}

export interface Failures {
  list(): Promise<FailedWork[]>;
  /** Runs the given items (or all) again, then removes them; items not found are reported, not fatal. */
  redrive(ids: readonly string[] | 'all'): Promise<RedriveOutcome[]>;
}
