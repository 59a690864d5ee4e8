import {
  closeSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  mkdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { uptime } from 'node:os';
import type { TaskExit } from '../../ports/task-launcher.ts';
import { isAlive } from './processes.ts';

/**
 * What outlives a crash of `jobctl up` about each task it launched: the files of one pod attempt in the pid directory,
 * all named `<namespace>__<pod>__<attempt>` (`__` cannot occur in a Kubernetes name):
 * - `.task`: written by the runtime before it spawns anything (exclusively: an attempt is launched at most once, even
 *   by two runtimes) — who the task is;
 * - `.pid`: the supervisor's pid, written by the runtime as soon as it spawned it and again by the supervisor shell
 *   ({@link SUPERVISOR_SCRIPT}) before it runs the command (a runtime killed between the spawn and its own write
 *   leaves the supervisor's);
 * - `.stop`: why the runtime stopped the task (a stop decided outlives the runtime that decided it);
 * - `.exit`: written by the supervisor when the command ended — its exit code (the file's time is when);
 * - `.stdin`: the work item a coarse work-queue pod reads, when there is one.
 * The runtime removes them once the exit is stored in the pod. A runtime that starts reads what is left
 * ({@link listTaskRecords}): a task still running is adopted, an exit is recorded as the kubelet would report it.
 */
export interface TaskRecord {
  namespace: string;
  jobName: string;
  podName: string;
  /** The container's restart count when this attempt was launched (OnFailure restarts a pod in place). */
  attempt: number;
  launchedAtMs: number;
}

/** What the pid directory says about one attempt. */
export interface TaskRecordState {
  record: TaskRecord;
  /** The supervisor's pid, once it wrote it (it then leads the task's process group). */
  pid?: number;
  /** The command's exit, once the supervisor wrote it. */
  exit?: { exitCode: number; atMs: number };
}

/**
 * The supervisor each task runs under: `/bin/sh -c SUPERVISOR_SCRIPT jobctl-task <umask> <base> <argv…>`. It gives the
 * task the umask jobctl started with (the runtime itself runs with 077), writes its pid (a builtin `echo`: no process a
 * stop could kill), runs the command as its child and writes the exit code — atomically (write, then rename with the
 * system's `mv`, whatever the pod's PATH, while ignoring stop signals: a second SIGTERM to the group must not kill the
 * `mv` and lose the record), so a reader sees all of it or nothing. SIGTERM, SIGINT
 * and SIGHUP are caught, not ignored: a caught signal is reset to its default in the command (an ignored one would
 * stay ignored), and the shell outlives the stop it delivers to its own group long enough to write the command's
 * status (the trap runs once the command has exited, POSIX 2.11). A stop that arrives before the command starts is
 * remembered, and the command is then not started at all (its status: 128 + the signal). One window remains: a
 * signal that lands while the shell forks and execs the command reaches neither (a shell cannot hand it over
 * atomically); such a task is ended by the SIGKILL at the end of its grace period, still with the stop's reason.
 * Only SIGKILL of the group ends the shell without a record, which is what a vanished task is.
 */
export const SUPERVISOR_SCRIPT =
  'umask "$1"; b="$2"; shift 2; ' +
  "s=; trap 's=143' TERM; trap 's=130' INT; trap 's=129' HUP; " +
  'echo $$ > "$b.pid" || exit "${s:-125}"; ' +
  'if [ -z "$s" ]; then trap : TERM INT HUP; "$@"; c=$?; else c=$s; fi; ' +
  "trap '' TERM INT HUP; " +
  'echo "$c" > "$b.exit.tmp" && command -p mv -f "$b.exit.tmp" "$b.exit"; ' +
  'exit "$c"';

const SEPARATOR = '__';

/** `<dir>/<namespace>__<pod>__<attempt>`: the path every file of the attempt starts with. */
export function taskRecordBase(dir: string, namespace: string, podName: string, attempt: number): string {
  return join(dir, [namespace, podName, String(attempt)].join(SEPARATOR));
}

/**
 * Writes the `.task` file of an attempt unless one exists: true when this call claimed the attempt. The content is
 * written to a temporary file and hard-linked into place, so the claim is exclusive and never half written.
 */
export function claimTaskRecord(dir: string, record: TaskRecord): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const base = taskRecordBase(dir, record.namespace, record.podName, record.attempt);
  const tmp = `${base}.task.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, `${base}.task`);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Writes the work item the task reads on its standard input; returns the file's path. */
export function writeTaskStdin(dir: string, record: TaskRecord, body: string): string {
  const path = `${taskRecordBase(dir, record.namespace, record.podName, record.attempt)}.stdin`;
  writeFileSync(path, body, { mode: 0o600 });
  return path;
}

/** Removes every file of the attempt (after its exit is stored, or when it never started). */
export function forgetTaskRecord(dir: string, record: Pick<TaskRecord, 'namespace' | 'podName' | 'attempt'>): void {
  const base = taskRecordBase(dir, record.namespace, record.podName, record.attempt);
  for (const suffix of [
    '.exit',
    '.exit.tmp',
    '.pid',
    '.pid.tmp',
    `.pid.${process.pid}.tmp`,
    '.stop',
    '.stdin',
    '.task',
  ])
    rmSync(`${base}${suffix}`, { force: true });
}

/** Records the supervisor's pid at once after the spawn (write, then rename: never half written). */
export function writeTaskPid(
  dir: string,
  record: Pick<TaskRecord, 'namespace' | 'podName' | 'attempt'>,
  pid: number,
): void {
  const base = taskRecordBase(dir, record.namespace, record.podName, record.attempt);
  writeAtomically(`${base}.pid`, `${pid}\n`);
}

/** Why the runtime stopped an attempt, and how long it gives the task before SIGKILL. */
export interface TaskStop {
  reason: string;
  graceMs: number;
  /** The stop was the runtime's own (it was shutting down), not the controller's: not charged to the Job. */
  disruption?: TaskExit['disruption'];
}

/** Records a stop before its signal is sent: a runtime that dies meanwhile leaves the next one the decision. */
export function writeTaskStop(
  dir: string,
  record: Pick<TaskRecord, 'namespace' | 'podName' | 'attempt'>,
  stop: TaskStop,
): void {
  writeAtomically(
    `${taskRecordBase(dir, record.namespace, record.podName, record.attempt)}.stop`,
    `${JSON.stringify(stop)}\n`,
  );
}

export function readTaskStop(
  dir: string,
  record: Pick<TaskRecord, 'namespace' | 'podName' | 'attempt'>,
): TaskStop | undefined {
  try {
    const stop = JSON.parse(
      readFileSync(`${taskRecordBase(dir, record.namespace, record.podName, record.attempt)}.stop`, 'utf8'),
    ) as Partial<TaskStop>;
    if (typeof stop.reason !== 'string' || !Number.isFinite(stop.graceMs)) return undefined;
    const d = stop.disruption;
    const disruption =
      d !== undefined &&
      (d.reason === 'DeletionByPodGC' || d.reason === 'TerminationByKubelet') &&
      typeof d.message === 'string'
        ? { reason: d.reason, message: d.message }
        : undefined;
    return { reason: stop.reason, graceMs: stop.graceMs!, ...(disruption === undefined ? {} : { disruption }) };
  } catch {
    return undefined;
  }
}

function writeAtomically(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * Whether `pid` is still the supervisor of the attempt at `base`: on Linux its command line names the attempt's files
 * (a pid reused by another process does not, and a zombie's is empty — an orphaned supervisor that ended is a zombie
 * until its new parent reaps it, which a container's PID 1 may never do); where there is no `/proc`, that it is alive.
 */
export function isSupervisor(pid: number, base: string): boolean {
  if (!isAlive(pid)) return false;
  let cmdline: string[];
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
  } catch {
    return process.platform !== 'linux';
  }
  return cmdline.includes('jobctl-task') && cmdline.includes(base);
}

/**
 * The supervisor of the attempt at `base` found among the machine's processes (Linux: by its command line), for a
 * record without a pid file — a runtime killed between the spawn and writing it. Undefined where there is no `/proc`.
 */
export function findSupervisor(base: string): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const name of pids) {
    const pid = Number(name);
    if (pid > 1 && isSupervisor(pid, base)) return pid;
  }
  return undefined;
}

/** The exit the supervisor wrote, if it did. */
export function readTaskExit(
  dir: string,
  record: Pick<TaskRecord, 'namespace' | 'podName' | 'attempt'>,
): { exitCode: number; atMs: number } | undefined {
  const path = `${taskRecordBase(dir, record.namespace, record.podName, record.attempt)}.exit`;
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (!/^\d{1,3}$/.test(text)) return undefined; // empty or partial: not an exit (Number('') is 0)
    const exitCode = Number(text);
    if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) return undefined;
    return { exitCode, atMs: statSync(path).mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * The pid the supervisor wrote — unless the file predates the machine's last boot (a pid from before a reboot names
 * some other process now, if any).
 */
export function readTaskPid(
  dir: string,
  record: Pick<TaskRecord, 'namespace' | 'podName' | 'attempt'>,
  nowMs = Date.now(),
): number | undefined {
  const path = `${taskRecordBase(dir, record.namespace, record.podName, record.attempt)}.pid`;
  try {
    if (statSync(path).mtimeMs < nowMs - uptime() * 1000) return undefined;
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every attempt recorded in `dir`, and the files of an older jobctl (`<namespace>__<pod>.pid` holding a bare pid):
 * `legacyPids`. A `.task` file that cannot be read (not jobctl's) is reported in `unreadable` and left alone.
 */
export function listTaskRecords(dir: string): {
  records: TaskRecordState[];
  legacyPids: Array<{ file: string; pid: number }>;
  unreadable: string[];
} {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { records: [], legacyPids: [], unreadable: [] }; // no pid directory: nothing ever ran
  }
  const records: TaskRecordState[] = [];
  const legacyPids: Array<{ file: string; pid: number }> = [];
  const unreadable: string[] = [];
  for (const name of names) {
    if (name.endsWith('.pid') && name.split(SEPARATOR).length === 2) {
      const pid = Number(readFileSafe(join(dir, name)));
      if (Number.isInteger(pid) && pid > 1) legacyPids.push({ file: join(dir, name), pid });
      else rmSync(join(dir, name), { force: true });
      continue;
    }
    if (!name.endsWith('.task')) continue;
    const record = parseRecord(readFileSafe(join(dir, name)));
    if (
      record === undefined ||
      `${taskRecordBase('', record.namespace, record.podName, record.attempt)}.task` !== name
    ) {
      unreadable.push(join(dir, name));
      continue;
    }
    const pid = readTaskPid(dir, record);
    const exit = readTaskExit(dir, record);
    records.push({ record, ...(pid === undefined ? {} : { pid }), ...(exit === undefined ? {} : { exit }) });
  }
  return { records, legacyPids, unreadable };
}

/** The pid of a running supervisor of this pod (any attempt), for a CLI that stops a task the runtime started. */
export function findTaskPid(dir: string, namespace: string, podName: string): number | undefined {
  const prefix = `${namespace}${SEPARATOR}${podName}${SEPARATOR}`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.pid')) continue;
    const attempt = Number(name.slice(prefix.length, -'.pid'.length));
    if (!Number.isInteger(attempt)) continue;
    if (readTaskExit(dir, { namespace, podName, attempt }) !== undefined) continue;
    const pid = readTaskPid(dir, { namespace, podName, attempt });
    // A pid whose supervisor ended is some other process's now, or soon: never signal it.
    if (pid !== undefined && isSupervisor(pid, taskRecordBase(dir, namespace, podName, attempt))) return pid;
  }
  // An older jobctl's pid file.
  const legacy = Number(readFileSafe(join(dir, `${namespace}${SEPARATOR}${podName}.pid`)));
  return Number.isInteger(legacy) && legacy > 1 ? legacy : undefined;
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function parseRecord(text: string): TaskRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<TaskRecord>;
    if (typeof r.namespace !== 'string' || typeof r.jobName !== 'string' || typeof r.podName !== 'string')
      return undefined;
    if (!Number.isSafeInteger(r.attempt) || !Number.isFinite(r.launchedAtMs)) return undefined;
    return r as TaskRecord;
  } catch {
    return undefined;
  }
}
