import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, writeFileSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';
import type { Clock } from '../ports/clock.ts';
import type { TaskEvents, TaskLauncher, TaskRef } from '../ports/task-launcher.ts';
import type { Pod } from '../spec/types.ts';
import { wellKnown } from '../spec/types.ts';
import { expandVars } from '../engine/expand-vars.ts';
import { workItemBodyOf } from '../engine/work-queue-binding.ts';
import type { FileLogSink } from './file-log-sink.ts';

/** Exit code Kubernetes reports when a container could not be started (runc "StartError"). */
const START_ERROR_EXIT_CODE = 128;
/** How long a launched pod attempt is remembered: far longer than recording a start or an exit takes. */
const ATTEMPT_MEMORY_MS = 60 * 60_000;

interface RunningTask {
  child: ChildProcess;
  ref: TaskRef;
  stopReason?: string;
  killTimer?: NodeJS.Timeout;
}

export interface ProcessTaskLauncherOptions {
  logs: FileLogSink;
  /** Where pid files go, so another process (the CLI) can stop a task. */
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
}

/**
 * Runs a pod's single container as a child process: `command` + `args` (with Kubernetes `$(VAR)` expansion), `env`,
 * stdout and stderr appended to the pod's log file. The image is recorded, not pulled: the local runtime trusts the
 * machine to have the commands the container would. Each task leads its own process group, so stopping it also
 * stops what `/bin/sh -c` started.
 */
export class ProcessTaskLauncher implements TaskLauncher {
  private readonly running = new Map<string, RunningTask>();
  /**
   * Pod attempts (`<namespace>/<pod>/<restart count>`) launched by this process, with when: a pod is never started
   * twice for one attempt. Two syncs of one Job can ask at once (the check and the spawn are apart by an await), and a
   * sync that read the pod before its exit was recorded asks again after the process ended — both once ran the
   * command twice (a coarse work-queue item processed twice, seen in CI). Entries go after {@link ATTEMPT_MEMORY_MS}.
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

  async launch(pod: Pod): Promise<void> {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (this.running.has(key)) return;
    const attempt = `${key}/${pod.status.containerStatuses?.[0]?.restartCount ?? 0}`;
    if (this.launched.has(attempt)) return;
    this.rememberLaunch(attempt);
    const ref: TaskRef = {
      namespace: pod.metadata.namespace,
      jobName: pod.metadata.labels?.[wellKnown.jobName] ?? '',
      podName: pod.metadata.name,
    };
    const container = pod.spec.containers[0];
    const startedAtMs = this.options.clock.now();
    try {
      await this.options.logs.ensureDir(ref.namespace);
    } catch (error) {
      this.launched.delete(attempt); // nothing ran: a later sync may try again
      throw error;
    }
    const logPath = this.options.logs.pathFor(ref.namespace, ref.podName);
    const env = new Map<string, string>(Object.entries({ ...(this.options.baseEnv ?? defaultBaseEnv()), ...this.options.extraEnv }));
    env.set('HOSTNAME', pod.spec.hostname ?? pod.metadata.name);
    for (const v of container?.env ?? []) env.set(v.name, expandVars(v.value ?? '', env));
    const argv = [...(container?.command ?? []), ...(container?.args ?? [])].map((a) => expandVars(a, env));
    const itemBody = workItemBodyOf(pod);
    if (!container || argv.length === 0) {
      // Without a container runtime jobctl cannot know an image's ENTRYPOINT/CMD.
      writeFileSync(logPath, `jobctl: container has no command or args; the local runtime cannot run image "${container?.image}" without one\n`, { flag: 'a' });
      this.options.events?.started(ref, startedAtMs);
      this.options.events?.exited({ ...ref, exitCode: START_ERROR_EXIT_CODE, reason: 'StartError', finishedAtMs: this.options.clock.now() });
      return;
    }
    const logFd = openSync(logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), {
        cwd: container.workingDir ?? this.options.cwd ?? process.cwd(),
        env: Object.fromEntries(env),
        // A work item (the coarse work-queue pattern) arrives on stdin, as the seed's wrapper hands it to worker.py.
        stdio: [itemBody === undefined ? 'ignore' : 'pipe', logFd, logFd],
        detached: true,
      });
    } finally {
      closeSync(logFd);
    }
    if (itemBody !== undefined && child.stdin) {
      child.stdin.on('error', () => {}); // a worker that exits without reading its stdin (EPIPE) is not an error
      child.stdin.end(itemBody.endsWith('\n') ? itemBody : `${itemBody}\n`);
    }
    const task: RunningTask = { child, ref };
    this.running.set(key, task);
    if (child.pid !== undefined) this.writePid(ref, child.pid);
    this.options.events?.started(ref, startedAtMs);
    let reported = false;
    const report = (exitCode: number, reason: string) => {
      if (reported) return;
      reported = true;
      clearTimeout(task.killTimer);
      this.running.delete(key);
      this.removePid(ref);
      this.options.events?.exited({ ...ref, exitCode, reason: task.stopReason ?? reason, finishedAtMs: this.options.clock.now() });
    };
    child.on('error', (error) => {
      writeFileSync(logPath, `jobctl: cannot start ${JSON.stringify(argv[0])}: ${error.message}\n`, { flag: 'a' });
      report(START_ERROR_EXIT_CODE, 'StartError');
    });
    child.on('exit', (code, signal) => {
      const exitCode = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 9) : 9);
      report(exitCode, exitCode === 0 ? 'Completed' : 'Error');
    });
  }

  async stop(pod: Pod, reason: string): Promise<boolean> {
    const ref = { namespace: pod.metadata.namespace, podName: pod.metadata.name };
    const graceMs = (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const task = this.running.get(`${ref.namespace}/${ref.podName}`);
    if (task) {
      task.stopReason ??= reason;
      signalGroup(task.child.pid, 'SIGTERM');
      task.killTimer ??= setTimeout(() => signalGroup(task.child.pid, 'SIGKILL'), graceMs).unref();
      return true;
    }
    // Not ours (e.g. the CLI stopping a task the runtime started): signal it through its pid file.
    const pid = this.readPid(ref.namespace, ref.podName);
    if (pid === undefined || !signalGroup(pid, 'SIGTERM')) return false;
    setTimeout(() => signalGroup(pid, 'SIGKILL'), Math.min(graceMs, 2_000)).unref();
    return true;
  }

  /** Stops every task and waits for their exit reports (clean shutdown). */
  async stopAll(reason: string, graceMs = 5_000): Promise<void> {
    const exits = [...this.running.values()].map(
      (task) => new Promise<void>((resolve) => {
        if (task.child.exitCode !== null || task.child.signalCode !== null) return resolve();
        task.child.once('exit', () => resolve());
        task.stopReason ??= reason;
        signalGroup(task.child.pid, 'SIGTERM');
        task.killTimer ??= setTimeout(() => signalGroup(task.child.pid, 'SIGKILL'), graceMs).unref();
      }),
    );
    await Promise.all(exits);
  }

  /**
   * Stops every task a previous runtime left behind (its pid files outlive a crash): their start or exit may never
   * have been recorded, so the new runtime ends them before it syncs, rather than run a second copy beside them.
   * Returns how many it found.
   */
  async stopOrphans(graceMs = 5_000): Promise<number> {
    let names: string[];
    try {
      names = readdirSync(this.options.pidDir).filter((n) => n.endsWith('.pid'));
    } catch {
      return 0; // no pid directory: nothing ever ran
    }
    const pids = names.map((n) => Number(readFileSync(join(this.options.pidDir, n), 'utf8'))).filter((pid) => Number.isInteger(pid) && pid > 0);
    const alive = pids.filter((pid) => signalGroup(pid, 'SIGTERM'));
    const deadline = Date.now() + graceMs;
    while (alive.some((pid) => signalGroup(pid, 0)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const pid of alive) signalGroup(pid, 'SIGKILL');
    for (const n of names) rmSync(join(this.options.pidDir, n), { force: true });
    return alive.length;
  }

  private pidPath(namespace: string, podName: string): string {
    return join(this.options.pidDir, `${namespace}__${podName}.pid`);
  }

  private writePid(ref: TaskRef, pid: number): void {
    mkdirSync(this.options.pidDir, { recursive: true });
    writeFileSync(this.pidPath(ref.namespace, ref.podName), String(pid));
  }

  private removePid(ref: TaskRef): void {
    rmSync(this.pidPath(ref.namespace, ref.podName), { force: true });
  }

  private readPid(namespace: string, podName: string): number | undefined {
    try {
      const pid = Number(readFileSync(this.pidPath(namespace, podName), 'utf8'));
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined; // no pid file: the task is not running
    }
  }
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
