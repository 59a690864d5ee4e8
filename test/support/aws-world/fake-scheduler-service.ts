import {
  ConflictException,
  ResourceNotFoundException,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';

/** A schedule as stored: what CreateSchedule/UpdateSchedule were given. */
export type StoredSchedule = CreateScheduleCommandInput & { GroupName: string };

/** One invocation a schedule makes: its target and the input it delivers. */
export interface ScheduleInvocation {
  name: string;
  targetArn: string;
  input: unknown;
}

/**
 * EventBridge Scheduler in-process: CreateSchedule (ConflictException on a name the group holds, as Scheduler
 * answers: getmoto/moto#6624), GetSchedule / UpdateSchedule / DeleteSchedule (ResourceNotFoundException for a missing
 * one), and the one-time `at()` schedules firing when the test's clock reaches them, each deleted afterwards as
 * `ActionAfterCompletion: DELETE` asks. A templated target's Input gets `<aws.scheduler.scheduled-time>` replaced
 * by the scheduled time, as Scheduler's context attributes do
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html).
 */
export class FakeSchedulerService {
  readonly schedules = new Map<string, StoredSchedule>();

  readonly handle = (operation: string, input: Record<string, unknown>): Record<string, unknown> => {
    const group = (input['GroupName'] as string | undefined) ?? 'default';
    const id = `${group}/${String(input['Name'])}`;
    switch (operation) {
      case 'CreateSchedule': {
        if (this.schedules.has(id))
          throw new ConflictException({
            message: `Schedule ${String(input['Name'])} already exists.`,
            Message: `Schedule ${String(input['Name'])} already exists.`,
            $metadata: { httpStatusCode: 409 },
          });
        this.schedules.set(id, {
          ...(structuredClone(input) as unknown as CreateScheduleCommandInput),
          GroupName: group,
        });
        return { ScheduleArn: this.arnOf(id) };
      }
      case 'GetSchedule': {
        const found = this.schedules.get(id);
        if (found === undefined)
          throw new ResourceNotFoundException({
            message: `Schedule ${String(input['Name'])} does not exist.`,
            Message: `Schedule ${String(input['Name'])} does not exist.`,
            $metadata: { httpStatusCode: 404 },
          });
        return { ...structuredClone(found), Arn: this.arnOf(id), State: found.State ?? 'ENABLED' };
      }
      case 'UpdateSchedule': {
        if (!this.schedules.has(id))
          throw new ResourceNotFoundException({
            message: `Schedule ${String(input['Name'])} does not exist.`,
            Message: `Schedule ${String(input['Name'])} does not exist.`,
            $metadata: { httpStatusCode: 404 },
          });
        this.schedules.set(id, {
          ...(structuredClone(input) as unknown as CreateScheduleCommandInput),
          GroupName: group,
        });
        return { ScheduleArn: this.arnOf(id) };
      }
      case 'DeleteSchedule': {
        if (!this.schedules.delete(id))
          throw new ResourceNotFoundException({
            message: `Schedule ${String(input['Name'])} does not exist.`,
            Message: `Schedule ${String(input['Name'])} does not exist.`,
            $metadata: { httpStatusCode: 404 },
          });
        return {};
      }
      default:
        throw new Error(`FakeSchedulerService: ${operation} is not faked: a handler called it unexpectedly`);
    }
  };

  constructor(private readonly arnPrefix: string) {}

  /** The one-time schedules due by `nowMs`, fired (and deleted when they ask for it). */
  takeDue(nowMs: number): ScheduleInvocation[] {
    const due: ScheduleInvocation[] = [];
    for (const [id, s] of [...this.schedules]) {
      const at = atTimeMs(s);
      if (at === undefined || at > nowMs) continue;
      if (s.ActionAfterCompletion === 'DELETE') this.schedules.delete(id);
      due.push({
        name: s.Name!,
        targetArn: s.Target!.Arn!,
        input: JSON.parse(withScheduledTime(s.Target!.Input ?? '{}', at)),
      });
    }
    return due;
  }

  /** When the earliest one-time schedule is due. */
  nextDueMs(): number | undefined {
    const times = [...this.schedules.values()].map(atTimeMs).filter((t): t is number => t !== undefined);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** What a recurring schedule delivers when it fires at `scheduledMs` (the test decides when it fires). */
  fire(group: string, name: string, scheduledMs: number): ScheduleInvocation {
    const s = this.schedules.get(`${group}/${name}`);
    if (s === undefined) throw new Error(`FakeSchedulerService: no schedule ${group}/${name}`);
    return {
      name,
      targetArn: s.Target!.Arn!,
      input: JSON.parse(withScheduledTime(s.Target!.Input ?? '{}', scheduledMs)),
    };
  }

  private arnOf(id: string): string {
    return `${this.arnPrefix}:schedule/${id}`;
  }
}

/**
 * `<aws.scheduler.scheduled-time>` as Scheduler renders it: ISO 8601 in UTC, whole seconds (`2026-03-02T10:01:00Z`).
 */
export function withScheduledTime(input: string, scheduledMs: number): string {
  return input.replaceAll(
    '<aws.scheduler.scheduled-time>',
    new Date(scheduledMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  );
}

function atTimeMs(s: StoredSchedule): number | undefined {
  const match = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(s.ScheduleExpression ?? '');
  if (match === null) return undefined;
  if ((s.ScheduleExpressionTimezone ?? 'UTC') !== 'UTC')
    throw new Error(`FakeSchedulerService: ${s.Name}: only UTC one-time schedules are faked`);
  return Date.parse(`${match[1]}Z`);
}
