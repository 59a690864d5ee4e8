/**
 * `jobctl logs -l SELECTOR` and the flags kubectl gives every `logs` form: `--prefix`, `--tail`, `-f` over several
 * pods at once and `--max-log-requests`.
 *
 * Ported from kubectl's `staging/src/k8s.io/kubectl/pkg/cmd/logs/logs.go`: `ToLogOptions` (a selector implies
 * `--tail=10`), `Complete` (no pod matching prints "No resources found"), `RunLogs` (one stream after another, or all
 * at once when following more than one), `addPrefixIfNeeded` (`[pod/NAME/CONTAINER] `) and `DefaultConsumeRequest`
 * (whole lines only, so concurrent streams never interleave mid-line).
 */
import { JobctlError } from '../errors.ts';
import type { Connection } from '../ports/connection.ts';
import type { LogSink } from '../ports/log-sink.ts';
import type { Pod } from '../spec/types.ts';
import { wellKnown } from '../spec/types.ts';
import type { Sleep } from '../worker/work-queue-client.ts';
import type { CliIo } from './io.ts';
import { noResourcesMessage } from './printers/index.ts';
import { matchesSelector, type Selector } from './selector.ts';

const NAMESPACE = 'default';

/** kubectl's `selectorTail`: with `-l` and no `--tail`, each pod shows its last 10 lines. */
export const SELECTOR_TAIL_LINES = 10;
/** kubectl's default `--max-log-requests`. */
export const DEFAULT_MAX_LOG_REQUESTS = 5;
/** How often a followed pod's phase is looked at, in milliseconds (as `logs -f` of one pod does). */
const FOLLOW_POLL_MS = 500;

/** What `logs` needs from a connection. */
export type LogsConnection = Pick<Connection, 'store' | 'logs' | 'logsSettleMs'>;

/** Longest partial line held back for a whole line; a longer line is written in pieces (memory stays bounded). */
const MAX_HELD_LINE_CHARS = 64 * 1024;

/**
 * A {@link LogSink} that also reads by position, chunk by chunk (the local `FileLogSink`): `logs` then never holds a
 * whole log in memory (`--tail` reads backwards from the end; `-f` resumes where the first read ended). Positions are
 * the sink's own opaque offsets. A sink without these methods (CloudWatch Logs) is read whole through `read`.
 */
export interface PositionedLogSink extends LogSink {
  /** Streams the log from position `from` to its current end in chunks; returns the position to continue from. */
  readRange(pod: Pod, from: number, onChunk: (text: string) => void): Promise<number>;
  /** The position where the last `lines` lines start (-1: the beginning), found without reading the whole log. */
  tailStart(pod: Pod, lines: number): Promise<number>;
  /** {@link LogSink.follow} from position `from` instead of the beginning. */
  follow(pod: Pod, onChunk: (text: string) => void, signal: AbortSignal, from?: number): Promise<void>;
}

/** Whether `sink` reads by position ({@link PositionedLogSink}). */
export function isPositionedLogSink(sink: LogSink): sink is PositionedLogSink {
  const candidate = sink as Partial<PositionedLogSink>;
  return typeof candidate.readRange === 'function' && typeof candidate.tailStart === 'function';
}

/** `logs` flags that apply to every form (`POD`, `job/NAME`, `-l SELECTOR`). */
export interface PodLogsOptions {
  /** Start each line with `[pod/NAME/CONTAINER] ` (kubectl `--prefix`). @default false */
  readonly prefix?: boolean;
  /** After the output so far, stream new output until every pod has ended (kubectl `-f`). @default false */
  readonly follow?: boolean;
  /**
   * Lines of each pod's recent output to print; -1 prints all (kubectl `--tail`).
   * @default - 10 with a selector ({@link SELECTOR_TAIL_LINES}), -1 for one named pod
   */
  readonly tailLines?: number;
  /** Most pods `follow` streams at once; following more fails, as kubectl does (`--max-log-requests`). @default 5 */
  readonly maxLogRequests?: number;
}

/** Side effects of `logs`. */
export interface PodLogsDeps {
  readonly io: CliIo;
  /** Ends `-f` (Ctrl-C). @default - none */
  readonly signal?: AbortSignal;
  /**
   * How `-f` waits between looks at the pods' phase and for the last lines to settle.
   * @default - real time (`setTimeout`): following reads the output of real processes, whatever the connection's clock
   */
  readonly sleep?: Sleep;
}

/**
 * `jobctl logs -l SELECTOR`: the logs of every pod whose labels match, one pod after another in pod-name order
 * (kubectl's order is its map's, i.e. unspecified). With `follow`, every matching pod is streamed at the same time,
 * whole lines only, until each has ended; pods created after the command started are not picked up (as kubectl).
 * No matching pod prints kubectl's "No resources found in default namespace." on stderr and succeeds.
 *
 * @example
 * await logsBySelector(c, parseSelector('jobgroup=jobexample'), { prefix: true }, { io });
 * // [pod/process-item-apple-7xk2p/c] Processing item apple
 * // [pod/process-item-banana-q9c4m/c] Processing item banana
 */
export async function logsBySelector(
  c: LogsConnection,
  selector: Selector,
  options: PodLogsOptions,
  deps: PodLogsDeps,
): Promise<void> {
  const pods = (await c.store.list('Pod', NAMESPACE))
    .filter((p) => matchesSelector(selector, p.metadata.labels ?? {}))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  if (pods.length === 0) {
    deps.io.stderr(`${noResourcesMessage(NAMESPACE)}\n`);
    return;
  }
  await printPodLogs(c, pods, { ...options, tailLines: options.tailLines ?? SELECTOR_TAIL_LINES }, deps);
}

/**
 * Prints the logs of `pods` in the given order; with `follow`, streams them all concurrently until each pod has ended
 * (or `deps.signal` aborts). Used by every `logs` form, so `--prefix` and `--tail` behave alike for one pod and many.
 *
 * @throws JobctlError with kubectl's message when following more pods than `maxLogRequests`.
 * @example await printPodLogs(c, [pod], { follow: true }, { io, signal });
 */
export async function printPodLogs(
  c: LogsConnection,
  pods: readonly Pod[],
  options: PodLogsOptions,
  deps: PodLogsDeps,
): Promise<void> {
  const maxLogRequests = options.maxLogRequests ?? DEFAULT_MAX_LOG_REQUESTS;
  // kubectl checks the limit only when following more than one stream.
  if (options.follow && pods.length > 1 && pods.length > maxLogRequests) {
    throw new JobctlError(
      'Validation',
      `error: you are attempting to follow ${pods.length} log streams, but maximum allowed concurrency is ` +
        `${maxLogRequests}, use --max-log-requests to increase the limit`,
    );
  }
  const tail = options.tailLines ?? -1;
  if (!options.follow) {
    for (const pod of pods) {
      const out = new LineWriter(prefixFor(pod, options.prefix), deps.io);
      await printSoFar(c.logs, pod, tail, out);
      out.end();
    }
    return;
  }
  // Each pod's output so far first, in order, then every pod streamed at once.
  const started: { pod: Pod; out: LineWriter; resume: Resume }[] = [];
  for (const pod of pods) {
    const out = new LineWriter(prefixFor(pod, options.prefix), deps.io);
    started.push({ pod, out, resume: await printSoFar(c.logs, pod, tail, out) });
  }
  const sleep = deps.sleep ?? realSleep;
  await Promise.all(started.map((s) => followPod(c, s.pod, s.out, s.resume, sleep, deps.signal)));
}

/** Where `-f` goes on after the output so far: a position of a {@link PositionedLogSink}, or characters to skip. */
type Resume = { position: number } | { skipChars: number };

/**
 * Prints the pod's last `tail` lines (-1: all) through `out`. A {@link PositionedLogSink} is streamed chunk by chunk
 * from where those lines start; another sink is read whole. Returns where following resumes.
 */
async function printSoFar(logs: LogSink, pod: Pod, tail: number, out: LineWriter): Promise<Resume> {
  if (isPositionedLogSink(logs))
    return { position: await logs.readRange(pod, await logs.tailStart(pod, tail), (text) => out.write(text)) };
  const initial = await logs.read(pod);
  out.write(tailLines(initial, tail));
  return { skipChars: initial.length };
}

/**
 * `--tail`'s text: a whole number, or -1 for every line; `undefined` when the flag was not given.
 *
 * @throws JobctlError naming the flag and the value, as kubectl's "--tail must be greater than or equal to -1".
 * @example parseTailLines('20') // 20
 */
export function parseTailLines(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(text))
    throw new JobctlError(
      'Validation',
      `error: invalid argument ${JSON.stringify(text)} for "--tail" flag: expected a whole number (-1 for all lines)`,
    );
  const lines = Number(text);
  if (lines < -1) throw new JobctlError('Validation', 'error: --tail must be greater than or equal to -1');
  return lines;
}

/**
 * `--max-log-requests`' text: a whole number from 1; `undefined` when the flag was not given.
 *
 * @example parseMaxLogRequests('10') // 10
 */
export function parseMaxLogRequests(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new JobctlError(
      'Validation',
      `error: invalid argument ${JSON.stringify(text)} for "--max-log-requests" flag: expected a whole number from 1`,
    );
  return n;
}

/**
 * kubectl's `--tail`: the last `lines` lines of `text` (a final line without a newline counts); -1 keeps all.
 *
 * @example tailLines('a\nb\nc\n', 2) // "b\nc\n"
 */
export function tailLines(text: string, lines: number): string {
  if (lines < 0) return text;
  if (lines === 0) return '';
  return text
    .split(/(?<=\n)/)
    .slice(-lines)
    .join('');
}

/** Streams one pod's output from `resume` on, until the pod has ended and its last lines arrived. */
async function followPod(
  c: LogsConnection,
  pod: Pod,
  out: LineWriter,
  resume: Resume,
  sleep: Sleep,
  signal: AbortSignal | undefined,
): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal?.addEventListener('abort', stop, { once: true });
  let following: Promise<void>;
  const logs = c.logs;
  if ('position' in resume && isPositionedLogSink(logs)) {
    following = logs.follow(pod, (chunk) => out.write(chunk), controller.signal, resume.position);
  } else {
    const skipChars = 'skipChars' in resume ? resume.skipChars : 0;
    let seen = 0;
    // LogSink.follow starts from the beginning: what the first read printed is skipped.
    following = logs.follow(
      pod,
      (chunk) => {
        const fresh = chunk.slice(Math.max(0, skipChars - seen));
        seen += chunk.length;
        if (fresh) out.write(fresh);
      },
      controller.signal,
    );
  }
  const job = { namespace: pod.metadata.namespace, name: pod.metadata.labels?.[wellKnown.jobName] ?? '' };
  try {
    while (!controller.signal.aborted) {
      await sleep(FOLLOW_POLL_MS, controller.signal);
      if (controller.signal.aborted) break;
      const current = await c.store.getPod(job, pod.metadata.name);
      if (!current || current.status.phase === 'Succeeded' || current.status.phase === 'Failed') {
        // The last lines reach the sink after the process ends (CloudWatch Logs: seconds later).
        await sleep(c.logsSettleMs, controller.signal);
        controller.abort();
      }
    }
  } finally {
    controller.abort();
    signal?.removeEventListener('abort', stop);
    await following;
    out.end();
  }
}

/**
 * `[pod/NAME/CONTAINER] `, or nothing without `--prefix`. jobctl pods run one container: the first is the one logged.
 */
function prefixFor(pod: Pod, isPrefixed: boolean | undefined): string {
  return isPrefixed ? `[pod/${pod.metadata.name}/${pod.spec.containers[0]?.name ?? ''}] ` : '';
}

/**
 * DefaultConsumeRequest + prefixingWriter: writes whole lines (each with the prefix, empty lines too) and holds a
 * partial line until its newline or the end of the stream, so streams followed together never split a line. A line
 * longer than {@link MAX_HELD_LINE_CHARS} is written in pieces (the prefix only before its first), so a log without
 * newlines never accumulates in memory.
 */
class LineWriter {
  private partial = '';
  private atLineStart = true;

  constructor(
    private readonly prefix: string,
    private readonly io: CliIo,
  ) {}

  write(text: string): void {
    const all = this.partial + text;
    const end = all.lastIndexOf('\n') + 1;
    this.partial = all.slice(end);
    if (end > 0) this.emit(all.slice(0, end));
    if (this.partial.length > MAX_HELD_LINE_CHARS) {
      this.emit(this.partial);
      this.partial = '';
    }
  }

  /** The stream ended: a last line without a newline is written as it is. */
  end(): void {
    if (this.partial) this.emit(this.partial);
    this.partial = '';
  }

  private emit(text: string): void {
    // Each newline that another character follows starts a prefixed line (`$` escaped: replace's pattern syntax).
    const prefixed = this.prefix
      ? (this.atLineStart ? this.prefix : '') +
        text.replace(/\n(?=[\s\S])/g, `\n${this.prefix.replaceAll('$', '$$$$')}`)
      : text;
    this.atLineStart = text.endsWith('\n');
    this.io.stdout(prefixed);
  }
}

/** Waits `ms` of real time, or less when `signal` aborts; leaves no listener behind. */
const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
