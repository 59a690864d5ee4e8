import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { JobctlError } from '../../errors.ts';
import {
  MAX_QUOTA_PODS,
  type HeldJob,
  type PodAdmission,
  type PodCharge,
  type QuotaHard,
  type QuotaUsage,
  type ResourceQuotaView,
  type ResourceQuotas,
} from '../../ports/resource-quotas.ts';

export interface DynamoDbResourceQuotasOptions {
  client: DynamoDBClient;
  /** The state table: a namespace's quotas live in one partition of their own beside the objects. */
  tableName: string;
  /** Milliseconds since the epoch, for quotas' creation times. @default Date.now */
  now?: () => number;
}

/** The ledger: every quota of the namespace, the limit they make and the charged pods. */
interface LedgerItem {
  PK: string;
  SK: typeof LEDGER_SK;
  /** Quota name → its `hard` and creation time. */
  quotas: Record<string, { pods: number; createdAt: string }>;
  /** min(quotas[*].pods): what admission compares the holders' count with. */
  limit: number;
  limitedBy: string;
  /** Bumped by every change to `quotas` (never by a charge): settings writes are compare-and-swap on it. */
  qv: number;
  /** Pod name → `{ j: job name, t: charged at (epoch ms) }`. */
  holders: Record<string, { j: string; t: number }>;
  /** False from the ledger's creation until the recount has charged the pods already running. */
  counted?: boolean;
}

const LEDGER_SK = 'ledger';
const WAIT_PREFIX = 'wait#';
/** Settings writes retried after losing a compare-and-swap to another settings write. */
const MAX_SETTINGS_ATTEMPTS = 8;
/** Admissions retried when the condition failed but a re-read shows a free slot (a release came in between). */
const MAX_ADMIT_ATTEMPTS = 4;

const QUOTA_PARTITION_PREFIX = 'ResourceQuota#';

/** The partition of a namespace's quotas (documented in docs/state-table.md). */
export function quotaPartition(namespace: string): string {
  return `${QUOTA_PARTITION_PREFIX}${namespace}`;
}

/**
 * The namespace whose quota settings a stream record shows changed (the ledger's `qv`, which charges never touch),
 * or undefined for any other record, charges included.
 */
export function quotaSettingsChangeOf(
  keys: { PK?: unknown; SK?: unknown },
  newImage?: { qv?: unknown },
  oldImage?: { qv?: unknown },
): string | undefined {
  if (typeof keys.PK !== 'string' || !keys.PK.startsWith(QUOTA_PARTITION_PREFIX) || keys.SK !== LEDGER_SK)
    return undefined;
  return newImage?.qv === oldImage?.qv ? undefined : keys.PK.slice(QUOTA_PARTITION_PREFIX.length);
}

/**
 * {@link ResourceQuotas} on the state table, with single-item conditional writes only (dynalite has no transactions):
 *
 * | item | `PK` | `SK` |
 * | --- | --- | --- |
 * | the namespace's quotas, limit and charged pods | `ResourceQuota#<namespace>` | `ledger` |
 * | a Job waiting for a slot | `ResourceQuota#<namespace>` | `wait#<creationTimestamp>#<job name>` |
 *
 * - Admission is one `UpdateItem` adding the pod to `holders` on condition that it is there already or that
 *   `size(holders) < limit` (and that the usage was counted): atomic across every controller, idempotent per pod name.
 * - A new ledger is `counted: false` until the recount has charged the pods already running (`markCounted`).
 * - A release removes the pod from `holders` (on condition of its charge time when a reconcile asks).
 * - Quota settings are compare-and-swap on `qv`, which charges never touch, so applying a quota never races
 *   admissions. Deleting the last quota deletes the ledger with its charges.
 */
export class DynamoDbResourceQuotas implements ResourceQuotas {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;

  constructor(options: DynamoDbResourceQuotasOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.tableName = options.tableName;
    this.now = options.now ?? (() => Date.now());
  }

  async put(namespace: string, name: string, hard: QuotaHard): Promise<void> {
    if (!Number.isInteger(hard.pods) || hard.pods < 0 || hard.pods > MAX_QUOTA_PODS) {
      throw new JobctlError(
        'Validation',
        `resourcequota "${name}": spec.hard.pods: Invalid value: ${hard.pods}: must be an integer 0-${MAX_QUOTA_PODS}`,
      );
    }
    await this.changeQuotas(namespace, (quotas, now) => {
      quotas[name] = { pods: hard.pods, createdAt: quotas[name]?.createdAt ?? now };
      return true;
    });
  }

  async delete(namespace: string, name: string): Promise<boolean> {
    return this.changeQuotas(namespace, (quotas) => {
      if (quotas[name] === undefined) return false;
      delete quotas[name];
      return true;
    });
  }

  async list(namespace: string): Promise<ResourceQuotaView[]> {
    const ledger = await this.ledger(namespace);
    if (ledger === undefined) return [];
    const used = Object.keys(ledger.holders ?? {}).length;
    const waiting = await this.countWaiting(namespace);
    return Object.entries(ledger.quotas)
      .map(([name, q]) => ({
        name,
        namespace,
        creationTimestamp: q.createdAt,
        hard: { pods: q.pods },
        used: { pods: used },
        waiting,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async usage(namespace: string): Promise<QuotaUsage | undefined> {
    const ledger = await this.ledger(namespace);
    if (ledger === undefined) return undefined;
    const holders = new Map<string, PodCharge>();
    for (const [podName, h] of Object.entries(ledger.holders ?? {}))
      holders.set(podName, { podName, jobName: h.j, chargedAtMs: h.t });
    return { counted: ledger.counted !== false, limit: ledger.limit, limitedBy: ledger.limitedBy, holders };
  }

  async admit(namespace: string, pod: PodCharge): Promise<PodAdmission> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { PK: quotaPartition(namespace), SK: LEDGER_SK },
            // A slot reserved for the pod's Job (it was woken for it) becomes the pod's: the count does not change.
            UpdateExpression: 'SET holders.#pod = :charge REMOVE holders.#reserved',
            ConditionExpression:
              'counted = :true AND (attribute_exists(holders.#pod) OR attribute_exists(holders.#reserved) OR ' +
              'size(holders) < #limit)',
            ExpressionAttributeNames: {
              '#pod': pod.podName,
              '#reserved': reservationKey(pod.jobName),
              '#limit': 'limit',
            },
            ExpressionAttributeValues: { ':charge': { j: pod.jobName, t: pod.chargedAtMs }, ':true': true },
          }),
        );
        return { admitted: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      // No ledger (no quota in the namespace), or full: read it to tell which and to report the usage.
      const ledger = await this.ledger(namespace);
      if (ledger === undefined) return { admitted: true, noQuota: true };
      const used = Object.keys(ledger.holders ?? {}).length;
      if (ledger.counted === false)
        return { admitted: false, quotaName: ledger.limitedBy, used, limit: ledger.limit, uncounted: true };
      if (used >= ledger.limit || attempt >= MAX_ADMIT_ATTEMPTS)
        return { admitted: false, quotaName: ledger.limitedBy, used, limit: ledger.limit };
    }
  }

  async reserve(namespace: string, job: HeldJob, atMs: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: quotaPartition(namespace), SK: LEDGER_SK },
          UpdateExpression: 'SET holders.#reserved = :charge',
          ConditionExpression: 'counted = :true AND (attribute_exists(holders.#reserved) OR size(holders) < #limit)',
          ExpressionAttributeNames: { '#reserved': reservationKey(job.name), '#limit': 'limit' },
          ExpressionAttributeValues: { ':charge': { j: job.name, t: atMs }, ':true': true },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async charge(namespace: string, pod: PodCharge): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: quotaPartition(namespace), SK: LEDGER_SK },
          UpdateExpression: 'SET holders.#pod = :charge',
          ConditionExpression: 'attribute_exists(holders) AND attribute_not_exists(holders.#pod)',
          ExpressionAttributeNames: { '#pod': pod.podName },
          ExpressionAttributeValues: { ':charge': { j: pod.jobName, t: pod.chargedAtMs } },
        }),
      );
    } catch (error) {
      // Charged already, or no quota any more: either way nothing to add.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async release(namespace: string, pods: ReadonlyArray<{ podName: string; chargedAtMs?: number }>): Promise<number> {
    let released = 0;
    for (const pod of pods) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { PK: quotaPartition(namespace), SK: LEDGER_SK },
            UpdateExpression: 'REMOVE holders.#pod',
            ConditionExpression:
              pod.chargedAtMs === undefined ? 'attribute_exists(holders.#pod)' : 'holders.#pod.t = :t',
            ExpressionAttributeNames: { '#pod': pod.podName },
            ...(pod.chargedAtMs === undefined ? {} : { ExpressionAttributeValues: { ':t': pod.chargedAtMs } }),
          }),
        );
        released++;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return released;
  }

  async hold(namespace: string, job: HeldJob): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: quotaPartition(namespace),
            SK: waitSortKey(job),
            name: job.name,
            creationTimestamp: job.creationTimestamp,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async unhold(namespace: string, job: HeldJob): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: { PK: quotaPartition(namespace), SK: waitSortKey(job) } }),
    );
  }

  async markCounted(namespace: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: quotaPartition(namespace), SK: LEDGER_SK },
          UpdateExpression: 'SET counted = :true',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':true': true },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // deleted meanwhile: nothing to mark
    }
  }

  async popWaiting(namespace: string, max: number): Promise<HeldJob[]> {
    if (max <= 0) return [];
    const page = await this.doc.send(new QueryCommand({ ...this.waitingQuery(namespace), Limit: max }));
    const popped: HeldJob[] = [];
    for (const item of page.Items ?? []) {
      const job: HeldJob = { name: String(item['name']), creationTimestamp: String(item['creationTimestamp']) };
      try {
        // Conditional: of two controllers popping at once, each Job is woken by one.
        await this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { PK: quotaPartition(namespace), SK: waitSortKey(job) },
            ConditionExpression: 'attribute_exists(PK)',
          }),
        );
        popped.push(job);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return popped;
  }

  async countWaiting(namespace: string): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          ...this.waitingQuery(namespace),
          Select: 'COUNT',
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return count;
  }

  async listWaiting(namespace: string): Promise<HeldJob[]> {
    const held: HeldJob[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          ...this.waitingQuery(namespace),
          ProjectionExpression: '#n, creationTimestamp',
          ExpressionAttributeNames: { '#n': 'name' },
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? [])
        held.push({ name: String(item['name']), creationTimestamp: String(item['creationTimestamp']) });
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return held;
  }

  private waitingQuery(namespace: string): QueryCommandInput {
    return {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :wait)',
      ExpressionAttributeValues: { ':pk': quotaPartition(namespace), ':wait': WAIT_PREFIX },
      ConsistentRead: true,
    };
  }

  private async ledger(namespace: string): Promise<LedgerItem | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: quotaPartition(namespace), SK: LEDGER_SK },
        ConsistentRead: true,
      }),
    );
    return out.Item as LedgerItem | undefined;
  }

  /**
   * Read-modify-write of the namespace's quotas, compare-and-swap on `qv`. `change` edits the map in place and says
   * whether it changed anything; the limit is recomputed from it, and no quota left deletes the ledger.
   */
  private async changeQuotas(
    namespace: string,
    change: (quotas: LedgerItem['quotas'], nowIso: string) => boolean,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const ledger = await this.ledger(namespace);
      const quotas = structuredClone(ledger?.quotas ?? {});
      if (!change(quotas, new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'))) return false;
      const key = { PK: quotaPartition(namespace), SK: LEDGER_SK };
      const casNames = { '#qv': 'qv' };
      const cas = ledger === undefined ? 'attribute_not_exists(PK)' : '#qv = :qv';
      const casValues = ledger === undefined ? {} : { ':qv': ledger.qv };
      try {
        const names = Object.keys(quotas);
        if (names.length === 0) {
          await this.doc.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: key,
              ConditionExpression: cas,
              ExpressionAttributeNames: casNames,
              ExpressionAttributeValues: casValues,
            }),
          );
        } else {
          const limitedBy = names.sort().reduce((a, b) => (quotas[b]!.pods < quotas[a]!.pods ? b : a));
          await this.doc.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: key,
              // A new ledger starts uncounted: admission waits until the recount charged the pods already running.
              UpdateExpression:
                'SET quotas = :quotas, #limit = :limit, limitedBy = :by, #qv = :next, holders = ' +
                'if_not_exists(holders, :none), counted = if_not_exists(counted, :false)',
              ConditionExpression: cas,
              ExpressionAttributeNames: { ...casNames, '#limit': 'limit' },
              ExpressionAttributeValues: {
                ...casValues,
                ':quotas': quotas,
                ':limit': quotas[limitedBy]!.pods,
                ':by': limitedBy,
                ':next': (ledger?.qv ?? 0) + 1,
                ':none': {},
                ':false': false,
              },
            }),
          );
        }
        return true;
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= MAX_SETTINGS_ATTEMPTS) throw error;
      }
    }
  }
}

/**
 * The holder key of a slot reserved for a woken Job: `~` cannot begin a pod name (a DNS-1123 label), so it never
 * collides with one.
 */
export function reservationKey(jobName: string): string {
  return `~${jobName}`;
}

/** Oldest first: the creation time sorts as text (RFC 3339, UTC), the name breaks ties. */
function waitSortKey(job: HeldJob): string {
  return `${WAIT_PREFIX}${job.creationTimestamp}#${job.name}`;
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';
}
