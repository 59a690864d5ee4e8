import {
  BatchWriteItemCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { stateTableKeys } from '../../adapters/dynamodb/state-table.ts';
import type { Clock } from '../../ports/clock.ts';

/** Items a Scan page looks at (DynamoDB also stops a page at 1 MB): bounds what one request holds in memory. */
export const SWEEP_PAGE_ITEMS = 1_000;
/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;
const MAX_BATCH_ATTEMPTS = 10;
/** How often the runtime sweeps: expired events (one-hour TTL) then outlive their TTL by at most this. */
export const DEFAULT_SWEEP_INTERVAL_MS = 10 * 60_000;

export interface SweepResult {
  /** Items the Scan looked at (the whole table). */
  scanned: number;
  /** Expired items deleted. */
  deleted: number;
  /** Scan pages read. */
  pages: number;
}

export interface SweepOptions {
  /** Items per Scan page. @default {@link SWEEP_PAGE_ITEMS} */
  pageSize?: number;
  /** Waits between retries of a batch's unprocessed items. @default a `setTimeout` promise */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Deletes every item of `tableName` whose TTL attribute (`expiresAt`, epoch seconds: {@link stateTableKeys}) is at
 * or before `nowSeconds` — what DynamoDB's TTL does on AWS, which dynalite lacks (it has no `UpdateTimeToLive`), so
 * locally expired events would stay for ever. Readers already hide an item from the second its `expiresAt` is
 * reached (`expiresAt > now`); this only reclaims the space.
 *
 * Cheap: one Scan filtered on the attribute with only the keys projected, page by page ({@link SWEEP_PAGE_ITEMS}
 * items), each page's expired keys deleted with BatchWriteItem (25 a request; unprocessed ones retried with back-off).
 * BatchWriteItem has no condition, so an item whose `expiresAt` is moved later between the Scan and the delete goes
 * anyway: fine for events (written once); a record that may be renewed must not carry the TTL attribute.
 *
 * @example
 * const { deleted } = await sweepExpired(client, 'jobctl', Math.floor(clock.now() / 1000));
 */
export async function sweepExpired(
  client: DynamoDBClient,
  tableName: string,
  nowSeconds: number,
  options: SweepOptions = {},
): Promise<SweepResult> {
  const { partitionKey, sortKey, timeToLiveAttribute } = stateTableKeys;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const result: SweepResult = { scanned: 0, deleted: 0, pages: 0 };
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        Limit: options.pageSize ?? SWEEP_PAGE_ITEMS,
        FilterExpression: '#ttl <= :now',
        ProjectionExpression: '#pk, #sk',
        ExpressionAttributeNames: { '#ttl': timeToLiveAttribute, '#pk': partitionKey, '#sk': sortKey },
        ExpressionAttributeValues: { ':now': { N: String(Math.floor(nowSeconds)) } },
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    result.pages++;
    result.scanned += page.ScannedCount ?? 0;
    const keys = (page.Items ?? []).map((item) => ({ [partitionKey]: item[partitionKey]!, [sortKey]: item[sortKey]! }));
    for (let i = 0; i < keys.length; i += BATCH_WRITE_LIMIT) {
      await deleteBatch(client, tableName, keys.slice(i, i + BATCH_WRITE_LIMIT), sleep);
      result.deleted += Math.min(BATCH_WRITE_LIMIT, keys.length - i);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return result;
}

async function deleteBatch(
  client: DynamoDBClient,
  tableName: string,
  keys: Record<string, AttributeValue>[],
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  let requests: WriteRequest[] = keys.map((Key) => ({ DeleteRequest: { Key } }));
  for (let attempt = 1; requests.length > 0; attempt++) {
    if (attempt > MAX_BATCH_ATTEMPTS)
      throw new Error(
        `sweeping expired items of "${tableName}": ${requests.length} deletes still unprocessed after ` +
          `${MAX_BATCH_ATTEMPTS} attempts`,
      );
    if (attempt > 1) await sleep(Math.min(50 * 2 ** attempt, 5_000));
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
    requests = out.UnprocessedItems?.[tableName] ?? [];
  }
}

export interface ExpirySweeperOptions {
  client: DynamoDBClient;
  tableName: string;
  /** The runtime's clock: "now" for expiry, and the timer between sweeps (so a manual clock drives it in tests). */
  clock: Clock;
  /** @default {@link DEFAULT_SWEEP_INTERVAL_MS} (10 minutes) */
  intervalMs?: number;
  /** One line per failed sweep (retried at the next interval). @default none */
  log?: (line: string) => void;
  /** Told of each sweep that deleted something. @default none */
  onSweep?: (result: SweepResult) => void;
}

/**
 * Runs {@link sweepExpired} on the runtime's clock: once at {@link start}, then every `intervalMs`. A sweep never
 * overlaps the previous one; a failed sweep is logged and the next interval tries again.
 *
 * @example
 * const sweeper = new ExpirySweeper({ client, tableName: 'jobctl', clock, log });
 * sweeper.start();
 * …
 * await sweeper.stop();
 */
export class ExpirySweeper {
  private cancelTimer?: () => void;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: ExpirySweeperOptions) {}

  /** Sweeps now, then every `intervalMs` on the clock. */
  start(): void {
    this.stopped = false;
    this.tick();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    await this.running;
  }

  /** Resolves once no sweep is running (the runtime's `settle` waits for it). */
  idle(): Promise<void> {
    return this.running;
  }

  /** One sweep now, after the one running (if any). */
  sweepNow(): Promise<SweepResult> {
    const { client, tableName, clock } = this.options;
    const sweep = this.running.then(() => sweepExpired(client, tableName, Math.floor(clock.now() / 1000)));
    this.running = sweep.then(
      (result) => {
        if (result.deleted > 0) this.options.onSweep?.(result);
      },
      (error: unknown) => this.options.log?.(`sweeping expired events failed: ${(error as Error).message}`),
    );
    return sweep;
  }

  private tick(): void {
    if (this.stopped) return;
    void this.sweepNow().catch(() => {}); // logged by sweepNow
    const { clock } = this.options;
    this.cancelTimer = clock.setTimer(clock.now() + (this.options.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS), () =>
      this.tick(),
    );
  }
}
