import type { ObjectKey } from '../../../src/ports/state-store.ts';
import { entryTimeMs, type LedgerEntry, type LedgerOwner, type SlotLedger } from '../../../src/ports/slot-ledger.ts';

/**
 * The slot ledger in memory: entries by CronJob key, sorted by time, one per time and type (a second write of the
 * same entry replaces it, as a PutItem of the same key does). `appended` counts writes, for the cost tests.
 */
export class FakeSlotLedger implements SlotLedger {
  readonly entries = new Map<string, LedgerEntry[]>();
  appended = 0;

  async latest(owner: LedgerOwner): Promise<LedgerEntry | undefined> {
    const last = this.of(owner).at(-1);
    return last?.owner.uid === owner.uid ? last : undefined;
  }

  async append(entries: readonly LedgerEntry[]): Promise<void> {
    for (const entry of entries) {
      this.appended++;
      const list = this.of(entry.owner).filter((e) => entryTimeMs(e) !== entryTimeMs(entry) || e.type !== entry.type);
      list.push(structuredClone(entry));
      list.sort((a, b) => entryTimeMs(a) - entryTimeMs(b));
      this.entries.set(keyOf(entry.owner), list);
    }
  }

  async list(owner: ObjectKey, fromMs: number, toMs: number): Promise<LedgerEntry[]> {
    const from = this.of(owner).filter((e) => entryTimeMs(e) >= fromMs);
    const within = from.filter((e) => entryTimeMs(e) <= toMs);
    const after = from.find((e) => entryTimeMs(e) > toMs);
    return after === undefined ? within : [...within, after];
  }

  /** The slot records only (no marks) of a CronJob, oldest first. */
  slots(owner: ObjectKey): LedgerEntry[] {
    return this.of(owner).filter((e) => e.type === 'slot');
  }

  private of(key: ObjectKey): LedgerEntry[] {
    return this.entries.get(keyOf(key)) ?? [];
  }
}

const keyOf = (key: ObjectKey) => `${key.namespace}/${key.name}`;
