import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDbStateStore } from '../../adapters/dynamodb/dynamodb-state-store.ts';
import { DynamoDbWorkQueue } from '../../adapters/dynamodb/dynamodb-work-queue.ts';
import { DynamoDbResourceQuotas } from '../../adapters/dynamodb/dynamodb-resource-quotas.ts';
import { DynamoDbSlotLedger } from '../../adapters/dynamodb/dynamodb-slot-ledger.ts';
import { DynamoDbHealthStore } from '../../adapters/dynamodb/dynamodb-health-store.ts';
import { notificationText, WebhookNotifier } from '../../adapters/webhook/webhook-notifier.ts';
import type { Notifier } from '../../ports/health.ts';
import type { SlotLedger } from '../../ports/slot-ledger.ts';
import type { ResourceQuotas } from '../../ports/resource-quotas.ts';
import { ensureStateTable } from '../../adapters/dynamodb/state-table.ts';
import { CronJobController } from '../../controllers/cronjob-controller.ts';
import { JobController } from '../../controllers/job-controller.ts';
import { isOnlyWaitingForQuota } from '../../controllers/pod-quota.ts';
import type { ControllerDeps } from '../../controllers/deps.ts';
import type { Change } from '../../ports/changes.ts';
import { isJobFinished } from '../../engine/object-meta.ts';
import { isPodFinished, isStopRequested } from '../../engine/task-exit.ts';
import type { Clock } from '../../ports/clock.ts';
import type { TaskExit, TaskRef } from '../../ports/task-launcher.ts';
import type { StateStore } from '../../ports/state-store.ts';
import type { WorkQueue } from '../../ports/work-queue.ts';
import { MAX_QUOTA_PODS, type KubeEvent } from '../../spec/types.ts';
import { SystemClock } from '../../adapters/clock/clock.ts';
import { startDynalite, localDynamoClient, type DynaliteHost } from './dynalite-host.ts';
import { FileLogSink } from '../../adapters/files/file-log-sink.ts';
import { ProcessTaskLauncher } from '../../adapters/process/process-task-launcher.ts';
import { writeJobctlShim } from '../../adapters/process/jobctl-shim.ts';
import {
  claimRuntimeFile,
  releaseRuntimeFile,
  securePrivateDir,
  STATE_TABLE_NAME,
  type RuntimeInfo,
} from './state-dir.ts';
import { hasBearer, readBody, refusal } from './endpoint-guard.mjs';
import { KeyedWorkQueue } from './sync-queue.ts';
import { serveObjectRead } from './object-reads.ts';
import { MetricTotals } from '../../engine/metrics.ts';
import { metricsPortFromEnv, metricsToken, serveMetrics, type MetricsServer } from './metrics-server.ts';
import { diskFullFailure, isDiskFull, type DatabaseFailure } from './database-watch.ts';
import { ExpirySweeper } from './expiry-sweeper.ts';
import { LogRotator, logRotationFromEnv, type LogRotatorOptions } from '../../adapters/files/log-rotation.ts';

export interface LocalRuntimeOptions {
  /** Where state, logs and the runtime file live. @default `$JOBCTL_STATE_DIR` or `.jobctl` in the working directory */
  stateDir: string;
  /** @default the system clock */
  clock?: Clock;
  /** Working directory of tasks. @default process.cwd() */
  cwd?: string;
  /** How often every object is synced again even without a change (Kubernetes' informer resync). @default 30 000 */
  resyncIntervalMs?: number;
  /** Syncs run at once. @default 8 */
  workers?: number;
  /** Keep the DynamoDB data in memory only (tests, benchmarks). @default false */
  inMemory?: boolean;
  /** Progress and error lines for the operator. @default none */
  log?: (line: string) => void;
  /** Serve the control endpoint the CLI notifies after a write. @default true */
  serveControl?: boolean;
  /** Sees the DynamoDB client before first use (the benchmarks count its requests with a middleware). @default none */
  observeDynamoClient?: (client: DynamoDBClient) => void;
  /**
   * Tasks running at once while the namespace has no ResourceQuota of its own, kept as `resourcequota/jobctl-default`;
   * false: no default. @default {@link defaultTaskCap}()
   */
  defaultTaskCap?: number | false;
  /**
   * Caps on per-pod log files. @default the kubelet's (10 MiB, 5 files), or JOBCTL_LOG_MAX_SIZE / JOBCTL_LOG_MAX_FILES
   */
  logRotation?: LogRotatorOptions;
  /** How often expired events are deleted, on the runtime's clock. @default 10 minutes */
  sweepIntervalMs?: number;
  /** Where health transitions are POSTed (`jobctl up --notify`), besides the log. @default none: the log only */
  notifyUrl?: string;
}

/** The ResourceQuota the local runtime keeps in a namespace that has none of its own (audit D11). */
export const DEFAULT_QUOTA_NAME = 'jobctl-default';

/**
 * The default cap on tasks running at once: 8 per CPU, at least 32, at most {@link MAX_QUOTA_PODS}. A typo such as
 * `parallelism: 10000` then runs 32–500 processes at a time instead of forking until the machine gives out (the
 * audit measured 673 at once for parallelism 1000). Sleeping or I/O-bound tasks are the common local case, hence
 * several per CPU.
 */
export function defaultTaskCap(cpus = availableParallelism()): number {
  return Math.min(MAX_QUOTA_PODS, Math.max(32, 8 * cpus));
}

type QueueItem = Change;

/**
 * The embedded default: the same controllers the Lambdas run, wired to dynalite (DynamoDB API in-process),
 * child processes for tasks, per-task log files, and timers from the cron engine. `jobctl up` runs one.
 */
export class LocalRuntime {
  readonly stateDir: string;
  readonly clock: Clock;
  store!: StateStore;
  /** The local lease queue (`kind: WorkQueue`), in the same table: it survives restarts with the rest. */
  queues!: WorkQueue;
  /** `kind: ResourceQuota` settings and charges, in the same table. */
  quotas!: ResourceQuotas;
  /** Each CronJob slot's outcome (`jobctl explain`), in the same table. */
  slots!: SlotLedger;
  launcher!: ProcessTaskLauncher;
  logs!: FileLogSink;
  private dynalite?: DynaliteHost;
  private control?: Server;
  /** Counters and histograms of what the controllers reported since the start (`GET /metrics`). */
  readonly metrics = new MetricTotals();
  private metricsServer?: MetricsServer;
  private queue!: KeyedWorkQueue<QueueItem>;
  private cronJobs!: CronJobController;
  private jobs!: JobController;
  private cancelResync?: () => void;
  private readonly failures = new Map<string, number>();
  private readonly podEventChains = new Map<string, Promise<void>>();
  private pendingPodEvents = 0;
  private stopped = false;
  private sweeper?: ExpirySweeper;
  private rotator?: LogRotator;
  private failure?: DatabaseFailure;
  private reportFailure!: (failure: DatabaseFailure) => void;
  /** Resolves when the runtime stopped itself: its database died or the disk is full (one line for the operator). */
  readonly failed = new Promise<DatabaseFailure>((resolve) => (this.reportFailure = resolve));
  info?: RuntimeInfo;

  constructor(private readonly options: LocalRuntimeOptions) {
    this.stateDir = resolve(options.stateDir);
    this.clock = options.clock ?? new SystemClock();
  }

  async start(): Promise<RuntimeInfo> {
    const log = this.options.log ?? (() => {});
    await securePrivateDir(this.stateDir);
    await claimRuntimeFile(this.stateDir);
    try {
      this.dynalite = await startDynalite(this.options.inMemory ? {} : { path: join(this.stateDir, 'db') });
      void this.dynalite.failed.then((failure) => this.fail(failure));
      const client = localDynamoClient(this.dynalite.endpoint, this.dynalite.credentials);
      this.sweeper = new ExpirySweeper({
        client,
        tableName: STATE_TABLE_NAME,
        clock: this.clock,
        intervalMs: this.options.sweepIntervalMs,
        log,
      });
      this.options.observeDynamoClient?.(client);
      await ensureStateTable(client, STATE_TABLE_NAME);
      this.store = withEventLog(
        new DynamoDbStateStore({
          client,
          tableName: STATE_TABLE_NAME,
          now: () => this.clock.now(),
          ...(this.options.log ? { onUnreadable: (message: string) => log(`warning: ${message}`) } : {}),
        }),
        this.options.log,
      );
      this.queues = new DynamoDbWorkQueue({ client, tableName: STATE_TABLE_NAME, now: () => this.clock.now() });
      this.quotas = new DynamoDbResourceQuotas({ client, tableName: STATE_TABLE_NAME, now: () => this.clock.now() });
      this.slots = new DynamoDbSlotLedger({ client, tableName: STATE_TABLE_NAME, now: () => this.clock.now() });
      this.logs = new FileLogSink(join(this.stateDir, 'logs'));
      this.rotator = new LogRotator(this.logs, { ...logRotationFromEnv(), ...this.options.logRotation, log });
      // `jobctl` on every task's PATH runs this runtime's jobctl, as in an image that ships it (jobctl-shim.ts).
      const jobctlDir = await writeJobctlShim(join(this.stateDir, 'bin'));
      this.launcher = new ProcessTaskLauncher({
        logs: this.logs,
        pidDir: join(this.stateDir, 'pids'),
        clock: this.clock,
        cwd: this.options.cwd,
        // `jobctl worker` (the fine work-queue pattern) inside a task reaches this runtime's queues through it.
        extraEnv: { JOBCTL_STATE_DIR: this.stateDir },
        pathPrefix: jobctlDir === undefined ? [] : [jobctlDir],
        events: {
          started: (task, atMs, attempt) =>
            void this.onPodEvent(task, () => this.jobs.recordTaskStart(task, atMs, attempt)).catch(() => {}),
          exited: (exit) => this.onPodEvent(exit, () => this.jobs.recordTaskExit(exit)),
        },
      });
      const deps: ControllerDeps = {
        store: this.store,
        launcher: this.launcher,
        logs: this.logs,
        clock: this.clock,
        queues: this.queues,
        quotas: this.quotas,
        slots: this.slots,
        metrics: this.metrics,
        health: {
          store: new DynamoDbHealthStore({ client, tableName: STATE_TABLE_NAME }),
          notifier: this.healthNotifier(log),
          log: (line) => log(`warning: ${line}`),
        },
        notify: (change) => this.enqueue(change),
        // A woken Job has a quota slot kept for it: it goes first, or the slot idles behind every other sync.
        wake: (change) => this.enqueue(change, undefined, { front: true }),
      };
      this.cronJobs = new CronJobController(deps);
      this.jobs = new JobController(deps);
      this.queue = new KeyedWorkQueue<QueueItem>(
        this.clock,
        (key, item) => this.process(key, item),
        this.options.workers ?? 8,
        (key, error) => {
          if (this.failure) return; // the one message is the failure's
          if (isDiskFull(error))
            return void diskFullFailure(error, this.stateDir).then((failure) => this.fail(failure));
          log(`sync ${key} failed: ${(error as Error).message}`);
        },
      );
      const controlToken = randomBytes(32).toString('base64url');
      const controlUrl = this.options.serveControl === false ? undefined : await this.serveControl(controlToken);
      if (this.options.serveControl !== false)
        this.metricsServer = await serveMetrics({
          store: this.store,
          totals: this.metrics,
          port: metricsPortFromEnv(),
          token: await metricsToken(this.stateDir),
        });
      const metricsUrl = this.metricsServer?.url;
      this.info = {
        pid: process.pid,
        dynamodbEndpoint: this.dynalite.endpoint,
        dynamodbCredentials: this.dynalite.credentials,
        ...(controlUrl === undefined ? {} : { controlUrl, controlToken }),
        ...(metricsUrl === undefined ? {} : { metricsUrl }),
        stateDir: this.stateDir,
        startedAt: new Date(this.clock.now()).toISOString(),
      };
      await claimRuntimeFile(this.stateDir, this.info);
      // What a runtime that did not stop cleanly left: tasks still running are adopted, exits recorded as they were.
      const adopted = this.launcher.adopt();
      await Promise.all(this.podEventChains.values());
      const lost = await this.recoverLostTasks(adopted.pods);
      if (adopted.running + adopted.exited + adopted.vanished + adopted.legacyStopped + lost > 0) {
        log(
          `took over from a runtime that did not stop cleanly: ${adopted.running} task(s) still running, ` +
            `${adopted.exited} ended meanwhile` +
            ` (exits recorded), ${adopted.vanished + lost} lost` +
            (adopted.legacyStopped > 0 ? `, ${adopted.legacyStopped} of an older jobctl stopped` : ''),
        );
      }
      // The default cap exists before the first Job sync, and is counted, so no Job is denied while it is new.
      if (await this.ensureDefaultQuota('default')) await this.jobs.quota.reconcile('default', { scanPods: true });
      await this.resync();
      this.sweeper.start();
      this.rotator.start();
      return this.info;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Queues a sync of one object now (or at `atMs`); `front`: ahead of every sync waiting. */
  enqueue(change: Change, atMs?: number, options: { front?: boolean } = {}): void {
    if (this.stopped) return;
    this.queue.add(`${change.kind}/${change.key.namespace}/${change.key.name}`, change, atMs, options);
  }

  /** Queues every CronJob and every unfinished Job, and re-arms the periodic resync. */
  async resync(): Promise<void> {
    // The next resync is armed first, so a failing one (a transient store error) does not end them.
    this.cancelResync?.();
    const interval = this.options.resyncIntervalMs ?? 30_000;
    this.cancelResync = this.clock.setTimer(
      this.clock.now() + interval,
      () =>
        void this.resync().catch((error: unknown) => this.options.log?.(`resync failed: ${(error as Error).message}`)),
    );
    for (const cronJob of await this.store.list('CronJob', 'default'))
      this.enqueue({ kind: 'CronJob', key: cronJob.metadata });
    // Jobs waiting for a quota slot are not synced here: a freed slot wakes them, and the recount below wakes as many
    // as slots are free (a thousand held Jobs synced every resync would only be denied again).
    const held = new Set((await this.quotas.listWaiting('default')).map((j) => j.name));
    for (const job of await this.store.list('Job', 'default')) {
      if (!(held.has(job.metadata.name) && isOnlyWaitingForQuota(job)))
        this.enqueue({ kind: 'Job', key: job.metadata });
    }
    // The quota controller's recount: charges a crash left behind go, and waiting Jobs get the slots.
    this.enqueue({ kind: 'ResourceQuota', key: { namespace: 'default', name: '' } });
  }

  /**
   * Resolves once nothing is due now: no sync running or ready, no task report pending, no task being stopped, and
   * (unless `tasks` is false) no task still running. Tests call it after moving the clock.
   */
  async settle(options: { tasks?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    const notSettled = () =>
      new Error(
        `runtime did not settle: ${this.launcher.runningCount} tasks running, queue ${this.queue.size}, ` +
          `${this.pendingPodEvents} task reports pending`,
      );
    // Each wait is bounded too: a sync or a task report that never ends fails the settle instead of hanging it.
    const within = async (wait: Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(notSettled()), Math.max(0, deadline - Date.now()))),
      );
      try {
        await Promise.race([wait, late]);
      } finally {
        clearTimeout(timer);
      }
    };
    for (;;) {
      await within(this.queue.whenIdle());
      await within(Promise.all(this.podEventChains.values()));
      await within(this.sweeper?.idle() ?? Promise.resolve());
      await new Promise((r) => setTimeout(r, 5));
      // Tasks asked to stop are always waited for: their exit is part of what the stop decided.
      const tasksBusy = options.tasks === false ? this.launcher.stoppingCount > 0 : this.launcher.runningCount > 0;
      if (this.queue.isIdle && this.pendingPodEvents === 0 && !tasksBusy) return;
      if (Date.now() > deadline) throw notSettled();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelResync?.();
    this.queue?.close();
    // A dead database fails every sync at once or after the SDK's retries: not worth waiting for.
    if (!this.failure) await this.queue?.whenIdle();
    const sweeping = this.sweeper?.stop();
    if (!this.failure) await sweeping;
    await this.rotator?.stop();
    if (this.launcher) {
      await this.launcher.stopAll('RuntimeStopped');
      await Promise.all(this.podEventChains.values());
    }
    await new Promise<void>((r) => (this.control ? this.control.close(() => r()) : r()));
    await this.metricsServer?.close();
    await this.dynalite?.close();
    await releaseRuntimeFile(this.stateDir);
  }

  private async process(key: string, item: QueueItem): Promise<void> {
    try {
      let outcome: { requeueAtMs?: number } = {};
      if (item.kind === 'CronJob') outcome = await this.cronJobs.sync(item.key);
      else if (item.kind === 'Job') outcome = await this.jobs.sync(item.key);
      // A quota applied, changed or deleted (`name`), or the periodic recount (no name): pods that ran before it are
      // charged, leftovers released, waiting Jobs woken.
      else if (item.kind === 'ResourceQuota') {
        await this.ensureDefaultQuota(item.key.namespace);
        await this.jobs.quota.reconcile(item.key.namespace, { scanPods: item.key.name !== '' });
      }
      this.failures.delete(key);
      if (outcome.requeueAtMs !== undefined) this.enqueue(item, outcome.requeueAtMs);
    } catch (error) {
      // client-go's default per-item limiter: 5 ms doubling, capped at 1000 s.
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      this.enqueue(item, this.clock.now() + Math.min(5 * 2 ** (failures - 1), 1_000_000));
      throw error;
    }
  }

  /** Stops the runtime after its database died or the disk filled: once, with the failure for `failed`. */
  private fail(failure: DatabaseFailure): void {
    if (this.failure || this.stopped) return;
    this.failure = failure;
    this.reportFailure(failure);
  }

  /**
   * Keeps `resourcequota/jobctl-default` exactly when the namespace has no other quota: created when there is none
   * (at start, and when the last one is deleted), deleted when the user applies one (theirs then decides, higher or
   * lower). Applying a quota named `jobctl-default` changes the default's limit. True when it created it.
   */
  private async ensureDefaultQuota(namespace: string): Promise<boolean> {
    const cap = this.options.defaultTaskCap ?? defaultTaskCap();
    if (cap === false) return false;
    const quotas = await this.quotas.list(namespace);
    const hasDefault = quotas.some((q) => q.name === DEFAULT_QUOTA_NAME);
    const hasOwn = quotas.some((q) => q.name !== DEFAULT_QUOTA_NAME);
    if (!hasOwn && !hasDefault) {
      await this.quotas.put(namespace, DEFAULT_QUOTA_NAME, { pods: cap });
      return true;
    }
    if (hasOwn && hasDefault) await this.quotas.delete(namespace, DEFAULT_QUOTA_NAME);
    return false;
  }

  /**
   * Task reports for one pod are applied in order (a start must not overwrite the exit that follows it). Resolves
   * when this report is stored; rejects only when the runtime stopped before it could be.
   */
  private onPodEvent(task: TaskRef, apply: () => Promise<void>): Promise<void> {
    const key = `${task.namespace}/${task.podName}`;
    this.pendingPodEvents++;
    // A task's start or exit must reach its pod, or the Job waits forever: retry with back-off while the runtime runs.
    const applyWithRetry = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await apply();
        } catch (error) {
          if (this.failure) throw error; // nothing can be recorded any more; the next start adopts the task
          this.options.log?.(`recording task ${key} failed (attempt ${attempt}): ${(error as Error).message}`);
          if (this.stopped && attempt >= 3) throw error;
          await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 10_000)));
        }
      }
    };
    const applied = (this.podEventChains.get(key) ?? Promise.resolve()).then(applyWithRetry);
    const next = applied
      .catch(() => {})
      .finally(() => {
        this.pendingPodEvents--;
        if (this.podEventChains.get(key) === next) this.podEventChains.delete(key);
      });
    this.podEventChains.set(key, next);
    return applied;
  }

  /**
   * Pods left Running whose task no record accounts for (it was not adopted, and its exit is not stored): a task gone
   * with a runtime of an older jobctl, or whose records were removed. They are recorded as Kubernetes' pod garbage
   * collector fails a pod whose node vanished — `Failed`, exit 137, reason `Lost`, condition `DisruptionTarget`
   * (`DeletionByPodGC`) — which the Job controller replaces without charging it. Returns how many.
   */
  private async recoverLostTasks(recorded: ReadonlySet<string>): Promise<number> {
    let lost = 0;
    for (const job of await this.store.list('Job', 'default')) {
      if (isJobFinished(job)) continue;
      for (const pod of await this.store.listPods(job.metadata)) {
        if (pod.status.phase !== 'Running' || isPodFinished(pod)) continue;
        const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
        // The controller asked for a stop the runtime died before sending: it would never be asked again.
        if (this.launcher.isRunning(pod.metadata.namespace, pod.metadata.name) && isStopRequested(pod))
          await this.launcher.stop(pod, pod.status.reason!);
        // Adopted, or its exit reported from its record (maybe still being stored: an exit of an adopted task that
        // ended a moment ago must not be overwritten by Lost).
        if (recorded.has(key) || this.launcher.isRunning(pod.metadata.namespace, pod.metadata.name)) continue;
        const waiting = pod.status.containerStatuses?.[0]?.state.waiting;
        if (waiting) continue; // OnFailure back-off: the controller restarts it when due
        const exit: TaskExit = {
          namespace: pod.metadata.namespace,
          jobName: job.metadata.name,
          podName: pod.metadata.name,
          exitCode: 137,
          reason: 'Lost',
          finishedAtMs: this.clock.now(),
          disruption: {
            reason: 'DeletionByPodGC',
            message: 'jobctl: no record of the task survived the runtime that started it',
          },
        };
        await this.jobs.recordTaskExit(exit);
        lost++;
      }
    }
    return lost;
  }

  /** Health transitions: a line in the operator's log, and a POST to `--notify`'s URL when given. */
  private healthNotifier(log: (line: string) => void): Notifier {
    const webhook = this.options.notifyUrl === undefined ? undefined : new WebhookNotifier(this.options.notifyUrl);
    return {
      send: async (notification) => {
        log(`health: ${notificationText(notification)}`);
        await webhook?.send(notification);
      },
    };
  }

  /**
   * The control endpoint (`POST /notify`, a JSON list of changes; `GET /objects/…`, the CLI's reads): only for a
   * request with the runtime's bearer token, addressed to 127.0.0.1 or localhost at its port, from no web page, with a
   * body of at most 1 MiB and 10,000 changes (a bigger one is refused before it is read whole: one request could
   * exhaust the runtime's memory, audit D2).
   */
  private async serveControl(token: string): Promise<string> {
    const control = createServer(async (req, res) => {
      const port = (control.address() as AddressInfo).port;
      const refused =
        refusal(req, port) ?? (hasBearer(req.headers, token) ? undefined : 'missing or wrong bearer token');
      if (refused !== undefined)
        return void res
          .writeHead(refused.startsWith('missing') ? 401 : 403, { 'Content-Type': 'text/plain' })
          .end(`${refused}\n`);
      // `jobctl get`'s reads (object-reads.ts): the objects as the store has them, without the CLI loading the SDK.
      if (req.method === 'GET') {
        const served = await serveObjectRead(this.store, req.url ?? '/', res).catch((error: Error) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${error.message}\n`);
          return true;
        });
        if (served) return;
      }
      if (req.method !== 'POST' || req.url !== '/notify') return void res.writeHead(404).end();
      const body = await readBody(req, MAX_CONTROL_BODY_BYTES).catch(() => undefined);
      if (body === undefined) return void res.writeHead(413).end();
      const changes = parseChanges(body);
      if (changes === undefined) return void res.writeHead(400).end();
      for (const c of changes) this.enqueue(c);
      res.writeHead(204).end();
    });
    this.control = control;
    await new Promise<void>((r) => control.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  }
}

/** Bound on a `/notify` body: 10,000 changes of ~100 bytes. */
const MAX_CONTROL_BODY_BYTES = 1024 * 1024;
const MAX_CONTROL_CHANGES = 10_000;

/** A `/notify` body: a list of at most 10,000 well-formed changes, or undefined. */
function parseChanges(body: Buffer): Change[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length > MAX_CONTROL_CHANGES) return undefined;
  const changes: Change[] = [];
  for (const c of value as Array<Record<string, unknown>>) {
    const key = c?.['key'] as Record<string, unknown> | undefined;
    const kind = c?.['kind'];
    if (
      (kind !== 'CronJob' && kind !== 'Job' && kind !== 'ResourceQuota') ||
      typeof key?.['namespace'] !== 'string' ||
      typeof key['name'] !== 'string'
    )
      return undefined;
    changes.push({ kind, key: { namespace: key['namespace'], name: key['name'] } });
  }
  return changes;
}

/** Echoes every recorded event to the operator's terminal, like `kubectl get events --watch`. */
function withEventLog(store: StateStore, log?: (line: string) => void): StateStore {
  if (!log) return store;
  return new Proxy(store, {
    get(target, property) {
      if (property === 'recordEvent') {
        return async (event: KubeEvent) => {
          await target.recordEvent(event);
          log(
            `${event.involvedObject.kind.toLowerCase()}/${event.involvedObject.name}  ${event.type}  ${event.reason} ` +
              ` ${event.message}`,
          );
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
