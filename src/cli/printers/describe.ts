/**
 * `kubectl describe cronjob|job|pod` layouts.
 *
 * Ported from Kubernetes `staging/src/k8s.io/kubectl/pkg/describe/describe.go`: `describeCronJob`,
 * `describeJobTemplate`, `describeJob`, `describePod`, `DescribePodTemplate`, `describeContainers`,
 * `printLabelsMultiline`, `printAnnotationsMultiline`, `printActiveJobs` and `DescribeEvents`, formatted with the
 * same tab writer settings (`tabwriter.Writer.Init(buf, 0, 8, 2, ' ', 0)`) and `PrefixWriter` indentation.
 * Pure: the caller passes the object, its events and `nowMs`.
 */
import { assertNever } from '../../errors.ts';
import { zoneRules } from '../../cron/time-zone.ts';
import { upcomingScheduleTimes } from '../../engine/schedule-times.ts';
import { effectiveCompletions } from '../../engine/work-queue-binding.ts';
import { parseQuantity } from '../../spec/quantity.ts';
import type {
  Container,
  ContainerState,
  ContainerStatus,
  CronJob,
  Job,
  Kind,
  KubeEvent,
  KubeObject,
  ObjectMeta,
  Pod,
  PodTemplateSpec,
  ResourceRequirements,
} from '../../spec/types.ts';
import { formatRfc1123z, humanDuration, parseTimestamp } from '../human-duration.ts';
import { isContainerReady, jobSelectorText, TabWriter } from './table.ts';

/** What `describe` needs besides the object. */
export interface DescribeOptions {
  /** Events whose `involvedObject` is the described object, in any order. @default [] */
  readonly events?: readonly KubeEvent[];
  /**
   * A Job's pods. "Pods Statuses" shows the Job's `status.ready` (`1 Active (1 Ready) / …`) as kubectl does; for a
   * Job last written before jobctl kept `status.ready`, the ready count of these pods when given.
   */
  readonly pods?: readonly Pod[];
  /** "Now" for event ages and a CronJob's `Next Schedules`, epoch milliseconds. */
  readonly nowMs: number;
}

/** The `From` column: the component that records each kind's events in Kubernetes. */
export const eventSource: Readonly<Record<Kind, string>> = {
  CronJob: 'cronjob-controller',
  Job: 'job-controller',
  Pod: 'kubelet',
};

const DESCRIBE_WRITER = { minWidth: 0, padding: 2 } as const;
// describe.go: annotations longer than this print on their own lines, shortened with "...".
const MAX_ANNOTATION_LEN = 140;
// Applied by kubectl apply; describe hides it.
const SKIP_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/** describe.go's `PrefixWriter`: each level indents two spaces; text is buffered for the tab writer. */
class PrefixWriter {
  private text = '';
  write(level: number, text: string): void {
    this.text += '  '.repeat(level) + text;
  }
  /** `WriteLine`: the text and a newline, without indentation. */
  writeLine(text: string): void {
    this.text += `${text}\n`;
  }
  toString(): string {
    return this.text;
  }
}

function printLabelsMultiline(
  w: PrefixWriter,
  title: string,
  labels: Readonly<Record<string, string>> | undefined,
): void {
  w.write(0, `${title}:\t`);
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, '\t');
    w.write(0, `${key}=${labels![key]}\n`);
  });
}

function printAnnotationsMultiline(
  w: PrefixWriter,
  title: string,
  annotations: Readonly<Record<string, string>> | undefined,
): void {
  w.write(0, `${title}:\t`);
  const keys = Object.keys(annotations ?? {})
    .filter((k) => !SKIP_ANNOTATIONS.has(k))
    .sort();
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, '\t');
    const value = annotations![key]!.replace(/\n$/, '');
    if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(0, `${key}:\n`);
      for (const line of value.split('\n')) w.write(0, `\t  ${shorten(line, MAX_ANNOTATION_LEN - 2)}\n`);
    } else {
      w.write(0, `${key}: ${value}\n`);
    }
  });
}

function shorten(s: string, maxLength: number): string {
  return s.length > maxLength ? `${s.slice(0, maxLength)}...` : s;
}

/** `printController`: `Kind/name` of the controlling owner, or empty. */
function controlledBy(meta: ObjectMeta): string {
  const owner = meta.ownerReferences?.find((o) => o.controller);
  return owner ? `${owner.kind}/${owner.name}` : '';
}

function describeResources(resources: ResourceRequirements | undefined, w: PrefixWriter, level: number): void {
  for (const [title, list] of [
    ['Limits', resources?.limits],
    ['Requests', resources?.requests],
  ] as const) {
    const names = Object.keys(list ?? {}).sort();
    if (names.length > 0) w.write(level, `${title}:\n`);
    for (const name of names) w.write(level + 1, `${name}:\t${list![name]}\n`);
  }
}

function describeStatus(stateName: string, state: ContainerState, w: PrefixWriter): void {
  if (state.running) {
    w.write(2, `${stateName}:\tRunning\n`);
    w.write(3, `Started:\t${formatTime(state.running.startedAt)}\n`);
  } else if (state.waiting) {
    w.write(2, `${stateName}:\tWaiting\n`);
    if (state.waiting.reason !== '') w.write(3, `Reason:\t${state.waiting.reason}\n`);
  } else if (state.terminated) {
    const t = state.terminated;
    w.write(2, `${stateName}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    w.write(3, `Exit Code:\t${t.exitCode}\n`);
    if (t.signal !== undefined && t.signal > 0) w.write(3, `Signal:\t${t.signal}\n`);
    w.write(3, `Started:\t${formatTime(t.startedAt)}\n`);
    w.write(3, `Finished:\t${formatTime(t.finishedAt)}\n`);
  } else {
    w.write(2, `${stateName}:\tWaiting\n`);
  }
}

/** Go formats a zero `metav1.Time` as year 1; an unset time here prints that way too. */
function formatTime(timestamp: string | undefined): string {
  const ms = parseTimestamp(timestamp);
  return ms === undefined ? 'Mon, 01 Jan 0001 00:00:00 +0000' : formatRfc1123z(ms);
}

type StatusWithKubernetesFields = ContainerStatus & { lastState?: ContainerState };

/** `describeContainers`; `space` is `"  "` inside a pod template, `""` for a pod. */
function describeContainers(
  label: string,
  containers: readonly Container[],
  statuses: readonly ContainerStatus[] | undefined,
  w: PrefixWriter,
  space: string,
): void {
  w.write(0, `${space}${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  const byName = new Map((statuses ?? []).map((s) => [s.name, s as StatusWithKubernetesFields]));
  for (const container of containers) {
    const status = statuses ? byName.get(container.name) : undefined;
    w.write(1, `${space.length > 0 ? ' ' : ''}${container.name}:\n`);
    // jobctl tasks have no container runtime IDs; upstream prints the empty field all the same.
    if (status) w.write(2, 'Container ID:\t\n');
    w.write(2, `Image:\t${container.image}\n`);
    if (status) w.write(2, 'Image ID:\t\n');
    w.write(2, 'Port:\t<none>\n');
    w.write(2, 'Host Port:\t<none>\n');
    if (container.command && container.command.length > 0) {
      w.write(2, 'Command:\n');
      for (const c of container.command) for (const s of c.split('\n')) w.write(3, `${s}\n`);
    }
    if (container.args && container.args.length > 0) {
      w.write(2, 'Args:\n');
      for (const a of container.args) for (const s of a.split('\n')) w.write(3, `${s}\n`);
    }
    if (status) {
      describeStatus('State', status.state, w);
      if (status.lastState?.terminated) describeStatus('Last State', status.lastState, w);
      w.write(2, `Ready:\t${isContainerReady(status) ? 'True' : 'False'}\n`);
      w.write(2, `Restart Count:\t${status.restartCount}\n`);
    }
    describeResources(container.resources, w, 2);
    const env = container.env ?? [];
    w.write(2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`);
    for (const e of env) {
      (e.value ?? '').split('\n').forEach((line, i) => {
        w.write(3, i === 0 ? `${e.name}:\t${line}\n` : `\t${line}\n`);
      });
    }
    w.write(2, 'Mounts:\t<none>\n');
  }
}

/** `DescribePodTemplate` (no volumes, node selectors or tolerations: jobctl pods have none). */
function describePodTemplate(template: PodTemplateSpec, w: PrefixWriter): void {
  w.write(0, 'Pod Template:\n');
  printLabelsMultiline(w, '  Labels', template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0)
    printAnnotationsMultiline(w, '  Annotations', template.metadata?.annotations);
  describeContainers('Containers', template.spec.containers, undefined, w, '  ');
  w.write(0, '  Volumes:\t<none>\n');
  printLabelsMultiline(w, '  Node-Selectors', undefined);
  w.write(0, '  Tolerations:\t<none>\n');
}

/** One row of the Events table after Kubernetes' event correlation: identical events are counted. */
interface AggregatedEvent {
  type: KubeEvent['type'];
  reason: string;
  message: string;
  source: string;
  count: number;
  firstMs: number | undefined;
  lastMs: number | undefined;
}

/**
 * Folds repeated events into one with a count, as the Kubernetes event recorder's `EventCorrelator` does
 * (same object, type, reason, message and source), so `describe` shows `5m (x3 over 10m)`.
 */
function aggregateEvents(events: readonly KubeEvent[]): AggregatedEvent[] {
  const byKey = new Map<string, AggregatedEvent>();
  for (const e of events) {
    const source = eventSource[e.involvedObject.kind];
    const key = JSON.stringify([
      e.involvedObject.kind,
      e.involvedObject.namespace,
      e.involvedObject.name,
      e.type,
      e.reason,
      e.message,
      source,
    ]);
    const ms = parseTimestamp(e.timestamp);
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { type: e.type, reason: e.reason, message: e.message, source, count: 1, firstMs: ms, lastMs: ms });
      continue;
    }
    seen.count++;
    if (ms !== undefined) {
      if (seen.firstMs === undefined || ms < seen.firstMs) seen.firstMs = ms;
      if (seen.lastMs === undefined || ms > seen.lastMs) seen.lastMs = ms;
    }
  }
  // SortableEvents: oldest last-seen first. Array.prototype.sort is stable, so ties keep recording order.
  return [...byKey.values()].sort((a, b) => (a.lastMs ?? 0) - (b.lastMs ?? 0));
}

/** The `Type Reason Age From Message` table of `DescribeEvents`, with `----` underlines. */
function describeEventTable(events: readonly KubeEvent[], nowMs: number): string {
  const w = new PrefixWriter();
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of aggregateEvents(events)) {
    const first = e.firstMs === undefined ? '<unknown>' : humanDuration(nowMs - e.firstMs);
    const age =
      e.count > 1
        ? `${e.lastMs === undefined ? '<unknown>' : humanDuration(nowMs - e.lastMs)} (x${e.count} over ${first})`
        : first;
    w.write(1, `${e.type}\t${e.reason}\t${age}\t${e.source}\t${e.message.trim()}\n`);
  }
  return new TabWriter(DESCRIBE_WRITER).format(w.toString());
}

/** How many fire times `Next Schedules` lists. */
export const NEXT_SCHEDULES_COUNT = 5;

/**
 * jobctl's `Next Schedules` (kubectl has none): the next {@link NEXT_SCHEDULES_COUNT} times the controller will start a
 * Job, one a line as `printLabelsMultiline` lists labels. Each is RFC 1123Z like `Last Schedule Time`, but at the
 * wall clock of the CronJob's zone, the clock its schedule is matched against (so `30 2 * * *` reads 02:30, and the
 * offset tells a repeated 02:30 apart), then the instant in UTC as RFC 3339, as `-o yaml` and `cron next` print it.
 * `<none>` when the controller schedules nothing (suspended, unknown `timeZone`, unparseable or never-firing
 * schedule): `Suspend:` above, or the Warning in the events, says which.
 */
function printNextSchedules(w: PrefixWriter, cronJob: CronJob, nowMs: number): void {
  const upcoming = upcomingScheduleTimes(cronJob, nowMs, NEXT_SCHEDULES_COUNT);
  const times = upcoming?.timesMs ?? [];
  if (upcoming === undefined || times.length === 0) {
    w.write(0, 'Next Schedules:\t<none>\n');
    return;
  }
  const zone = zoneRules(upcoming.timeZone);
  times.forEach((ms, i) => {
    // A UTC CronJob's wall clock already is the UTC time: no second copy of it.
    const local = formatRfc1123z(ms, zone?.offsetAt(Math.floor(ms / 1000)) ?? 0);
    const text = upcoming.timeZone === 'UTC' ? local : `${local} (${new Date(ms).toISOString().replace('.000Z', 'Z')})`;
    w.write(0, `${i === 0 ? 'Next Schedules:' : ''}\t${text}\n`);
  });
}

function describeCronJob(cronJob: CronJob, w: PrefixWriter, nowMs: number): void {
  const { metadata, spec, status } = cronJob;
  w.write(0, `Name:\t${metadata.name}\n`);
  w.write(0, `Namespace:\t${metadata.namespace}\n`);
  printLabelsMultiline(w, 'Labels', metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', metadata.annotations);
  w.write(0, `Schedule:\t${spec.schedule}\n`);
  w.write(0, `Concurrency Policy:\t${spec.concurrencyPolicy}\n`);
  w.write(0, `Suspend:\t${spec.suspend ? 'True' : 'False'}\n`);
  w.write(0, `Successful Job History Limit:\t${spec.successfulJobsHistoryLimit}\n`);
  w.write(0, `Failed Job History Limit:\t${spec.failedJobsHistoryLimit}\n`);
  w.write(
    0,
    `Starting Deadline ` +
      `Seconds:\t${spec.startingDeadlineSeconds === undefined ? '<unset>' : `${spec.startingDeadlineSeconds}s`}\n`,
  );
  // describeJobTemplate: a template carries no selector of its own.
  const jobSpec = spec.jobTemplate.spec;
  w.write(0, 'Selector:\t<unset>\n');
  w.write(0, `Parallelism:\t${jobSpec.parallelism}\n`);
  w.write(0, `Completions:\t${jobSpec.completions ?? '<unset>'}\n`);
  if (jobSpec.activeDeadlineSeconds !== undefined)
    w.write(0, `Active Deadline Seconds:\t${jobSpec.activeDeadlineSeconds}s\n`);
  describePodTemplate(jobSpec.template, w);
  const last = parseTimestamp(status.lastScheduleTime);
  w.write(0, `Last Schedule Time:\t${last === undefined ? '<unset>' : formatRfc1123z(last)}\n`);
  printNextSchedules(w, cronJob, nowMs);
  w.write(0, 'Active Jobs:\t');
  w.writeLine(status.active.length === 0 ? '<none>' : status.active.map((j) => j.name).join(', '));
}

function isPodReady(pod: Pod): boolean {
  const statuses = pod.status.containerStatuses ?? [];
  return pod.status.phase === 'Running' && statuses.length > 0 && statuses.every(isContainerReady);
}

/** `capIndexesListOrNone(indexes, 50)`. */
function capIndexes(indexes: string | undefined, softLimit = 50): string {
  if (!indexes) return '<none>';
  const cut = indexes.indexOf(',', softLimit);
  return cut === -1 ? indexes : `${indexes.slice(0, cut + 1)}...`;
}

function describeJob(job: Job, w: PrefixWriter, pods: readonly Pod[] | undefined): void {
  const { metadata, spec, status } = job;
  w.write(0, `Name:\t${metadata.name}\n`);
  w.write(0, `Namespace:\t${metadata.namespace}\n`);
  const selector = jobSelectorText(job);
  w.write(0, `Selector:\t${selector === '<none>' ? '' : selector}\n`);
  printLabelsMultiline(w, 'Labels', metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', metadata.annotations);
  const owner = controlledBy(metadata);
  if (owner) w.write(0, `Controlled By:\t${owner}\n`);
  w.write(0, `Parallelism:\t${spec.parallelism}\n`);
  w.write(0, `Completions:\t${effectiveCompletions(job) ?? '<unset>'}\n`);
  w.write(0, `Completion Mode:\t${spec.completionMode}\n`);
  // Go's %v of a bool: lower-case, unlike the CronJob's printBool.
  w.write(0, `Suspend:\t${spec.suspend}\n`);
  w.write(0, `Backoff Limit:\t${spec.backoffLimit}\n`);
  if (spec.ttlSecondsAfterFinished !== undefined)
    w.write(0, `TTL Seconds After Finished:\t${spec.ttlSecondsAfterFinished}\n`);
  const start = parseTimestamp(status.startTime);
  const end = parseTimestamp(status.completionTime);
  if (start !== undefined) w.write(0, `Start Time:\t${formatRfc1123z(start)}\n`);
  if (end !== undefined) w.write(0, `Completed At:\t${formatRfc1123z(end)}\n`);
  if (start !== undefined && end !== undefined) w.write(0, `Duration:\t${humanDuration(end - start)}\n`);
  if (spec.activeDeadlineSeconds !== undefined)
    w.write(0, `Active Deadline Seconds:\t${spec.activeDeadlineSeconds}s\n`);
  // kubectl prints `(N Ready)` only when `status.ready` is set, and never `status.terminating`.
  const ready = status.ready ?? pods?.filter(isPodReady).length;
  if (ready === undefined) {
    w.write(0, `Pods Statuses:\t${status.active} Active / ${status.succeeded} Succeeded / ${status.failed} Failed\n`);
  } else {
    w.write(
      0,
      `Pods Statuses:\t${status.active} Active (${ready} Ready) / ${status.succeeded} Succeeded / ${status.failed} ` +
        `Failed\n`,
    );
  }
  if (spec.completionMode === 'Indexed') w.write(0, `Completed Indexes:\t${capIndexes(status.completedIndexes)}\n`);
  if (spec.backoffLimitPerIndex !== undefined) {
    w.write(0, `Backoff Limit Per Index:\t${spec.backoffLimitPerIndex}\n`);
    w.write(0, `Failed Indexes:\t${capIndexes(status.failedIndexes)}\n`);
  }
  describePodTemplate(spec.template, w);
}

/** `qos.GetPodQOS`: BestEffort without requests or limits, Guaranteed when every container's are equal. */
export function podQosClass(pod: Pod): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const tracked = ['cpu', 'memory'];
  let any = false;
  let guaranteed = true;
  for (const c of pod.spec.containers) {
    const limits = Object.fromEntries(
      Object.entries(c.resources?.limits ?? {}).filter(([k, v]) => tracked.includes(k) && quantityOf(v) !== 0),
    );
    // Kubernetes defaults a missing request to its limit.
    const requests = {
      ...limits,
      ...Object.fromEntries(
        Object.entries(c.resources?.requests ?? {}).filter(([k, v]) => tracked.includes(k) && quantityOf(v) !== 0),
      ),
    };
    if (Object.keys(limits).length > 0 || Object.keys(requests).length > 0) any = true;
    for (const r of tracked) {
      if (limits[r] === undefined || requests[r] === undefined || quantityOf(limits[r]) !== quantityOf(requests[r]))
        guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** A quantity as a number (`1` and `1000m` compare equal); NaN for what Kubernetes would reject. */
function quantityOf(text: string | undefined): number {
  return parseQuantity((text ?? '').trim()) ?? Number.NaN;
}

function describePod(pod: Pod, w: PrefixWriter): void {
  const { metadata, spec, status } = pod;
  w.write(0, `Name:\t${metadata.name}\n`);
  w.write(0, `Namespace:\t${metadata.namespace}\n`);
  // A task runs on no Kubernetes node.
  w.write(0, 'Node:\t<none>\n');
  const start = parseTimestamp(status.startTime);
  if (start !== undefined) w.write(0, `Start Time:\t${formatRfc1123z(start)}\n`);
  printLabelsMultiline(w, 'Labels', metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', metadata.annotations);
  w.write(0, `Status:\t${status.phase}\n`);
  if (status.reason) w.write(0, `Reason:\t${status.reason}\n`);
  if (status.message) w.write(0, `Message:\t${status.message}\n`);
  w.write(0, 'IP:\t\n');
  w.write(0, 'IPs:\t<none>\n');
  const owner = controlledBy(metadata);
  if (owner) w.write(0, `Controlled By:\t${owner}\n`);
  describeContainers('Containers', spec.containers, status.containerStatuses ?? [], w, '');
  w.write(0, 'Volumes:\t<none>\n');
  w.write(0, `QoS Class:\t${podQosClass(pod)}\n`);
  printLabelsMultiline(w, 'Node-Selectors', undefined);
  w.write(0, 'Tolerations:\t<none>\n');
}

/**
 * `kubectl describe` text for a CronJob, Job or Pod, events last.
 *
 * @example describeObject(cronJob, { events, nowMs: clock.now() })
 */
export function describeObject(obj: KubeObject, options: DescribeOptions): string {
  const w = new PrefixWriter();
  switch (obj.kind) {
    case 'CronJob':
      describeCronJob(obj, w, options.nowMs);
      break;
    case 'Job':
      describeJob(obj, w, options.pods);
      break;
    case 'Pod':
      describePod(obj, w);
      break;
    default:
      assertNever(obj, 'kind');
  }
  const events = options.events ?? [];
  // DescribeEvents: with no events, `Events:\t<none>` joins the block above (it aligns with `Active Jobs:`);
  // otherwise it flushes the tab writer first, so the events table aligns on its own.
  if (events.length === 0) {
    w.write(0, 'Events:\t<none>\n');
    return new TabWriter(DESCRIBE_WRITER).format(w.toString());
  }
  return new TabWriter(DESCRIBE_WRITER).format(w.toString()) + describeEventTable(events, options.nowMs);
}
