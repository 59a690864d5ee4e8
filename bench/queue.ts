/**
 * `npm run bench -- --only queue`: the local lease queue (the embedded runtime's, DynamoDB API on dynalite in a
 * worker thread, as `jobctl up` runs it) draining tiny items with 1, 2 and 8 concurrent workers, beside a plain
 * in-process loop doing the same work. Workers here are async loops in one process (lease → work → complete), so
 * the figure is the queue's own cost per item, not process start-up.
 */
import { createHash } from 'node:crypto';
import { DynamoDbWorkQueue } from '../src/adapters/dynamodb/dynamodb-work-queue.ts';
import { ensureStateTable } from '../src/adapters/dynamodb/state-table.ts';
import { localDynamoClient, startDynalite } from '../src/runtime/local/dynalite-host.ts';

export interface QueueBenchOptions {
  items: number;
  workers: readonly number[];
}

/** The "work": a SHA-256 of the item, what a tiny real task might do. */
function work(item: string): string {
  return createHash('sha256').update(item).digest('hex');
}

export async function benchQueue(options: QueueBenchOptions): Promise<void> {
  const host = await startDynalite();
  const client = localDynamoClient(host.endpoint, host.credentials);
  const tableName = 'jobctl-bench-queue';
  await ensureStateTable(client, tableName);
  const queues = new DynamoDbWorkQueue({ client, tableName });
  const items = Array.from({ length: options.items }, (_, i) => `item-${i}`);

  const loopStart = performance.now();
  let sink = 0;
  for (const item of items) sink += work(item).length;
  const loopMs = performance.now() - loopStart;

  console.log(
    `\n## Work queue: ${options.items.toLocaleString('en-US')} tiny items on the local lease queue (dynalite in a ` +
      `worker thread)`,
  );
  console.log(
    'Each item: lease (consistent Query + conditional update), SHA-256 of the item, complete (get, done marker, ' +
      'conditional delete).',
  );
  console.log(
    '| workers | push s | drain s | items/s | per-item overhead ms | vs plain loop | items done | exactly empty |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(
    `| plain in-process loop | – | ${(loopMs / 1000).toFixed(3)} | ` +
      `${Math.round(options.items / (loopMs / 1000)).toLocaleString('en-US')} | ` +
      `${(loopMs / options.items).toFixed(4)} | 1× | ${options.items} | – |`,
  );
  for (const workers of options.workers) {
    const name = `bench-${workers}`;
    await queues.ensureQueue(name, { leaseSeconds: 60 });
    const pushStart = performance.now();
    await queues.push(name, items);
    const pushMs = performance.now() - pushStart;
    let done = 0;
    const drainStart = performance.now();
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (;;) {
          const item = await queues.lease(name);
          if (item === undefined) return;
          sink += work(item.body).length;
          if (await queues.complete(name, item.lease)) done++;
        }
      }),
    );
    const drainMs = performance.now() - drainStart;
    const stats = await queues.stats(name);
    const perItemMs = drainMs / options.items;
    console.log(
      `| ${workers} | ${(pushMs / 1000).toFixed(1)} | ${(drainMs / 1000).toFixed(1)} | ` +
        `${Math.round(options.items / (drainMs / 1000)).toLocaleString('en-US')} | ` +
        `${(perItemMs - loopMs / options.items).toFixed(3)} | ` +
        `${Math.round(drainMs / loopMs).toLocaleString('en-US')}× slower | ${done} | ` +
        `${stats.pending + stats.leased === 0 && stats.done === options.items} |`,
    );
    await queues.deleteQueue(name);
  }
  if (sink < 0) console.log(sink); // keeps the work from being optimised away
  client.destroy();
  await host.close();
}
