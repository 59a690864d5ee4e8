import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants as fsConstants, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { constants as osConstants } from 'node:os';
import { TaskLaunchError } from '../../errors.ts';
import type { Clock } from '../../ports/clock.ts';
import type { TaskEvents, TaskExit, TaskLauncher, TaskRef } from '../../ports/task-launcher.ts';
import type { Pod } from '../../spec/types.ts';
import { wellKnown } from '../../spec/types.ts';
import { isDns1123Label, isDns1123Subdomain } from '../../spec/field-errors.ts';
import { expandVars } from '../../engine/expand-vars.ts';
import { workItemBodyOf } from '../../engine/work-queue-binding.ts';
import type { FileLogSink } from '../files/file-log-sink.ts';
import { ORIGINAL_UMASK } from './processes.ts';
import {
  claimTaskRecord,
  findSupervisor,
  findTaskPid,
  forgetTaskRecord,
  isSupervisor,
  listTaskRecords,
  readTaskExit,
  readTaskStop,
  SUPERVISOR_SCRIPT,
  taskRecordBase,
  writeTaskPid,
  writeTaskStdin,
  writeTaskStop,
  type TaskRecord,
} from './task-records.ts';

/** How long a launched pod attempt is remembered: far longer than recording a start or an exit takes. */
const ATTEMPT_MEMORY_MS = 60 * 60_000;
/** How often a task adopted from an earlier runtime (not this process's child) is checked for its end. */
const ADOPTED_POLL_MS = 200;
/** A container's PATH when its image sets none (Docker's and containerd's default). */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Exit code of a process killed with SIGKILL, as a shell and the kubelet report it. */
const KILLED_EXIT_CODE = 137;
/** Exit code of a process ended by SIGTERM. */
const TERMINATED_EXIT_CODE = 143;

interface RunningTask {
  ref: TaskRef;
  attempt: number;
  /** The supervisor's pid: it leads the task's process group. */
  pid: number;
  stopReason?: string;
  disruption?: TaskExit['disruption'];
  killTimer?: NodeJS.Timeout;
  /** SIGKILL was sent (the grace period ran out). */
  killed?: boolean;
  /** Resolves when the task's exit has been reported. */
  ended: Promise<void>;
}

/** What {@link ProcessTaskLauncher.adopt} found a previous runtime left behind. */
export interface AdoptedTasks {
  /** Still running: watched from now on, their exits reported when they come. */
  running: number;
  /** Ended while no runtime watched: their exits reported now, with the code and time the supervisor wrote. */
  exited: number;
  /** Gone without an exit record (the machine restarted, or the group was killed): reported `Lost`. */
  vanished: number;
  /** Claimed but never started (the runtime died between the claim and the spawn): forgotten, to be launched. */
  neverStarted: number;
  /** Tasks of an older jobctl (pid files only): stopped, as that version did at start. */
  legacyStopped: number;
  /** `<namespace>/<pod>` of every pod a record was found for: its task is accounted for (watched or reported). */
  pods: Set<string>;
}

export interface ProcessTaskLauncherOptions {
  logs: FileLogSink;
  /** Where the task records go ({@link TaskRecord}), so a later runtime — or the CLI — finds the tasks. */
  pidDir: string;
  clock: Clock;
  /** Receives start and exit reports. Absent in a CLI process that only stops tasks. */
  events?: TaskEvents;
  /** Working directory of every task unless the container sets `workingDir`. @default process.cwd() */
  cwd?: string;
  /** Variables every task inherits from the runtime (an image would bring its own). @default PATH, HOME, LANG, TZ */
  baseEnv?: Record<string, string>;
  /** Variables added to the base ones, e.g. `JOBCTL_STATE_DIR` so `jobctl worker` inside a task finds this runtime. */
  extraEnv?: Record<string, string>;
  /**
   * Directories put in front of the base PATH, as an image's own bin directories would be: the one holding the
   * `jobctl` script (`jobctl-shim.ts`), so a container whose command is `jobctl worker …` runs this jobctl. A
   * container that sets PATH itself replaces it all, as in Kubernetes. @default none
   */
  pathPrefix?: readonly string[];
  /** The umask tasks run with. @default the one jobctl started with (the runtime narrows its own to 077) */
  taskUmask?: number;
}

/**
 * Runs a pod's single container as a child process: `command` + `args` (with Kubernetes `$(VAR)` expansion), `env`,
 * stdout and stderr appended to the pod's log file. The image is recorded, not pulled: the local runtime trusts the
 * machine to have the commands the container would.
 *
 * Each task runs under a small supervisor shell that leads its own process group (stopping the task stops what
 * `/bin/sh -c` started) and writes the task's pid and, at the end, its exit code beside the attempt's record
 * (`task-records.ts`). So a task outlives a crash of the runtime without losing its result: the next runtime
 * {@link adopt}s it, as a kubelet that restarts finds its containers and reports how they ended. A pod attempt is
 * launched once: the record is claimed exclusively before anything is spawned.
 */
export class ProcessTaskLauncher implements TaskLauncher {
  private readonly running = new Map<string, RunningTask>();
  /**
   * Pod attempts (`<namespace>/<pod>/<restart count>`) launched by this process, with when: a pod is never started
   * twice for one attempt. Two syncs of one Job can ask at once (the check and the spawn are apart by an await), and a
   * sync that read the pod before its exit was recorded asks again after the process ended — both once ran the
   * command twice (a coarse work-queue item processed twice, seen in CI). Entries go after {@link ATTEMPT_MEMORY_MS}.
   * Across processes the `.task` record does the same.
   */
  private readonly launched = new Map<string, number>();

  constructor(private readonly options: ProcessTaskLauncherOptions) {}

  get runningCount(): number {
    return this.running.size;
  }

  /** Tasks asked to stop that have not exited yet. */
  get stoppingCount(): number {
    return [...this.running.values()].filter((t) => t.stopReason !== undefined).length;
  }

  /** Records `attempt` as launched, forgetting attempts launched over {@link ATTEMPT_MEMORY_MS} ago. */
  private rememberLaunch(attempt: string): void {
    const now = this.options.clock.now();
    for (const [old, at] of this.launched) {
      if (now - at < ATTEMPT_MEMORY_MS) break; // insertion order is launch order
      this.launched.delete(old);
    }
    this.launched.set(attempt, now);
  }

  isRunning(namespace: string, podName: string): boolean {
    return this.running.has(`${namespace}/${podName}`);
  }

  /**
   * Starts the pod's current attempt. A launch that can never succeed — a name that is not a Kubernetes name (it
   * would become a path), no command, a `workingDir` or executable that does not exist, a NUL byte or an argument
   * beyond the OS limit — throws a `TaskLaunchError` that is not retryable: the Job controller records it as the
   * kubelet records a container that failed to start (`StartError`, exit 128), and the Job's policy applies.
   */
  async launch(pod: Pod): Promise<void> {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (this.running.has(key)) return;
    const attempt = pod.status.containerStatuses?.[0]?.restartCount ?? 0;
    const attemptKey = `${key}/${attempt}`;
    if (this.launched.has(attemptKey)) return;
    this.rememberLaunch(attemptKey);
    const ref: TaskRef = {
      namespace: pod.metadata.namespace,
      jobName: pod.metadata.labels?.[wellKnown.jobName] ?? '',
      podName: pod.metadata.name,
    };
    assertPathSafe(ref);
    try {
      await this.options.logs.ensureDir(ref.namespace);
    } catch (error) {
      this.launched.delete(attemptKey); // nothing ran: a later sync may try again
      throw error;
    }
    const logPath = this.options.logs.pathFor(ref.namespace, ref.podName);
    const cannotStart = (message: string): never => {
      writeFileSync(logPath, `jobctl: ${message}\n`, { flag: 'a' });
      throw new TaskLaunchError(message, { retryable: false });
    };
    const container = pod.spec.containers[0];
    const env = new Map<string, string>(
      Object.entries({ ...(this.options.baseEnv ?? defaultBaseEnv()), ...this.options.extraEnv }),
    );
    const pathPrefix = this.options.pathPrefix ?? [];
    if (pathPrefix.length > 0) env.set('PATH', [...pathPrefix, env.get('PATH') ?? DEFAULT_PATH].join(delimiter));
    env.set('HOSTNAME', pod.spec.hostname ?? pod.metadata.name);
    for (const v of container?.env ?? []) env.set(v.name, expandVars(v.value ?? '', env));
    const argv = [...(container?.command ?? []), ...(container?.args ?? [])].map((a) => expandVars(a, env));
    // Without a container runtime jobctl cannot know an image's ENTRYPOINT/CMD.
    if (!container || argv.length === 0)
      cannotStart(
        `container has no command or args; the local runtime cannot run image "${container?.image}" without one`,
      );
    const cwd = resolve(this.options.cwd ?? process.cwd(), container!.workingDir ?? '.');
    if (!isDirectory(cwd))
      cannotStart(`chdir to cwd (${JSON.stringify(cwd)}) set in workingDir failed: no such directory`);
    const executable = findExecutable(argv[0]!, env.get('PATH') ?? DEFAULT_PATH, cwd);
    if (executable === undefined) {
      cannotStart(
        argv[0]!.includes('/')
          ? `exec: ${JSON.stringify(argv[0])}: no such executable file`
          : `exec: ${JSON.stringify(argv[0])}: executable file not found in $PATH`,
      );
    }

    const record: TaskRecord = { ...ref, attempt, launchedAtMs: this.options.clock.now() };
    // Another runtime (or this one before a crash) launched this attempt already: its record says how it went.
    if (!claimTaskRecord(this.options.pidDir, record)) return;
    let child: ChildProcess;
    try {
      child = await this.spawnSupervisor(record, pod, executable!, argv, cwd, env, logPath);
    } catch (error) {
      // Nothing ran: the claim goes, and the launch may be tried again unless it can never succeed.
      forgetTaskRecord(this.options.pidDir, record);
      if (error instanceof TaskLaunchError && !error.retryable) throw error;
      this.launched.delete(attemptKey);
      if (isResourceShortage(error))
        throw new TaskLaunchError(`cannot start ${JSON.stringify(argv[0])} now: ${(error as Error).message}`, {
          retryable: true,
        });
      throw error;
    }
    const startedAtMs = this.options.clock.now();
    this.options.events?.started(ref, startedAtMs, attempt);
    this.watch({ ref, attempt, pid: child.pid! }, startedAtMs, child);
  }

  /**
   * Spawns the attempt's supervisor and records its pid. Throws a non-retryable `TaskLaunchError` when the command
   * cannot start (Node refuses a NUL byte before forking; the kernel E2BIG), and the error itself for what may pass
   * (EAGAIN, EMFILE, ENOSPC while writing the records).
   */
  private async spawnSupervisor(
    record: TaskRecord,
    pod: Pod,
    executable: string,
    argv: string[],
    cwd: string,
    env: Map<string, string>,
    logPath: string,
  ): Promise<ChildProcess> {
    const base = taskRecordBase(this.options.pidDir, record.namespace, record.podName, record.attempt);
    const itemBody = workItemBodyOf(pod);
    const cannotStart = (error: unknown): never => {
      const message = `cannot start ${JSON.stringify(argv[0])}: ${(error as Error).message}`;
      if (isResourceShortage(error)) throw error;
      writeFileSync(logPath, `jobctl: ${message}\n`, { flag: 'a' });
      throw new TaskLaunchError(message, { retryable: false });
    };
    let child: ChildProcess;
    const logFd = openSync(logPath, 'a');
    let stdinFd: number | undefined;
    try {
      // A work item (the coarse work-queue pattern) arrives on stdin, as the seed's wrapper hands it to worker.py; from
      // a file, so a runtime that dies while handing it over cannot leave the task a truncated item.
      stdinFd =
        itemBody === undefined
          ? undefined
          : openSync(
              writeTaskStdin(this.options.pidDir, record, itemBody.endsWith('\n') ? itemBody : `${itemBody}\n`),
              'r',
            );
      const umask = (this.options.taskUmask ?? ORIGINAL_UMASK).toString(8).padStart(4, '0');
      try {
        // argv[0] is passed resolved, so the shell runs that file and never a builtin of the same name (`echo`).
        child = spawn('/bin/sh', ['-c', SUPERVISOR_SCRIPT, 'jobctl-task', umask, base, executable, ...argv.slice(1)], {
          cwd,
          env: Object.fromEntries(env),
          stdio: [stdinFd ?? 'ignore', logFd, logFd],
          detached: true,
        });
      } catch (error) {
        return cannotStart(error);
      }
    } finally {
      closeSync(logFd);
      if (stdinFd !== undefined) closeSync(stdinFd);
    }
    if (child.pid === undefined) {
      // The fork itself failed (E2BIG, EAGAIN): the error event follows; nothing ran.
      return cannotStart(await new Promise<Error>((r) => child.once('error', r)));
    }
    try {
      writeTaskPid(this.options.pidDir, record, child.pid);
    } catch (error) {
      // It runs, but a later runtime could not find it: better stopped now than run twice.
      signalGroup(child.pid, 'SIGKILL');
      throw error;
    }
    return child;
  }

  async stop(pod: Pod, reason: string): Promise<boolean> {
    const ref = { namespace: pod.metadata.namespace, podName: pod.metadata.name };
    const graceMs = (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const task = this.running.get(`${ref.namespace}/${ref.podName}`);
    if (task) {
      this.stopTask(task, reason, graceMs);
      return true;
    }
    if (!isPathSafe(ref.namespace, ref.podName)) return false;
    // Not ours (e.g. the CLI stopping a task the runtime started): signal it through its record.
    const pid = findTaskPid(this.options.pidDir, ref.namespace, ref.podName);
    if (pid === undefined || !signalGroup(pid, 'SIGTERM')) return false;
    setTimeout(() => signalGroup(pid, 'SIGKILL'), Math.min(graceMs, 2_000)).unref();
    return true;
  }

  /**
   * Stops every task and waits for their exit reports: the runtime's clean shutdown. A task the controller had not
   * asked to stop ends with its "node" (`disruption`), which is not charged to its Job.
   */
  async stopAll(reason: string, graceMs = 5_000): Promise<void> {
    const tasks = [...this.running.values()];
    for (const task of tasks) {
      this.stopTask(task, reason, graceMs, {
        reason: 'TerminationByKubelet',
        message: `jobctl: the local runtime stopped (${reason})`,
      });
    }
    await Promise.all(tasks.map((t) => t.ended));
  }

  /**
   * SIGTERM to the task's group, SIGKILL after the grace period. The first stop decides the reason; it is written
   * beside the record before the signal, so a runtime that dies meanwhile (a second Ctrl-C, kill -9) leaves the next
   * one the decision: it finishes the stop, and reports the exit with that reason (`disruption`: not charged).
   */
  private stopTask(task: RunningTask, reason: string, graceMs: number, disruption?: TaskExit['disruption']): void {
    if (task.stopReason === undefined) {
      task.stopReason = reason;
      task.disruption = disruption;
      try {
        writeTaskStop(
          this.options.pidDir,
          { ...task.ref, attempt: task.attempt },
          { reason, graceMs, ...(disruption === undefined ? {} : { disruption }) },
        );
      } catch {
        // The stop still happens; only a crash before the exit would lose its reason.
      }
    }
    signalGroup(task.pid, 'SIGTERM');
    task.killTimer ??= setTimeout(() => {
      task.killed = true;
      signalGroup(task.pid, 'SIGKILL');
    }, graceMs).unref();
  }

  /**
   * Takes over what a runtime that did not stop cleanly left in the pid directory, before the first sync: tasks still
   * running are watched as if this process had started them; exits written while no runtime watched are reported
   * (after a start report, for a pod whose start was never recorded), with their real exit code — a task that
   * succeeded meanwhile is `Succeeded`, not redone; a task gone without an exit record is reported `Lost` (exit
   * 137). Pods whose task is not in the directory at all are the caller's to settle.
   */
  adopt(): AdoptedTasks {
    const found: AdoptedTasks = {
      running: 0,
      exited: 0,
      vanished: 0,
      neverStarted: 0,
      legacyStopped: 0,
      pods: new Set(),
    };
    const { records, legacyPids } = listTaskRecords(this.options.pidDir);
    for (const { file, pid } of legacyPids) {
      if (signalGroup(pid, 'SIGKILL')) found.legacyStopped++;
      rmSync(file, { force: true });
    }
    for (const state of records) {
      const { record, exit } = state;
      const ref: TaskRef = { namespace: record.namespace, jobName: record.jobName, podName: record.podName };
      if (!isPathSafe(ref.namespace, ref.podName) || this.running.has(`${ref.namespace}/${ref.podName}`)) continue;
      const base = taskRecordBase(this.options.pidDir, ref.namespace, ref.podName, record.attempt);
      // No pid file: the runtime died between the spawn and writing it — or before the spawn. Only the first has a
      // supervisor among the machine's processes.
      const pid = state.pid ?? (exit === undefined ? findSupervisor(base) : undefined);
      this.rememberLaunch(`${ref.namespace}/${ref.podName}/${record.attempt}`);
      if (exit === undefined && pid === undefined) {
        forgetTaskRecord(this.options.pidDir, record);
        this.launched.delete(`${ref.namespace}/${ref.podName}/${record.attempt}`);
        found.neverStarted++;
        continue;
      }
      found.pods.add(`${ref.namespace}/${ref.podName}`);
      this.options.events?.started(ref, record.launchedAtMs, record.attempt);
      const stop = readTaskStop(this.options.pidDir, record);
      if (exit === undefined && isSupervisor(pid!, base)) {
        const task = this.watch({ ref, attempt: record.attempt, pid: pid! }, record.launchedAtMs);
        // A stop the previous runtime decided is carried out (it may have died before the signal or the SIGKILL).
        if (stop) this.stopTask(task, stop.reason, stop.graceMs, stop.disruption);
        found.running++;
        continue;
      }
      // Ended while nobody watched: with the exit the supervisor wrote, or none (the whole group was killed). Read
      // again: the listing may predate an exit written just before the supervisor was found gone.
      const written = exit ?? readTaskExit(this.options.pidDir, record);
      const finishedAtMs = clamp(
        written?.atMs ?? this.options.clock.now(),
        record.launchedAtMs,
        this.options.clock.now(),
      );
      if (written) found.exited++;
      else found.vanished++;
      const ended = written
        ? exitOf(ref, record.attempt, written.exitCode, finishedAtMs)
        : lostExit(ref, record.attempt, finishedAtMs);
      this.report(record, stop ? withStop(ended, stop.reason, stop.disruption) : ended);
    }
    return found;
  }

  /** Follows a running task to its end: a child's exit event, or (adopted) its supervisor's disappearance. */
  private watch(task: Omit<RunningTask, 'ended'>, startedAtMs: number, child?: ChildProcess): RunningTask {
    const key = `${task.ref.namespace}/${task.ref.podName}`;
    let finish!: () => void;
    const running: RunningTask = { ...task, ended: new Promise<void>((r) => (finish = r)) };
    this.running.set(key, running);
    const record = { ...task.ref, attempt: task.attempt, launchedAtMs: startedAtMs };
    let reported = false;
    const end = (fallbackCode: number) => {
      if (reported) return;
      reported = true;
      clearTimeout(running.killTimer);
      clearInterval(poll);
      this.running.delete(key);
      // The supervisor's record is the command's own status; without one (the group was SIGKILLed) the fallback.
      const written = readTaskExit(this.options.pidDir, record);
      const exitCode = written?.exitCode ?? fallbackCode;
      const exit = exitOf(task.ref, task.attempt, exitCode, this.options.clock.now());
      void this.report(
        record,
        running.stopReason === undefined ? exit : withStop(exit, running.stopReason, running.disruption),
      ).finally(finish);
    };
    // An adopted supervisor is not our child: its end shows as its exit record, or as its pid no longer being it
    // (gone, reused, or a zombie nobody reaps).
    const base = taskRecordBase(this.options.pidDir, task.ref.namespace, task.ref.podName, task.attempt);
    // Without an exit record the supervisor itself was killed: by the stop's SIGTERM (before its trap was set) or by
    // SIGKILL — reported with the code a shell gives each.
    const poll = child
      ? undefined
      : setInterval(() => {
          if (readTaskExit(this.options.pidDir, record) !== undefined || !isSupervisor(task.pid, base))
            end(running.stopReason !== undefined && !running.killed ? TERMINATED_EXIT_CODE : KILLED_EXIT_CODE);
        }, ADOPTED_POLL_MS);
    child?.on('exit', (code, signal) => end(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 9) : 9)));
    child?.on('error', () => end(KILLED_EXIT_CODE));
    return running;
  }

  /** Reports an exit, and forgets the attempt's record once the exit is stored (until then it must survive a crash). */
  private async report(record: Pick<TaskRecord, 'namespace' | 'podName' | 'attempt'>, exit: TaskExit): Promise<void> {
    if (!this.options.events) return;
    try {
      await this.options.events.exited(exit);
      forgetTaskRecord(this.options.pidDir, record);
    } catch {
      // Not stored (the runtime is stopping with its store unreachable): the next runtime reads the record again.
    }
  }
}

/**
 * The exit of a task the runtime stopped: the stop's reason, and its disruption or none (a controller's stop counts).
 */
function withStop(exit: TaskExit, reason: string, disruption: TaskExit['disruption']): TaskExit {
  const { disruption: _lost, ...rest } = exit;
  return { ...rest, reason, ...(disruption === undefined ? {} : { disruption }) };
}

/** Errors of a machine short of processes, files, memory or disk for a moment: the launch is tried again later. */
function isResourceShortage(error: unknown): boolean {
  return ['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM', 'ENOSPC'].includes((error as NodeJS.ErrnoException)?.code ?? '');
}

function exitOf(ref: TaskRef, attempt: number, exitCode: number, finishedAtMs: number): TaskExit {
  return { ...ref, attempt, exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAtMs };
}

/**
 * A task that vanished with its runtime: Kubernetes' pod garbage collector fails a pod whose node is gone with a
 * `DisruptionTarget` condition, reason `DeletionByPodGC`; the Job controller does not charge it (see `job-sync.ts`).
 */
function lostExit(ref: TaskRef, attempt: number, finishedAtMs: number): TaskExit {
  return {
    ...ref,
    attempt,
    exitCode: KILLED_EXIT_CODE,
    reason: 'Lost',
    finishedAtMs,
    disruption: {
      reason: 'DeletionByPodGC',
      message: 'jobctl: the task vanished while no runtime watched it (no exit was recorded)',
    },
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

/**
 * Throws for a namespace or pod name that is not a Kubernetes name: read back from the table, it becomes a path (audit
 * D13).
 */
function assertPathSafe(ref: { namespace: string; podName: string }): void {
  if (!isPathSafe(ref.namespace, ref.podName)) {
    throw new TaskLaunchError(
      `pod ${JSON.stringify(`${ref.namespace}/${ref.podName}`)}: not a valid namespace and pod name; refusing to ` +
        `make it a file name`,
      { retryable: false },
    );
  }
}

function isPathSafe(namespace: string, podName: string): boolean {
  return isDns1123Label(namespace).length === 0 && isDns1123Subdomain(podName).length === 0 && podName.length <= 200;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The file `exec` would run for `name`: a path (relative to `cwd`) as it is, a bare name searched on `PATH`. */
function findExecutable(name: string, path: string, cwd: string): string | undefined {
  const candidates = name.includes('/')
    ? [resolve(cwd, name)]
    : path.split(delimiter).map((dir) => resolve(cwd, dir || '.', name));
  return candidates.find((file) => {
    try {
      accessSync(file, fsConstants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** Signals a task's whole process group; false when it no longer exists. */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    return false;
  }
}

function defaultBaseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
