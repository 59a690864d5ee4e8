/**
 * `jobctl` on the PATH of local tasks. A Job whose container runs `jobctl worker …` (the fine-grained work-queue
 * pattern, as an image that ships jobctl runs it) fails locally with "executable file not found in $PATH" unless
 * jobctl happens to be installed globally, and then it may be another version than the runtime's. The local runtime
 * therefore writes a two-line shell script named `jobctl` into its state directory and puts that directory in front
 * of every task's PATH: the script runs this checkout's `bin/jobctl.mjs` with the node that runs the runtime.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout's command line entry point, the `bin` of package.json. */
export const JOBCTL_ENTRY = fileURLToPath(new URL('../../../bin/jobctl.mjs', import.meta.url));

export interface JobctlShimOptions {
  /** The node executable the script runs. @default process.execPath */
  readonly node?: string;
  /** The script it runs with `node`. @default {@link JOBCTL_ENTRY} */
  readonly entry?: string;
}

/** A word quoted for `/bin/sh`: single quotes, each `'` inside written as `'\''`. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** The text of the `jobctl` script: `exec node <entry> "$@"`, so signals and the exit code pass straight through. */
export function jobctlShimScript(node: string, entry: string): string {
  return `#!/bin/sh\nexec ${shellQuote(node)} ${shellQuote(entry)} "$@"\n`;
}

/**
 * Writes the executable `jobctl` script into `dir` (created if missing; an older script is replaced whole, never
 * seen half-written) and returns `dir`, the directory to put in front of a task's PATH. Returns undefined, writing
 * nothing, when the entry point does not exist (jobctl running from a bundle without its `bin/`).
 *
 * @example
 * const dir = await writeJobctlShim(join(stateDir, 'bin'));
 * new ProcessTaskLauncher({ ..., pathPrefix: dir === undefined ? [] : [dir] });
 */
export async function writeJobctlShim(dir: string, options: JobctlShimOptions = {}): Promise<string | undefined> {
  const entry = options.entry ?? JOBCTL_ENTRY;
  if (!existsSync(entry)) return undefined;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'jobctl');
  const partial = `${path}.${process.pid}.tmp`;
  // Owner-only, as everything in the private state directory; tasks run as the same user.
  await writeFile(partial, jobctlShimScript(options.node ?? process.execPath, entry), { mode: 0o700 });
  await chmod(partial, 0o700); // whatever the umask of the moment
  await rename(partial, path);
  return dir;
}
