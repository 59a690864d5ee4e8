import type { ObjectKey } from './state-store.ts';
import type { LedgerEntry, LedgerOwner } from '../spec/slots.ts';

export {
  DEFAULT_SLOT_RETENTION_SECONDS,
  entryTimeMs,
  type LedgerEntry,
  type LedgerOwner,
  type SlotOutcome,
  type SlotRecord,
  type SuspensionMark,
} from '../spec/slots.ts';

/**
 * Every CronJob's slot outcomes, kept for a retention (30 days by default: a TTL on AWS, a sweeper locally), in the
 * state table beside the CronJob (docs/state-table.md "Slot ledger").
 */
export interface SlotLedger {
  /** The latest entry of this CronJob (same uid), strongly consistent; undefined when it has none. */
  latest(owner: LedgerOwner): Promise<LedgerEntry | undefined>;
  /** Writes entries (one item each, idempotent by their time: writing one twice leaves one). */
  append(entries: readonly LedgerEntry[]): Promise<void>;
  /** The entries of this CronJob whose time is in `[fromMs, toMs]`, oldest first, and the first one after `toMs`. */
  list(owner: ObjectKey, fromMs: number, toMs: number): Promise<LedgerEntry[]>;
}
