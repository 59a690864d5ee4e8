#!/usr/bin/env node
// Builds the CLI into dist/cli for bin/jobctl.mjs: `npm ci` runs it (the prepare script), as does `npm run build`.
// One esbuild bundle of src/cli/main.ts with its packages, ESM, split so that each verb's code is its own chunk loaded
// when the verb runs (program.ts' VERBS); the dynalite worker is a second entry point. Node resolves far fewer files
// than through node_modules and compiles no TypeScript: `cron next` starts in a fraction of the time it took through
// tsx. Each build gets its own directory, named by its content (a running `jobctl up` keeps the chunks it may still
// load); dist/cli/build.json names the current one and the files it was made from (bin/built-cli.mjs).
//
// Usage: node scripts/build-cli.mjs [--outdir dist/cli] [--metafile FILE]
// Without esbuild (a production install, `npm ci --omit=dev`) it builds nothing and bin/jobctl.mjs runs the sources.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BUILD_DIR, BUILD_FILE, BUILD_FORMAT } from '../bin/built-cli.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The entry points, by output name: the CLI, and the worker thread dynalite-host.ts starts by URL. */
const ENTRIES = { cli: 'src/cli/main.ts', 'dynalite-worker': 'src/runtime/local/dynalite-worker.mjs' };
/** What else makes a build stale: this script, the compiler options, and node_modules (npm rewrites the file). */
const EXTRA_INPUTS = ['scripts/build-cli.mjs', 'tsconfig.json', 'node_modules/.package-lock.json'];
/** Builds kept besides the current one, for processes started from them that may still load a chunk. */
const KEEP_PREVIOUS = 2;
const NEW_URL = /new URL\((['"])(\.{1,2}\/[^'"]+)\1, import\.meta\.url\)/g;
const toPosix = (path) => path.split(sep).join('/');

/**
 * Builds the CLI into `outdir` (a directory under the repository, so the packages left to Node, dynalite and
 * classic-level, resolve from node_modules) and makes it current; returns esbuild's metafile, or undefined when
 * esbuild is not installed.
 */
export async function buildCli({ outdir = join(root, BUILD_DIR), metafile } = {}) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    console.error('jobctl: esbuild is not installed (a production install?): bin/jobctl.mjs runs the sources');
    return undefined;
  }
  // Every build directory is outdir/<id>: paths relative to it are the same for all of them.
  const buildDir = join(outdir, 'current');
  let built;
  // Sources edited while esbuild reads them make a build that matches neither version: build again.
  for (let attempt = 1; built === undefined; attempt++) {
    built = await bundle(esbuild, buildDir);
    if (built.changed.length > 0 && attempt === 3)
      throw new Error(`sources changed during each of 3 builds: ${built.changed.join(', ')}`);
    if (built.changed.length > 0) built = undefined;
  }
  const { result, stamps } = built;
  checkUrls(result.outputFiles, buildDir);
  const id = createHash('sha256');
  for (const file of result.outputFiles) id.update(relative(buildDir, file.path)).update(file.contents);
  const dir = id.digest('hex').slice(0, 12);
  mkdirSync(outdir, { recursive: true });
  const target = join(outdir, dir);
  if (!existsSync(target)) {
    const partial = join(outdir, `.${dir}.${process.pid}.tmp`);
    for (const file of result.outputFiles) {
      const path = join(partial, relative(buildDir, file.path));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.contents);
    }
    renameSync(partial, target);
  }
  const inputs = [...stamps].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, stamp]) => [path, ...stamp]);
  // One input a line: `git diff`-able when a build is unexpectedly stale.
  const text = JSON.stringify({ format: BUILD_FORMAT, dir, entry: 'cli.mjs', inputs }).replace(/\],\[/g, '],\n  [');
  writeFileSync(join(outdir, `${BUILD_FILE}.${process.pid}.tmp`), `${text}\n`);
  renameSync(join(outdir, `${BUILD_FILE}.${process.pid}.tmp`), join(outdir, BUILD_FILE));
  prune(outdir, dir);
  if (metafile !== undefined) writeFileSync(metafile, JSON.stringify(result.metafile));
  return result.metafile;
}

/**
 * One esbuild run, in memory, with `[mtimeMs, size]` of every file it was made from, taken before it read them
 * (node_modules count as the one file npm rewrites, in EXTRA_INPUTS), and the files that changed while it did.
 */
async function bundle(esbuild, buildDir) {
  const before = statTree(['src', ...EXTRA_INPUTS]);
  const outputs = Object.fromEntries(Object.entries(ENTRIES).map(([out, path]) => [join(root, path), `${out}.mjs`]));
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.entries(ENTRIES).map(([out, path]) => ({ in: path, out })),
    outdir: buildDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    // The packages' ES module builds: the AWS SDK's lazy imports (credential providers) stay lazy chunks.
    mainFields: ['module', 'main'],
    // Half the bytes to parse; `node --enable-source-maps` maps a stack trace back to the sources.
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
    // The CommonJS packages in the bundle require Node's built-in modules.
    banner: {
      js:
        "import { createRequire as __jobctlRequire } from 'node:module';\n" +
        'const require = __jobctlRequire(import.meta.url);',
    },
    plugins: [relativeUrls(buildDir, outputs), commanderWithoutChildProcess()],
  });
  const stamps = new Map();
  const changed = [];
  for (const path of Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/'))) {
    // A file outside src (none today) is stamped as it is now; one in src that was not there before is new.
    const stamp = before.get(path) ?? (path.startsWith('src/') ? [] : statOf(path));
    stamps.set(path, stamp);
    if (statOf(path).join() !== stamp.join()) changed.push(path);
  }
  for (const path of EXTRA_INPUTS.filter((p) => before.has(p))) {
    stamps.set(path, before.get(path));
    if (statOf(path).join() !== before.get(path).join()) changed.push(path);
  }
  return { result, stamps, changed };
}

/** `[mtimeMs, size]` of every file under (or at) `paths`, by path relative to the repository. */
function statTree(paths) {
  const stats = new Map();
  const visit = (path) => {
    const stat = statSync(join(root, path), { throwIfNoEntry: false });
    if (stat?.isDirectory()) for (const name of readdirSync(join(root, path))) visit(`${path}/${name}`);
    else if (stat !== undefined) stats.set(path, [stat.mtimeMs, stat.size]);
  };
  for (const path of paths) visit(path);
  return stats;
}

function statOf(path) {
  const stat = statSync(join(root, path), { throwIfNoEntry: false });
  return stat === undefined ? [] : [stat.mtimeMs, stat.size];
}

/**
 * `new URL('./x', import.meta.url)` in a source names a file next to that source; in the bundle `import.meta.url` is
 * the chunk's. Such URLs are rewritten to name the same file from the build directory: an entry point's output, or
 * the file itself in the repository (bin/jobctl.mjs for the `jobctl` on tasks' PATH, jobctl-shim.ts).
 */
function relativeUrls(buildDir, outputs) {
  return {
    name: 'jobctl-relative-urls',
    setup(build) {
      build.onLoad({ filter: /[/\\]src[/\\].*\.(ts|mjs)$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const contents = text.replace(NEW_URL, (_all, quote, path) => {
          const file = resolve(dirname(args.path), path);
          const rewritten = outputs[file] === undefined ? toPosix(relative(buildDir, file)) : outputs[file];
          return `new URL(${quote}${rewritten.startsWith('.') ? '' : './'}${rewritten}${quote}, import.meta.url)`;
        });
        return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

/**
 * Commander requires child_process (and with it net, stream, …) when it loads, only to run external subcommands, which
 * jobctl has none of: loading it when first used takes that off every command's start-up (`cron next` loads nothing
 * else of it). Should commander change, the build goes on unchanged and says so.
 */
function commanderWithoutChildProcess() {
  const eager = "const childProcess = require('node:child_process');";
  const lazy = "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";
  return {
    name: 'jobctl-commander-without-child-process',
    setup(build) {
      build.onLoad({ filter: /[/\\]node_modules[/\\]commander[/\\]lib[/\\]command\.js$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (
          !text.includes(eager) ||
          (text.match(/childProcess\.(\w+)/g) ?? []).some((use) => use !== 'childProcess.spawn')
        )
          return { contents: text, loader: 'js', warnings: [{ text: 'commander changed: child_process stays eager' }] };
        return { contents: text.replace(eager, lazy), loader: 'js' };
      });
    },
  };
}

/** Fails the build when a `new URL(…, import.meta.url)` of the bundle names no file: it would fail at run time. */
function checkUrls(outputFiles, buildDir) {
  const built = new Set(outputFiles.map((file) => file.path));
  const missing = [];
  for (const file of outputFiles.filter((f) => f.path.endsWith('.mjs'))) {
    for (const [, , path] of file.text.matchAll(/new URL\((["'`])([^"'`]+)\1,\s*import\.meta\.url\)/g)) {
      const target = resolve(dirname(file.path), path);
      if (!built.has(target) && !existsSync(target)) missing.push(`${relative(buildDir, file.path)}: ${path}`);
    }
  }
  if (missing.length > 0) throw new Error(`the build names files that do not exist: ${missing.join(', ')}`);
}

/** Removes builds other than `current` and the newest {@link KEEP_PREVIOUS}, and leftovers of interrupted builds. */
function prune(outdir, current) {
  const entries = readdirSync(outdir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== current)
    .map((entry) => ({ name: entry.name, mtimeMs: statSync(join(outdir, entry.name)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  let kept = 0;
  for (const { name, mtimeMs } of entries) {
    // A leftover may be a build another process is writing right now.
    const keep = name.startsWith('.') ? Date.now() - mtimeMs < 3_600_000 : kept++ < KEEP_PREVIOUS;
    if (!keep) rmSync(join(outdir, name), { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' }, metafile: { type: 'string' } } });
  const started = performance.now();
  try {
    const meta = await buildCli({
      ...(values.outdir === undefined ? {} : { outdir: resolve(values.outdir) }),
      ...(values.metafile === undefined ? {} : { metafile: resolve(values.metafile) }),
    });
    if (meta !== undefined) console.error(`jobctl: CLI built in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    // `npm ci` goes on without a build (bin/jobctl.mjs then runs the sources); `npm run build` fails.
    const prepare = process.env.npm_lifecycle_event === 'prepare';
    console.error(`jobctl: the CLI was not built${prepare ? ' (jobctl runs the sources)' : ''}: ${error.message}`);
    process.exitCode = prepare ? 0 : 1;
  }
}
