// Which CLI bin/jobctl.mjs runs: the build in dist/cli (scripts/build-cli.mjs, run by `npm ci` and `npm run build`)
// only while it is a build of the sources as they are now, else the TypeScript sources. A build records the size and
// modification time of every file it was made from (dist/cli/build.json); one edited, added to the build's imports or
// deleted since makes the build stale. Plain JavaScript, read on every command: a stat per source (3 ms for 140 of
// them), no hashing. Node's modules come from process.getBuiltinModule, not `import`: an ES module import of a
// built-in builds a facade of all its exports first, which cost more than the check itself.
const { readFileSync, statSync } = process.getBuiltinModule('node:fs');
const { join } = process.getBuiltinModule('node:path');
const { pathToFileURL } = process.getBuiltinModule('node:url');

/** Where builds go under the repository, and the file naming the current one. */
export const BUILD_DIR = 'dist/cli';
export const BUILD_FILE = 'build.json';
/** The layout bin/jobctl.mjs knows: the entry point exports `main()`. A build of another format is not loaded. */
export const BUILD_FORMAT = 2;

/**
 * What build.json under `root` records, if it is a build of {@link BUILD_FORMAT}: the file: URL of its entry point
 * and its inputs (to check with {@link isCurrent}). Undefined without one.
 */
export function recordedBuild(root) {
  let build;
  try {
    build = JSON.parse(readFileSync(join(root, BUILD_DIR, BUILD_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (build?.format !== BUILD_FORMAT || typeof build.dir !== 'string' || typeof build.entry !== 'string')
    return undefined;
  return { entry: pathToFileURL(join(root, BUILD_DIR, build.dir, build.entry)).href, inputs: build.inputs };
}

/**
 * The file: URL of the built CLI's entry point when `root/dist/cli` holds a build of the files as they are now,
 * else undefined (no build, an older format, or a stale one).
 *
 * @example
 * const entry = currentBuild(fileURLToPath(new URL('..', import.meta.url)));
 */
export function currentBuild(root) {
  const build = recordedBuild(root);
  return build !== undefined && isCurrent(root, build.inputs) ? build.entry : undefined;
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
