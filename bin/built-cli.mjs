// Which CLI bin/jobctl.mjs runs: the build in dist/cli (scripts/build-cli.mjs, run by `npm ci` and `npm run build`)
// only while it is a build of the sources as they are now, else the TypeScript sources. A build records the size and
// modification time of every file it was made from (dist/cli/build.json); one edited, added to the build's imports or
// deleted since makes the build stale. Plain JavaScript, read on every command: a stat per source, no hashing.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where builds go under the repository, and the file naming the current one. */
export const BUILD_DIR = 'dist/cli';
export const BUILD_FILE = 'build.json';

/**
 * The file: URL of the built CLI's entry point when `root/dist/cli` holds a build of the files as they are now,
 * else undefined (no build, or a stale one).
 *
 * @example
 * const entry = currentBuild(fileURLToPath(new URL('..', import.meta.url)));
 */
export function currentBuild(root) {
  let build;
  try {
    build = JSON.parse(readFileSync(join(root, BUILD_DIR, BUILD_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (!isCurrent(root, build.inputs)) return undefined;
  return pathToFileURL(join(root, BUILD_DIR, build.dir, build.entry)).href;
}

/** Whether every `[path, mtimeMs, size]` (paths relative to `root`) still names a file of that size and time. */
export function isCurrent(root, inputs) {
  if (!Array.isArray(inputs) || inputs.length === 0) return false;
  for (const [path, mtimeMs, size] of inputs) {
    const stat = statSync(join(root, path), { throwIfNoEntry: false });
    if (stat === undefined || stat.mtimeMs !== mtimeMs || stat.size !== size) return false;
  }
  return true;
}
