import { readFileSync } from 'node:fs';
import {
  ClientException,
  InvalidParameterException,
  type RegisterTaskDefinitionCommandInput,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import type { Clock } from '../../../src/ports/clock.ts';

/**
 * ECS keeps stopped tasks describable for at least an hour
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-tasks.html).
 */
const STOPPED_TASK_VISIBLE_MS = 60 * 60_000;
/** ListTasks returns up to 100 ARNs per page (ListTasks `maxResults`). */
const LIST_PAGE = 100;

const docsEvent = JSON.parse(
  readFileSync(new URL('../../fixtures/aws/task-state-change-running.aws-docs.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

interface FakeTask {
  task: Task;
  clientToken: string | undefined;
  /** Per-task events not yet delivered to the job controller. */
  stoppedAtMs?: number;
}

/**
 * ECS as the job controller sees it, in-process: task definitions (DescribeTaskDefinition, RegisterTaskDefinition),
 * tasks with their lifecycle (RunTask with clientToken idempotency, StopTask, DescribeTasks, ListTasks), and the
 * "ECS Task State Change" events each state change emits, shaped as the documented example
 * (test/fixtures/aws/task-state-change-running.aws-docs.json) with the Task's fields as `detail`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html). Tasks move only when the test
 * says so (`start`, `exit`, `settleStops`), so every interleaving a test wants is reachable.
 */
export class FakeEcsService {
  readonly taskDefinitions = new Map<string, RegisterTaskDefinitionCommandInput & { revision: number }>();
  private readonly tasks = new Map<string, FakeTask>();
  private readonly byToken = new Map<string, string>();
  /** Events emitted and not yet taken, oldest first. */
  private pending: Record<string, unknown>[] = [];
  private seq = 0;

  constructor(private readonly options: { clusterArn: string; account: string; region: string; clock: Clock }) {}

  /** The middleware's fake ({@link FakeService}). */
  readonly handle = (operation: string, input: Record<string, unknown>): Record<string, unknown> => {
    switch (operation) {
      case 'DescribeTaskDefinition':
        return this.describeTaskDefinition(String(input['taskDefinition']));
      case 'RegisterTaskDefinition':
        return this.registerTaskDefinition(input as unknown as RegisterTaskDefinitionCommandInput);
      case 'RunTask':
        return this.runTask(input as unknown as RunTaskCommandInput);
      case 'StopTask':
        return this.stopTask(String(input['task']), String(input['reason'] ?? ''));
      case 'DescribeTasks':
        return this.describeTasks(input['tasks'] as string[]);
      case 'ListTasks':
        return this.listTasks(input);
      default:
        throw new Error(`FakeEcsService: ${operation} is not faked: a handler called it unexpectedly`);
    }
  };

  /** Every task, in launch order. */
  allTasks(): Task[] {
    return [...this.tasks.values()].map((t) => t.task);
  }

  /** The tasks of a pod (by `group`), in launch order. */
  tasksOfPod(podName: string): Task[] {
    return this.allTasks().filter((t) => t.group?.split(':')[3] === podName);
  }

  /** Task `arn` reaches RUNNING (its container started). */
  start(arn: string): void {
    const t = this.get(arn).task;
    if (t.lastStatus === 'RUNNING' || t.lastStatus === 'STOPPED') return;
    const now = new Date(this.options.clock.now());
    Object.assign(t, {
      lastStatus: 'RUNNING',
      pullStartedAt: now,
      pullStoppedAt: now,
      startedAt: now,
      connectivity: 'CONNECTED',
      connectivityAt: now,
    });
    t.containers = t.containers!.map((c) => ({ ...c, lastStatus: 'RUNNING' }));
    this.changed(t);
  }

  /** Task `arn`'s essential container exits with `exitCode` (started first if it never was). */
  exit(arn: string, exitCode: number): void {
    this.start(arn);
    this.stop(arn, {
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      exitCode,
    });
  }

  /** Tasks asked to stop (StopTask) reach STOPPED, their container killed by SIGTERM/SIGKILL. */
  settleStops(): void {
    for (const { task } of this.tasks.values()) {
      if (task.desiredStatus === 'STOPPED' && task.lastStatus !== 'STOPPED')
        this.stop(task.taskArn!, { stopCode: 'UserInitiated', stoppedReason: task.stoppedReason ?? '', exitCode: 137 });
    }
  }

  /** Starts a task as if a RunTask's answer had been lost, for a pod that may not exist (an orphan). */
  launchUnrecorded(group: string, family: string): string {
    return this.runTask({
      cluster: this.options.clusterArn,
      taskDefinition: family,
      group,
      startedBy: 'unrecorded',
      launchType: 'FARGATE',
      count: 1,
      overrides: { containerOverrides: [{ name: 'main' }] },
    }).tasks[0]!.taskArn!;
  }

  /** ECS forgets stopped tasks an hour after they stopped. */
  expireStopped(): void {
    for (const [arn, t] of this.tasks) {
      if (t.stoppedAtMs !== undefined && this.options.clock.now() - t.stoppedAtMs >= STOPPED_TASK_VISIBLE_MS)
        this.tasks.delete(arn);
    }
  }

  /** The events emitted since the last call, oldest first (EventBridge delivers them at least once, in any order). */
  takeEvents(): Record<string, unknown>[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  private get(arn: string): FakeTask {
    const t = this.tasks.get(arn);
    if (t === undefined) throw new Error(`FakeEcsService: no task ${arn}`);
    return t;
  }

  private stop(arn: string, how: { stopCode: string; stoppedReason: string; exitCode: number }): void {
    const entry = this.get(arn);
    const t = entry.task;
    if (t.lastStatus === 'STOPPED') return;
    const now = new Date(this.options.clock.now());
    Object.assign(t, {
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: how.stopCode,
      stoppedReason: how.stoppedReason,
      stoppingAt: now,
      executionStoppedAt: now,
      stoppedAt: now,
    });
    t.containers = t.containers!.map((c) => ({
      ...c,
      lastStatus: 'STOPPED',
      ...(t.startedAt === undefined ? {} : { exitCode: how.exitCode }),
    }));
    entry.stoppedAtMs = now.getTime();
    this.changed(t);
  }

  /** A state change: a new `version`, and its event. */
  private changed(t: Task): void {
    t.version = (t.version ?? 0) + 1;
    this.pending.push(this.eventOf(t));
  }

  private eventOf(t: Task): Record<string, unknown> {
    const iso = (d: Date | undefined) => d?.toISOString();
    const detail: Record<string, unknown> = {};
    for (const [key, value] of Object.entries({ ...t, updatedAt: new Date(this.options.clock.now()) })) {
      if (value === undefined) continue;
      detail[key] = value instanceof Date ? iso(value) : structuredClone(value);
    }
    return {
      ...structuredClone(docsEvent),
      id: `fake-${t.taskArn!.slice(-8)}-${t.version}`,
      time: new Date(this.options.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      account: this.options.account,
      region: this.options.region,
      resources: [t.taskArn],
      detail,
    };
  }

  private describeTaskDefinition(taskDefinition: string): Record<string, unknown> {
    const family = taskDefinition.replace(/^.*task-definition\//, '').split(':')[0]!;
    const found = this.taskDefinitions.get(family);
    // What ECS answers for a family with no ACTIVE revision.
    if (found === undefined)
      throw new ClientException({ message: 'Unable to describe task definition.', $metadata: { httpStatusCode: 400 } });
    return {
      taskDefinition: { ...found, taskDefinitionArn: this.taskDefinitionArn(family, found.revision), status: 'ACTIVE' },
    };
  }

  private registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): Record<string, unknown> {
    const family = input.family!;
    const revision = (this.taskDefinitions.get(family)?.revision ?? 0) + 1;
    this.taskDefinitions.set(family, { ...structuredClone(input), revision });
    return {
      taskDefinition: {
        ...input,
        taskDefinitionArn: this.taskDefinitionArn(family, revision),
        revision,
        status: 'ACTIVE',
      },
    };
  }

  private runTask(input: RunTaskCommandInput): { tasks: Task[]; failures: [] } {
    if (input.cluster !== this.options.clusterArn)
      throw new InvalidParameterException({
        message: `Cluster not found: ${input.cluster}`,
        $metadata: { httpStatusCode: 400 },
      });
    const family = String(input.taskDefinition).split(':')[0]!;
    const definition = this.taskDefinitions.get(family);
    if (definition === undefined)
      throw new InvalidParameterException({ message: 'TaskDefinition not found.', $metadata: { httpStatusCode: 400 } });
    // Idempotency: the same clientToken returns the task it started
    // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html).
    const existing = input.clientToken === undefined ? undefined : this.byToken.get(input.clientToken);
    if (existing !== undefined) return { tasks: [structuredClone(this.get(existing).task)], failures: [] };
    const clusterName = this.options.clusterArn.slice(this.options.clusterArn.lastIndexOf('/') + 1);
    const arn =
      `arn:aws:ecs:${this.options.region}:${this.options.account}:task/${clusterName}` +
      `/${(++this.seq).toString(16).padStart(32, '0')}`;
    const now = new Date(this.options.clock.now());
    const container = definition.containerDefinitions![0]!;
    const task: Task = {
      taskArn: arn,
      clusterArn: this.options.clusterArn,
      taskDefinitionArn: this.taskDefinitionArn(family, definition.revision),
      ...(input.group === undefined ? {} : { group: input.group }),
      ...(input.startedBy === undefined ? {} : { startedBy: input.startedBy }),
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      cpu: definition.cpu!,
      memory: definition.memory!,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      createdAt: now,
      version: 1,
      availabilityZone: `${this.options.region}a`,
      ...(input.overrides === undefined ? {} : { overrides: structuredClone(input.overrides) }),
      ...(input.tags === undefined ? {} : { tags: structuredClone(input.tags) }),
      containers: [
        {
          containerArn: `${arn.replace(':task/', ':container/')}/${container.name}`,
          taskArn: arn,
          name: container.name!,
          image: container.image!,
          lastStatus: 'PENDING',
        },
      ],
    };
    this.tasks.set(arn, { task, clientToken: input.clientToken });
    if (input.clientToken !== undefined) this.byToken.set(input.clientToken, arn);
    return { tasks: [structuredClone(task)], failures: [] };
  }

  private stopTask(arn: string, reason: string): Record<string, unknown> {
    const entry = this.tasks.get(arn);
    if (entry === undefined)
      throw new InvalidParameterException({
        message: 'The referenced task was not found.',
        $metadata: { httpStatusCode: 400 },
      });
    const t = entry.task;
    if (t.desiredStatus !== 'STOPPED')
      Object.assign(t, { desiredStatus: 'STOPPED', stoppedReason: reason, stopCode: 'UserInitiated' });
    return { task: structuredClone(t) };
  }

  private describeTasks(arns: string[]): Record<string, unknown> {
    const tasks: Task[] = [];
    const failures: Array<{ arn: string; reason: string }> = [];
    for (const arn of arns) {
      const entry = this.tasks.get(arn);
      if (entry === undefined) failures.push({ arn, reason: 'MISSING' });
      else tasks.push(structuredClone(entry.task));
    }
    return { tasks, failures };
  }

  private listTasks(input: Record<string, unknown>): Record<string, unknown> {
    const desired = (input['desiredStatus'] as string | undefined) ?? 'RUNNING';
    const matching = [...this.tasks.values()]
      .map((t) => t.task)
      .filter(
        (t) => t.desiredStatus === desired && (input['startedBy'] === undefined || t.startedBy === input['startedBy']),
      );
    const start = input['nextToken'] === undefined ? 0 : Number(input['nextToken']);
    const page = matching.slice(start, start + LIST_PAGE).map((t) => t.taskArn!);
    return { taskArns: page, ...(start + LIST_PAGE < matching.length ? { nextToken: String(start + LIST_PAGE) } : {}) };
  }

  private taskDefinitionArn(family: string, revision: number): string {
    return `arn:aws:ecs:${this.options.region}:${this.options.account}:task-definition/${family}:${revision}`;
  }
}
