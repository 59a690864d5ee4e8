import { CronJobController } from '../../controllers/cronjob-controller.ts';
import type { SlotLedger } from '../../ports/slot-ledger.ts';
import type { MetricsSink } from '../../ports/metrics.ts';
import { JobController } from '../../controllers/job-controller.ts';
import { isOnlyWaitingForQuota } from '../../controllers/pod-quota.ts';
import type { ControllerDeps } from '../../controllers/deps.ts';
import type { Change } from '../../ports/changes.ts';
import { isJobFinished } from '../../engine/object-meta.ts';
import { declaringStack } from '../../spec/ownership.ts';
import { TaskLaunchError } from '../../errors.ts';
import type { Clock } from '../../ports/clock.ts';
import type { LogSink } from '../../ports/log-sink.ts';
import type { StateStore } from '../../ports/state-store.ts';
import type { TaskLauncher } from '../../ports/task-launcher.ts';
import type { WorkQueue } from '../../ports/work-queue.ts';
import type { ResourceQuotas } from '../../ports/resource-quotas.ts';
import type { Job } from '../../spec/types.ts';
import { applyTaskStateChange } from './task-events.ts';
import { scheduleWorkOf, streamWorkOf, type DynamoDbStreamEvent, type StreamWork } from './stream-changes.ts';
import type { RuntimeSchedules } from '../../adapters/scheduler/runtime-schedules.ts';
import type { ScheduleRequeue } from '../../adapters/scheduler/scheduler-requeue.ts';
import type { EcsTaskReconciler } from './task-reconciler.ts';

/** The part of the Lambda context jobctl reads. */
export interface LambdaContextLike {
  invokedFunctionArn?: string;
  getRemainingTimeInMillis?: () => number;
}

/** The job controller's ports; production builds them at module scope (`functions/job-controller.ts`). */
export interface JobControllerLambdaDeps {
  store: StateStore;
  launcher: TaskLauncher;
  logs: LogSink;
  clock: Clock;
  requeue: ScheduleRequeue;
  /** Waits `ms` (production: a timer; tests: move a manual clock). */
  sleep: (ms: number) => Promise<void>;
  /** A requeue due within this is waited out in the invocation; later ones get a durable timer. */
  maxInlineWaitMs: number;
  /** Target of requeue schedules. @default - the invocation's `context.invokedFunctionArn` */
  requeueTargetArn?: string;
  /** Work queues of Jobs bound to one (`jobctl.dev/work-queue`, the coarse pattern): SQS on AWS. @default - none */
  queues?: WorkQueue;
  /** `kind: ResourceQuota` admission and usage (the state table). @default - none: pods are never held */
  quotas?: ResourceQuotas;
  /** Where each slot's outcome is recorded (`jobctl explain`). @default - none: not recorded */
  slots?: SlotLedger;
  /** Each CronJob's health and where its transitions go (EventBridge). @default - none: health is not kept */
  health?: ControllerDeps['health'];
  /** Where the controllers report slots recorded, Jobs created (skew) and Jobs finished. @default - none */
  metrics?: MetricsSink;
  /**
   * Schedules of CronJobs created with jobctl at run time. @default - none: such CronJobs only run when synced
   * otherwise
   */
  schedules?: Pick<RuntimeSchedules, 'reconcile'>;
  /** Reconciles pods with ECS in every resync (missed exits, orphan tasks). @default - none */
  tasks?: Pick<EcsTaskReconciler, 'reconcile'>;
  /** Structured log lines. @default - JSON on stdout (CloudWatch Logs) */
  log?: (record: Record<string, unknown>) => void;
}

/** `{"requeue":{"kind","namespace","name"}}`, from a one-time schedule ({@link ScheduleRequeue}). */
export interface RequeueEvent {
  requeue: { kind: 'CronJob' | 'Job'; namespace: string; name: string };
  dueAt?: string;
}

/** `{"resync":{"namespace":"default"}}`: every CronJob and unfinished Job synced (a periodic safety net). */
export interface ResyncEvent {
  resync: { namespace?: string };
}

/** What the handler answers: `batchItemFailures` for a stream batch (ReportBatchItemFailures), else a summary. */
export type JobControllerResult =
  | { batchItemFailures: { itemIdentifier: string }[] }
  | { synced: number }
  | { recorded: 0 | 1; dropped?: string };

/** Leave this much of the invocation's time unused when deciding to wait in-process. */
const REMAINING_TIME_MARGIN_MS = 10_000;
/** Inline waits per sync before a durable timer takes over (bounds an invocation's length). */
const MAX_INLINE_REQUEUES = 5;
/** First wait after a retryable launch failure; doubles per inline retry. */
const LAUNCH_RETRY_DELAY_MS = 10_000;
/** Jobs woken from the quota's waiting list synced per invocation; the rest get a requeue schedule. */
const MAX_WOKEN_PER_INVOCATION = 200;
/** Woken Jobs synced at once. */
const WOKEN_SYNC_CONCURRENCY = 20;

/**
 * The job-controller Lambda: one function for the three ways the Job controller is woken on AWS.
 *
 * | event (discriminated by shape) | does |
 * | --- | --- |
 * | EventBridge "ECS Task State Change" (`source: aws.ecs`) | records the start/exit on the pod once ({@link
 * applyTaskStateChange}); the pod's stream record then syncs the Job |
 * | DynamoDB Streams batch (`Records[].eventSource: aws:dynamodb`) | syncs what the records ask for ({@link
 * streamWorkOf}); answers `batchItemFailures` |
 * | `{"requeue":{kind,namespace,name}}` | syncs that object (a durable timer fired) |
 * | `{"resync":{namespace?}}` | reconciles pods with ECS (missed exits, orphan tasks), then syncs every CronJob and
 * unfinished Job of the namespace |
 *
 * Every sync's `requeueAtMs` is honoured: waited out in the invocation when near, else a one-time schedule. A
 * CronJob's requeue is its next scheduled time, which its own EventBridge schedule already covers, so it gets none.
 * A retryable launch failure (capacity, throttling past the SDK's retries) is a requeue too, not a failed record: a
 * failed stream record blocks its shard until it succeeds.
 */
export class JobControllerLambda {
  private readonly jobs: JobController;
  private readonly cronJobs: CronJobController;
  private readonly log: (record: Record<string, unknown>) => void;
  /** Jobs a freed quota slot woke (no write of theirs makes a stream record): synced before the invocation ends. */
  private readonly woken = new Map<string, Change>();

  constructor(private readonly deps: JobControllerLambdaDeps) {
    const controllerDeps: ControllerDeps = {
      store: deps.store,
      launcher: deps.launcher,
      logs: deps.logs,
      clock: deps.clock,
      ...(deps.queues === undefined ? {} : { queues: deps.queues }),
      ...(deps.quotas === undefined ? {} : { quotas: deps.quotas }),
      ...(deps.slots === undefined ? {} : { slots: deps.slots }),
      ...(deps.health === undefined ? {} : { health: deps.health }),
      ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
      wake: (change) => void this.woken.set(wokenKey(change), change),
    };
    this.jobs = new JobController(controllerDeps);
    this.cronJobs = new CronJobController(controllerDeps);
    this.log = deps.log ?? ((record) => console.log(JSON.stringify(record)));
  }

  async handle(event: unknown, context: LambdaContextLike = {}): Promise<JobControllerResult> {
    try {
      return await this.handleEvent(event, context);
    } finally {
      await this.syncWoken(context);
    }
  }

  /**
   * Syncs the Jobs woken for a freed quota slot during this invocation (and those they wake). Past
   * {@link MAX_WOKEN_PER_INVOCATION}, or when the invocation's time runs short, the rest get a requeue schedule due
   * now (their waiting entries were taken). A failure is logged, not thrown: the event that freed the slot succeeded,
   * and the Job is synced again by the resync.
   */
  private async syncWoken(context: LambdaContextLike): Promise<void> {
    let synced = 0;
    while (this.woken.size > 0) {
      const remainingMs = context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
      if (synced >= MAX_WOKEN_PER_INVOCATION || remainingMs < 2 * REMAINING_TIME_MARGIN_MS) break;
      const batch = [...this.woken.values()].slice(
        0,
        Math.min(WOKEN_SYNC_CONCURRENCY, MAX_WOKEN_PER_INVOCATION - synced),
      );
      for (const change of batch) this.woken.delete(wokenKey(change));
      synced += batch.length;
      const results = await Promise.allSettled(batch.map((change) => this.syncAndRequeue(change, context)));
      results.forEach((r, i) => {
        if (r.status === 'rejected')
          this.log({
            msg: 'woken sync failed',
            ...batch[i]!.key,
            error: String((r.reason as Error)?.message ?? r.reason),
          });
      });
    }
    const left = [...this.woken.values()];
    this.woken.clear();
    const target = this.deps.requeueTargetArn ?? context.invokedFunctionArn;
    for (const change of left) {
      try {
        if (target === undefined) throw new Error('no requeue target');
        await this.deps.requeue.requeueAt(change, this.deps.clock.now(), target);
      } catch (error) {
        this.log({
          msg: 'woken sync not requeued; the resync will sync it',
          ...change.key,
          error: String((error as Error)?.message ?? error),
        });
      }
    }
  }

  private async handleEvent(event: unknown, context: LambdaContextLike): Promise<JobControllerResult> {
    const kind = eventKindOf(event);
    switch (kind) {
      case 'ecs-task':
        return this.onTaskEvent(event);
      case 'stream':
        return this.onStream(event as DynamoDbStreamEvent, context);
      case 'requeue': {
        const { requeue } = event as RequeueEvent;
        await this.syncAndRequeue(
          { kind: requeue.kind, key: { namespace: requeue.namespace, name: requeue.name } },
          context,
        );
        return { synced: 1 };
      }
      case 'resync':
        return this.onResync((event as ResyncEvent).resync.namespace ?? 'default', context);
    }
  }

  /**
   * Records the start or exit on the pod, and only that: the pod write's stream record syncs the Job (as it does
   * for every pod phase change), so syncing here too would read the Job and its pods twice per event.
   */
  private async onTaskEvent(event: unknown): Promise<JobControllerResult> {
    const outcome = await applyTaskStateChange(this.deps.store, event);
    if (outcome.kind === 'dropped') {
      this.log({ msg: 'task event dropped', why: outcome.why });
      return { recorded: 0, dropped: outcome.why };
    }
    return { recorded: 1 };
  }

  private async onStream(event: DynamoDbStreamEvent, context: LambdaContextLike): Promise<JobControllerResult> {
    const syncs = streamWorkOf(event.Records);
    const schedules = this.deps.schedules === undefined ? [] : scheduleWorkOf(event.Records);
    const work: Array<{ what: 'sync' | 'schedules'; item: StreamWork }> = [
      ...syncs.map((item) => ({ what: 'sync' as const, item })),
      ...schedules.map((item) => ({ what: 'schedules' as const, item })),
    ];
    const results = await Promise.allSettled(
      work.map(({ what, item }) =>
        what === 'sync' ? this.syncAndRequeue(item.change, context) : this.reconcileSchedules(item.change.key),
      ),
    );
    const failed = new Set<string>();
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') return;
      const { what, item } = work[i]!;
      this.log({
        msg: `${what} failed`,
        kind: item.change.kind,
        ...item.change.key,
        error: String((result.reason as Error)?.message ?? result.reason),
      });
      for (const seq of item.sequenceNumbers) failed.add(seq);
    });
    // Lambda checkpoints before the lowest failed sequence number and retries from there
    // (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html); syncs are idempotent.
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  }

  private async onResync(namespace: string, context: LambdaContextLike): Promise<JobControllerResult> {
    const cronJobs = await this.deps.store.list('CronJob', namespace);
    // Jobs waiting for a quota slot are left to the recount below, which wakes as many as slots are free.
    const held = new Set(
      this.deps.quotas === undefined ? [] : (await this.deps.quotas.listWaiting(namespace)).map((j) => j.name),
    );
    const allJobs = await this.deps.store.list('Job', namespace);
    // ECS first: exits it reports that no event delivered are recorded before the Jobs are synced, so those syncs count
    // them.
    const reconciled = await Promise.allSettled(
      this.deps.tasks === undefined ? [] : [this.reconcileTasks(namespace, allJobs)],
    );
    const jobs = allJobs.filter(
      (job) =>
        (!isJobFinished(job) || job.spec.ttlSecondsAfterFinished !== undefined) &&
        !(held.has(job.metadata.name) && isOnlyWaitingForQuota(job)),
    );
    const changes: Change[] = [
      ...cronJobs.map((c) => ({ kind: 'CronJob' as const, key: c.metadata })),
      ...jobs.map((j) => ({ kind: 'Job' as const, key: j.metadata })),
    ];
    const results = await Promise.allSettled([
      ...changes.map((c) =>
        this.syncAndRequeue({ kind: c.kind, key: { namespace: c.key.namespace, name: c.key.name } }, context),
      ),
      // The quota controller's recount: charges a crash left behind go, and waiting Jobs get the slots.
      this.jobs.quota.reconcile(namespace),
      // Run-time schedules too: a CronJob stream record that went to the dead-letter queue leaves them behind.
      ...(this.deps.schedules === undefined
        ? []
        : cronJobs
            .filter((c) => declaringStack(c) === undefined)
            .map((c) => this.reconcileSchedules({ namespace: c.metadata.namespace, name: c.metadata.name }))),
    ]);
    const failures = [...reconciled, ...results].filter((r) => r.status === 'rejected').length;
    if (failures > 0)
      throw new Error(
        `resync of namespace ${namespace}: ${failures} of ${reconciled.length + results.length} syncs, task and ` +
          `schedule reconciles failed`,
      );
    return { synced: changes.length };
  }

  /** Pods against ECS ({@link EcsTaskReconciler}), counted in one log line. */
  private async reconcileTasks(namespace: string, jobs: Job[]): Promise<void> {
    try {
      const counts = await this.deps.tasks!.reconcile(namespace, jobs);
      this.log({ msg: 'tasks reconciled with ECS', namespace, ...counts });
    } catch (error) {
      this.log({ msg: 'tasks not reconciled with ECS', namespace, error: String((error as Error)?.message ?? error) });
      throw error;
    }
  }

  private async reconcileSchedules(key: { namespace: string; name: string }): Promise<void> {
    const outcome = await this.deps.schedules!.reconcile(key);
    if (
      outcome.created.length + outcome.updated.length + outcome.deleted.length > 0 ||
      outcome.unsupported !== undefined
    )
      this.log({ msg: 'schedules reconciled', ...key, ...outcome });
  }

  /** Syncs `change`, then honours its requeue: near → wait and sync again here; far → a durable timer. */
  async syncAndRequeue(change: Change, context: LambdaContextLike): Promise<void> {
    for (let round = 0; ; round++) {
      const atMs = await this.syncOnce(change, round);
      if (atMs === undefined || change.kind === 'CronJob') return;
      const delayMs = Math.max(0, atMs - this.deps.clock.now());
      const remainingMs = context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
      if (
        round + 1 >= MAX_INLINE_REQUEUES ||
        delayMs > this.deps.maxInlineWaitMs ||
        delayMs > remainingMs - REMAINING_TIME_MARGIN_MS
      ) {
        const target = this.deps.requeueTargetArn ?? context.invokedFunctionArn;
        if (target === undefined)
          throw new Error(
            `requeue ${change.kind} ${change.key.namespace}/${change.key.name}: no target: set ` +
              `JOBCTL_REQUEUE_TARGET_ARN or invoke through Lambda`,
          );
        const outcome = await this.deps.requeue.requeueAt(change, atMs, target);
        this.log({
          msg: 'requeue scheduled',
          kind: change.kind,
          ...change.key,
          at: new Date(atMs).toISOString(),
          outcome,
        });
        return;
      }
      await this.deps.sleep(delayMs);
    }
  }

  /** One sync; its requeue time, or — after a retryable launch failure — when to try launching again. */
  private async syncOnce(change: Change, round: number): Promise<number | undefined> {
    if (change.kind === 'ResourceQuota') {
      // Quota settings changed: pods that ran before it are charged, waiting Jobs woken (synced by `handle`).
      await this.jobs.quota.reconcile(change.key.namespace, { scanPods: true });
      return undefined;
    }
    try {
      const outcome =
        change.kind === 'CronJob' ? await this.cronJobs.sync(change.key) : await this.jobs.sync(change.key);
      return outcome.requeueAtMs;
    } catch (error) {
      if (!(error instanceof TaskLaunchError) || !error.retryable) throw error;
      this.log({ msg: 'launch failed, will retry', kind: change.kind, ...change.key, error: error.message });
      return this.deps.clock.now() + LAUNCH_RETRY_DELAY_MS * 2 ** round;
    }
  }
}

type EventKind = 'ecs-task' | 'stream' | 'requeue' | 'resync';

function wokenKey(change: Change): string {
  return `${change.key.namespace}/${change.key.name}`;
}

/** Which of the handler's event kinds `event` is, by shape; a TypeError naming what was expected otherwise. */
export function eventKindOf(event: unknown): EventKind {
  const e = (event ?? {}) as Record<string, unknown>;
  if (e['source'] === 'aws.ecs') return 'ecs-task';
  const records = e['Records'];
  if (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => (r as Record<string, unknown>)?.['eventSource'] === 'aws:dynamodb')
  )
    return 'stream';
  const requeue = e['requeue'] as Record<string, unknown> | undefined;
  if (
    requeue !== undefined &&
    (requeue['kind'] === 'Job' || requeue['kind'] === 'CronJob') &&
    typeof requeue['namespace'] === 'string' &&
    typeof requeue['name'] === 'string'
  )
    return 'requeue';
  if (typeof e['resync'] === 'object' && e['resync'] !== null) return 'resync';
  throw new TypeError(
    `job-controller: event: unrecognised shape ${JSON.stringify(event)?.slice(0, 200)}: expected an ECS Task State ` +
      `Change (source "aws.ecs"), ` +
      'a DynamoDB Streams batch (Records[].eventSource "aws:dynamodb"), ' +
      '{"requeue":{"kind":"Job"|"CronJob","namespace","name"}} or {"resync":{}}',
  );
}
