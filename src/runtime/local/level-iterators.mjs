// Closes the LevelDB iterators dynalite opens for every Query and Scan (and DeleteTable, ListTables, tag reads).
//
// Why: dynalite 4 turns abstract-level iterators into Node streams (`createValueStream`/`createKeyStream` in
// node_modules/dynalite/db/index.js) whose destroy() calls `iterator.return()`, the async-iterator protocol method.
// abstract-level 2+ iterators (classic-level, memory-level) have no `return()`: they end with `close()`. So no iterator
// dynalite opens is ever closed — neither when a Query stops early (Limit, 1 MB) nor when it reads to the end — and the
// database keeps each one attached for good. An open LevelDB iterator pins the version of the database it started on:
// the memtable it saw and every table file of that version, which compaction has replaced but may not delete. Hence a
// `.jobctl/db` that grows by the size of all data ever written (~180 MB a day for one every-minute CronJob), a worker
// whose memory grows with it, and a reopen that shrinks it at once (audit D3a).
//
// The fix gives abstract-level's iterators the `return()` dynalite calls, as `close()`. It is installed in the thread
// that runs dynalite, before dynalite is created. Idempotent; it changes nothing where `return()` already exists (a
// dynalite or abstract-level that fixed this upstream).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Installs `return()` = `close()` on the iterators of every abstract-level copy dynalite's LevelDB (classic-level,
 * via `level`) and in-memory store (memory-level) use. Returns how many iterator classes it changed (0 when already
 * installed or not needed).
 */
export function closeLevelIteratorsOnStreamEnd() {
  const fromDynalite = createRequire(require.resolve('dynalite'));
  const stores = [];
  try {
    stores.push(createRequire(fromDynalite.resolve('level')).resolve('classic-level'));
  } catch {
    // `level` resolves to browser-level outside Node; nothing to do there.
  }
  stores.push(fromDynalite.resolve('memory-level'));
  let changed = 0;
  for (const store of new Set(stores)) {
    const { AbstractIterator } = createRequire(store)('abstract-level');
    // AbstractIterator, AbstractKeyIterator and AbstractValueIterator share one base class (not exported).
    const base = Object.getPrototypeOf(AbstractIterator.prototype);
    const target = typeof base?.close === 'function' ? base : AbstractIterator.prototype;
    if (typeof target.return === 'function') continue;
    Object.defineProperty(target, 'return', {
      value: function closeIterator() {
        return this.close();
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
    changed++;
  }
  return changed;
}
