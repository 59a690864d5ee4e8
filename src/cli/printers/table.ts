/**
 * `kubectl get` tables for CronJobs, Jobs and Pods.
 *
 * Columns and cells are ported from Kubernetes `pkg/printers/internalversion/printers.go` (`printCronJob`,
 * `printJob`, `printPod`, `layoutContainerCells`); alignment from kubectl's tab writer
 * (`k8s.io/cli-runtime/pkg/printers/tabwriter.go`: `github.com/liggitt/tabwriter` with minwidth 6, tabwidth 4,
 * padding 3, pad char ' ', flag RememberWidths). Pure: callers pass `nowMs`.
 */
import { wellKnown } from '../../spec/types.ts';
import { upcomingScheduleTimes } from '../../engine/schedule-times.ts';
import { effectiveCompletions } from '../../engine/work-queue-binding.ts';
import type {
  Container,
  ContainerState,
  ContainerStatus,
  CronJob,
  Job,
  Kind,
  KubeObject,
  Pod,
} from '../../spec/types.ts';
import { humanDuration, parseTimestamp, translateTimestampSince } from '../human-duration.ts';

/** Settings of Go's `text/tabwriter` (and liggitt's fork) that change the output. */
export interface TabWriterOptions {
  /** Minimal cell width, padding included. */
  readonly minWidth: number;
  /** Spaces added to the widest cell of a column. */
  readonly padding: number;
  /**
   * Keep each column at least as wide as it ever was across writes (liggitt's `RememberWidths`), so
   * `get --watch` rows stay under their header.
   * @default false
   */
  readonly rememberWidths?: boolean;
}

interface Cell {
  text: string;
  /** Width in code points, as the tab writer counts runes. */
  width: number;
}

/**
 * A port of Go's `text/tabwriter` formatting for space padding and left alignment.
 *
 * Input is text whose cells end in `\t`; the text after a line's last tab is not part of any column.
 * Columns are aligned per *block* of consecutive lines that have a cell in that column, exactly as Go does:
 * `kubectl describe` relies on this (a line without tabs, such as `Pod Template:`, starts a new block).
 */
export class TabWriter {
  private readonly maxWidths: number[];

  /**
   * @param options - alignment settings
   * @param rememberedWidths - shared, mutable column memory for `rememberWidths`; pass the same array to
   *   successive writers (or writes) to keep a watch aligned
   */
  constructor(
    private readonly options: TabWriterOptions,
    rememberedWidths: number[] = [],
  ) {
    this.maxWidths = rememberedWidths;
  }

  /** Formats `text` (one flush of the Go writer) and returns the aligned output. */
  format(text: string): string {
    const rawLines = text.split('\n');
    const trailing = rawLines.pop() ?? '';
    const lines: Cell[][] = rawLines.map((line) => line.split('\t').map((t) => ({ text: t, width: [...t].length })));
    const out: string[] = [];
    this.formatBlock(lines, out, 0, lines.length, []);
    return out.join('') + trailing;
  }

  private formatBlock(lines: Cell[][], out: string[], line0: number, line1: number, widths: number[]): void {
    const column = widths.length;
    for (let current = line0; current < line1; current++) {
      if (column >= lines[current]!.length - 1) continue;
      // A cell exists in this column: print what came before, then size the column over its block.
      this.writeLines(lines, out, line0, current, widths);
      line0 = current;
      let width = this.options.minWidth;
      for (; current < line1; current++) {
        const line = lines[current]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column]!.width + this.options.padding);
      }
      if (this.options.rememberWidths) {
        if (this.maxWidths.length < widths.length) this.maxWidths.push(...widths.slice(this.maxWidths.length));
        const remembered = this.maxWidths[widths.length];
        if (remembered === undefined) this.maxWidths.push(width);
        else if (remembered > width) width = remembered;
        else this.maxWidths[widths.length] = width;
      }
      this.formatBlock(lines, out, line0, current, [...widths, width]);
      line0 = current;
    }
    this.writeLines(lines, out, line0, line1, widths);
  }

  private writeLines(lines: Cell[][], out: string[], line0: number, line1: number, widths: number[]): void {
    for (let i = line0; i < line1; i++) {
      const line = lines[i]!;
      let text = '';
      line.forEach((cell, j) => {
        text += cell.text;
        if (j < widths.length) text += ' '.repeat(Math.max(0, widths[j]! - cell.width));
      });
      out.push(`${text}\n`);
    }
  }
}

/** kubectl's table writer settings (`printers.GetNewTabWriter`). */
export const KUBECTL_TABLE_WRITER: TabWriterOptions = { minWidth: 6, padding: 3, rememberWidths: true };

/** Renders rows of cells as `kubectl get` does: three spaces after the widest cell, the last column unpadded. */
export function formatTable(rows: readonly (readonly string[])[], rememberedWidths?: number[]): string {
  return new TabWriter(KUBECTL_TABLE_WRITER, rememberedWidths).format(rows.map((r) => `${r.join('\t')}\n`).join(''));
}

/** Which extra columns to print. */
export interface RowOptions {
  /** `-o wide`: add the priority-1 columns. @default false */
  readonly wide?: boolean;
  /** "Now" for AGE, DURATION, LAST SCHEDULE and NEXT SCHEDULE, in epoch milliseconds. */
  readonly nowMs: number;
}

/**
 * Column headers, upper-cased as kubectl prints `TableColumnDefinition` names.
 * `TIMEZONE` is current kubectl (1.27+); the Kubernetes docs' older walkthrough output lacks it.
 * A CronJob's `NEXT SCHEDULE` is jobctl's own, after kubectl's wide columns, so scripts that cut kubectl's columns by
 * position still find theirs.
 */
export function tableHeaders(kind: Kind, wide = false): string[] {
  switch (kind) {
    case 'CronJob':
      return [
        'NAME',
        'SCHEDULE',
        'TIMEZONE',
        'SUSPEND',
        'ACTIVE',
        'LAST SCHEDULE',
        'AGE',
        ...(wide ? ['CONTAINERS', 'IMAGES', 'SELECTOR', 'NEXT SCHEDULE'] : []),
      ];
    case 'Job':
      return [
        'NAME',
        'STATUS',
        'COMPLETIONS',
        'DURATION',
        'AGE',
        ...(wide ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : []),
      ];
    case 'Pod':
      return [
        'NAME',
        'READY',
        'STATUS',
        'RESTARTS',
        'AGE',
        ...(wide ? ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] : []),
      ];
  }
}

/** `layoutContainerCells`: container names and images, comma-joined. */
function containerCells(containers: readonly Container[]): [string, string] {
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(',')];
}

/** `printBoolPtr`. */
function printBool(value: boolean | undefined): string {
  return value === undefined ? '<unset>' : value ? 'True' : 'False';
}

/**
 * The label selector Kubernetes generates for a Job (`batch.kubernetes.io/controller-uid=<uid>`, since 1.27),
 * as `metav1.FormatLabelSelector` prints it; `<none>` without a uid.
 */
export function jobSelectorText(job: Job): string {
  return job.metadata.uid ? `${wellKnown.batchControllerUid}=${job.metadata.uid}` : '<none>';
}

/**
 * The NEXT SCHEDULE cell: how long until the controller next starts a Job, printed as LAST SCHEDULE prints how long
 * ago it did (`4m12s`), so the two read alike side by side; `<none>` when it will not (suspended, an unknown
 * `timeZone`, a schedule that does not parse or never fires). The time comes from the controller's own maths.
 */
export function nextScheduleText(cronJob: CronJob, nowMs: number): string {
  const nextMs = upcomingScheduleTimes(cronJob, nowMs, 1)?.timesMs[0];
  return nextMs === undefined ? '<none>' : humanDuration(nextMs - nowMs);
}

/** One `kubectl get cronjobs` row. */
export function cronJobRow(cronJob: CronJob, options: RowOptions): string[] {
  const lastSchedule =
    cronJob.status.lastScheduleTime === undefined
      ? '<none>'
      : translateTimestampSince(cronJob.status.lastScheduleTime, options.nowMs);
  const row = [
    cronJob.metadata.name,
    cronJob.spec.schedule,
    cronJob.spec.timeZone ?? '<none>',
    printBool(cronJob.spec.suspend),
    String(cronJob.status.active.length),
    lastSchedule,
    translateTimestampSince(cronJob.metadata.creationTimestamp, options.nowMs),
  ];
  if (options.wide) {
    // A CronJob's jobTemplate carries no selector (the Job gets one when created), so upstream prints <none>.
    row.push(
      ...containerCells(cronJob.spec.jobTemplate.spec.template.spec.containers),
      '<none>',
      nextScheduleText(cronJob, options.nowMs),
    );
  }
  return row;
}

function hasJobCondition(job: Job, type: Job['status']['conditions'][number]['type']): boolean {
  // Upstream looks at the first condition of the type only.
  const condition = job.status.conditions.find((c) => c.type === type);
  return condition?.status === 'True';
}

/** The STATUS column of `kubectl get jobs`, in `printJob`'s order of precedence. */
export function jobStatusText(job: Job): string {
  if (hasJobCondition(job, 'Complete')) return 'Complete';
  if (hasJobCondition(job, 'Failed')) return 'Failed';
  if (hasJobCondition(job, 'Suspended')) return 'Suspended';
  if (hasJobCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** The COMPLETIONS column: `1/1`; without `completions`, `n/1`, or `n/1 of <parallelism>` when parallel. */
export function jobCompletionsText(job: Job): string {
  const completions = effectiveCompletions(job);
  if (completions !== undefined) return `${job.status.succeeded}/${completions}`;
  return job.spec.parallelism > 1
    ? `${job.status.succeeded}/1 of ${job.spec.parallelism}`
    : `${job.status.succeeded}/1`;
}

/** The DURATION column: start to completion, or start to now while running; empty before the Job starts. */
export function jobDurationText(job: Job, nowMs: number): string {
  const start = parseTimestamp(job.status.startTime);
  if (start === undefined) return '';
  const end = parseTimestamp(job.status.completionTime);
  return humanDuration((end ?? nowMs) - start);
}

/** One `kubectl get jobs` row. */
export function jobRow(job: Job, options: RowOptions): string[] {
  const row = [
    job.metadata.name,
    jobStatusText(job),
    jobCompletionsText(job),
    jobDurationText(job, options.nowMs),
    translateTimestampSince(job.metadata.creationTimestamp, options.nowMs),
  ];
  if (options.wide) row.push(...containerCells(job.spec.template.spec.containers), jobSelectorText(job));
  return row;
}

/**
 * The Kubernetes `lastState` of a container status. jobctl's `ContainerStatus` type does not declare it; a
 * status that carries it (as the Kubernetes API does) gets upstream's exact "(5m ago)" restart time.
 */
type ContainerStatusWithLastState = ContainerStatus & { lastState?: ContainerState; ready?: boolean };

/**
 * Whether a container counts as ready: jobctl runs no probes, so a running container is ready unless told otherwise.
 */
export function isContainerReady(status: ContainerStatusWithLastState): boolean {
  return status.state.running !== undefined && status.ready !== false;
}

/** The time of a container's last restart, for the RESTARTS column's "(… ago)". */
function lastRestartMs(status: ContainerStatusWithLastState): number | undefined {
  const finished = parseTimestamp(status.lastState?.terminated?.finishedAt);
  if (finished !== undefined) return finished;
  // Without lastState, a restarted container that is running again started right after its last exit.
  return status.restartCount > 0 ? parseTimestamp(status.state.running?.startedAt) : undefined;
}

/** READY, STATUS and RESTARTS of a pod, computed as `printPod` does for pods without init containers. */
export function podStatusCells(pod: Pod, nowMs: number): { ready: string; status: string; restarts: string } {
  let reason: string = pod.status.reason ? pod.status.reason : pod.status.phase;
  let restarts = 0;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let hasRunning = false;
  const statuses = (pod.status.containerStatuses ?? []) as ContainerStatusWithLastState[];
  // Upstream walks the statuses from last to first, so the first container's state wins the STATUS cell.
  for (let i = statuses.length - 1; i >= 0; i--) {
    const container = statuses[i]!;
    restarts += container.restartCount;
    const restartedAt = lastRestartMs(container);
    if (restartedAt !== undefined && (lastRestart === undefined || restartedAt > lastRestart))
      lastRestart = restartedAt;
    const { waiting, terminated, running } = container.state;
    if (waiting && waiting.reason !== '') reason = waiting.reason;
    else if (terminated?.reason) reason = terminated.reason;
    else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
    else if (running && isContainerReady(container)) {
      hasRunning = true;
      readyContainers++;
    }
  }
  // A pod reported Completed while a container still runs is Running (upstream: hasPodReadyCondition).
  if (reason === 'Completed' && hasRunning) reason = 'Running';
  const restartsText =
    restarts !== 0 && lastRestart !== undefined
      ? `${restarts} (${humanDuration(nowMs - lastRestart)} ago)`
      : String(restarts);
  return { ready: `${readyContainers}/${pod.spec.containers.length}`, status: reason, restarts: restartsText };
}

/** One `kubectl get pods` row. Wide columns are `<none>`: tasks have no pod IP, node or readiness gates. */
export function podRow(pod: Pod, options: RowOptions): string[] {
  const { ready, status, restarts } = podStatusCells(pod, options.nowMs);
  const row = [
    pod.metadata.name,
    ready,
    status,
    restarts,
    translateTimestampSince(pod.metadata.creationTimestamp, options.nowMs),
  ];
  if (options.wide) row.push('<none>', '<none>', '<none>', '<none>');
  return row;
}

/** The row for any supported object. */
export function objectRow(obj: KubeObject, options: RowOptions): string[] {
  switch (obj.kind) {
    case 'CronJob':
      return cronJobRow(obj, options);
    case 'Job':
      return jobRow(obj, options);
    case 'Pod':
      return podRow(obj, options);
  }
}

/** Options for a whole table. */
export interface TableOptions extends RowOptions {
  /** `--no-headers`. @default false */
  readonly noHeaders?: boolean;
  /**
   * Column memory shared with later {@link renderTableRows} calls (kubectl keeps one tab writer for a whole
   * `get --watch`). Mutated in place.
   */
  readonly rememberedWidths?: number[];
}

/**
 * A `kubectl get` table: header (unless `noHeaders`) and one row per object, in the order given.
 *
 * @example renderTable('CronJob', [cronJob], { nowMs })
 * // NAME    SCHEDULE    TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE
 * // hello   0 * * * *   <none>     False     0        50s             75s
 */
export function renderTable(kind: Kind, objects: readonly KubeObject[], options: TableOptions): string {
  const rows = objects.map((o) => objectRow(o, options));
  return formatTable(options.noHeaders ? rows : [tableHeaders(kind, options.wide), ...rows], options.rememberedWidths);
}

/** Rows without a header, aligned with the remembered widths of an earlier {@link renderTable}. */
export function renderTableRows(objects: readonly KubeObject[], options: TableOptions): string {
  return formatTable(
    objects.map((o) => objectRow(o, options)),
    options.rememberedWidths,
  );
}
