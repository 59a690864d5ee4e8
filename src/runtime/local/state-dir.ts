import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { JobctlError } from '../../errors.ts';
import { isAlive, ORIGINAL_UMASK } from '../../adapters/process/processes.ts';

/** The one DynamoDB table the local runtime keeps, with the same keys as the stack's table on AWS. */
export const STATE_TABLE_NAME = 'jobctl';

/**
 * What a running `jobctl up` publishes in `<stateDir>/runtime.json` (mode 0600, in a 0700 directory) so the CLI — and
 * only the owner — can reach it: the endpoints and the credentials they demand.
 */
export interface RuntimeInfo {
  pid: number;
  dynamodbEndpoint: string;
  /** Requests to `dynamodbEndpoint` are refused unless signed (AWS Signature V4) with these. */
  dynamodbCredentials?: { accessKeyId: string; secretAccessKey: string };
  /** POST /notify here after a write, so the runtime reacts at once instead of at the next resync. */
  controlUrl?: string;
  /** `Authorization: Bearer <controlToken>` on every request to `controlUrl`. */
  controlToken?: string;
  /** Prometheus metrics: `GET` it with the bearer token in `<stateDir>/metrics-token` (metrics-server.ts). */
  metricsUrl?: string;
  stateDir: string;
  startedAt: string;
}

/**
 * Creates the state directory owner-only (0700), or makes an existing one so (a state dir made by an older jobctl
 * was 0755: its db and logs hold env values), and makes every file this process creates from now on owner-only
 * (umask 077): the db, logs, pid files. Tasks get the umask the process started with back (the launcher sets it).
 * Returns that original umask.
 */
export async function securePrivateDir(stateDir: string): Promise<number> {
  const original = ORIGINAL_UMASK;
  process.umask(0o077);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await chmod(stateDir, 0o700);
  return original;
}

/** `$JOBCTL_STATE_DIR`, else `.jobctl` in the working directory. */
export function resolveStateDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, env.JOBCTL_STATE_DIR || '.jobctl');
}

const runtimeFile = (stateDir: string) => join(stateDir, 'runtime.json');

/** The runtime serving `stateDir`, if one is running (a stale file from a crashed runtime is ignored). */
export async function findRuntime(stateDir: string): Promise<RuntimeInfo | undefined> {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(await readFile(runtimeFile(stateDir), 'utf8')) as RuntimeInfo;
  } catch {
    return undefined; // no runtime file, or a half-written one: nobody is serving
  }
  return isAlive(info.pid) ? info : undefined;
}

/**
 * Claims the state directory for this process: fails when another live runtime holds it, replaces a stale file.
 * Called again with `info` once the endpoints are known.
 */
export async function claimRuntimeFile(stateDir: string, info?: RuntimeInfo): Promise<void> {
  const running = await findRuntime(stateDir);
  if (running && running.pid !== process.pid) {
    throw new JobctlError(
      'Conflict',
      `${stateDir}: a jobctl runtime is already running (pid ${running.pid}); stop it first, or set JOBCTL_STATE_DIR ` +
        `for a second one (if pid ${running.pid} is not jobctl, delete ${runtimeFile(stateDir)})`,
    );
  }
  if (info) {
    await writeFile(runtimeFile(stateDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    return;
  }
  // First claim: remove a stale file, then create exclusively, so two `jobctl up` started together cannot both win.
  if (!running) await rm(runtimeFile(stateDir), { force: true });
  const placeholder: RuntimeInfo = { pid: process.pid, dynamodbEndpoint: '', stateDir, startedAt: '' };
  try {
    await writeFile(runtimeFile(stateDir), `${JSON.stringify(placeholder, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new JobctlError(
      'Conflict',
      `${stateDir}: another jobctl runtime is starting; stop it first or set JOBCTL_STATE_DIR`,
    );
  }
}

export async function releaseRuntimeFile(stateDir: string): Promise<void> {
  const running = await findRuntime(stateDir);
  if (!running || running.pid === process.pid) await rm(runtimeFile(stateDir), { force: true });
}
