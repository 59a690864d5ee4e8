import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The layout says what the system is (docs/design-notes.md, "Layout"): a pure core (spec, cron, engine), small ports,
 * controllers that decide through the ports, one adapter folder per technology, and two runtimes that wire them up.
 * These rules keep it true. Each is checked on the real tree, and on a planted violation, so a rule that can no longer
 * fail (a renamed folder, a broken pattern) fails here instead.
 */

interface Source {
  path: string;
  text: string;
}

interface Rule {
  name: string;
  /** Files the rule applies to (paths relative to the repository, with `/`). */
  applies: (path: string) => boolean;
  /** What such a file must not do; a message, or undefined when the line is fine. */
  check: (line: string, importedPath: string | undefined) => string | undefined;
  /** A source that breaks the rule. */
  planted: Source;
}

const IMPORT = /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/;

/** The repository path a relative import of `file` names (undefined for a package). */
function importedPath(file: string, line: string): string | undefined {
  const spec = IMPORT.exec(line)?.[1];
  if (spec === undefined || !spec.startsWith('.')) return undefined;
  return normalize(join(dirname(file), spec))
    .split('\\')
    .join('/');
}

const under =
  (...dirs: string[]) =>
  (path: string | undefined) =>
    path !== undefined && dirs.some((d) => path === d || path.startsWith(`${d}/`));

const PURE = ['src/spec', 'src/cron', 'src/engine'];
const IO_MODULE =
  /(?:from|import)\s*\(?\s*['"](node:)?(fs|fs\/promises|child_process|net|http|https|dgram|worker_threads)['"]/;

const RULES: Rule[] = [
  {
    name: 'the pure core (spec, cron, engine) does no I/O, reads no clock and imports nothing outside it',
    applies: under(...PURE),
    check: (line, path) => {
      if (IO_MODULE.test(line)) return 'a node I/O module';
      if (/from ['"]@aws-sdk\//.test(line)) return 'the AWS SDK';
      if (path !== undefined && !under(...PURE, 'src/errors.ts')(path)) return `${path}, outside the pure core`;
      if (/\bprocess\.env\b/.test(line)) return 'process.env';
      if (/\bDate\.now\(\)|\bnew Date\(\)|\bperformance\.now\(\)/.test(line)) return 'the current time';
      if (/\bMath\.random\(\)/.test(line)) return 'Math.random()';
      return undefined;
    },
    planted: { path: 'src/engine/planted.ts', text: "import { SystemClock } from '../adapters/clock/clock.ts';" },
  },
  {
    name: 'ports import only spec and each other',
    applies: under('src/ports'),
    check: (_line, path) =>
      path !== undefined && !under('src/ports', 'src/spec', 'src/errors.ts')(path) ? path : undefined,
    planted: { path: 'src/ports/planted.ts', text: "import type { ControllerDeps } from '../controllers/deps.ts';" },
  },
  {
    name: 'controllers import no adapter, runtime or CLI',
    applies: under('src/controllers'),
    check: (_line, path) => (under('src/adapters', 'src/runtime', 'src/cli')(path) ? path : undefined),
    planted: {
      path: 'src/controllers/planted.ts',
      text: "import { EcsTaskLauncher } from '../adapters/ecs/ecs-task-launcher.ts';",
    },
  },
  {
    name: 'adapters import nothing from controllers, runtimes or the CLI',
    applies: under('src/adapters'),
    check: (_line, path) => (under('src/controllers', 'src/runtime', 'src/cli')(path) ? path : undefined),
    planted: { path: 'src/adapters/sqs/planted.ts', text: "import type { Change } from '../../controllers/deps.ts';" },
  },
  {
    name: 'the worker (run inside tasks) imports no runtime and no CLI',
    applies: under('src/worker'),
    check: (_line, path) => (under('src/runtime', 'src/cli')(path) ? path : undefined),
    planted: { path: 'src/worker/planted.ts', text: "import { connectLocal } from '../runtime/local/connect.ts';" },
  },
  {
    name: 'the Kubernetes API works over the Connection port: no adapter and no runtime (but the loopback guard)',
    applies: under('src/kube-api'),
    check: (_line, path) =>
      under('src/adapters', 'src/runtime')(path) && path !== 'src/runtime/local/endpoint-guard.mjs' ? path : undefined,
    planted: {
      path: 'src/kube-api/planted.ts',
      text: "import { DynamoDbStateStore } from '../adapters/dynamodb/dynamodb-state-store.ts';",
    },
  },
  {
    name: 'Lambda entry points only wire adapters into runtime/lambda: no controller, engine, CLI or local runtime',
    applies: under('functions'),
    check: (_line, path) =>
      under('src/controllers', 'src/engine', 'src/cli', 'src/runtime/local')(path) ? path : undefined,
    planted: {
      path: 'functions/planted.ts',
      text: "import { JobController } from '../src/controllers/job-controller.ts';",
    },
  },
];

function sources(dir: string): Source[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|mts|mjs)$/.test(entry.name)
      ? [{ path: relative('.', path).split('\\').join('/'), text: readFileSync(path, 'utf8') }]
      : [];
  });
}

function violations(rule: Rule, files: readonly Source[]): string[] {
  return files
    .filter((f) => rule.applies(f.path))
    .flatMap((f) =>
      f.text.split('\n').flatMap((line, i) => {
        const trimmed = line.trimStart();
        if (trimmed.startsWith('*') || trimmed.startsWith('//') || trimmed.startsWith('/*')) return [];
        const what = rule.check(line, importedPath(f.path, line));
        return what === undefined ? [] : [`${f.path}:${i + 1} uses ${what}`];
      }),
    );
}

const TREE = [...sources('src'), ...sources('functions')];

describe('layout rules', () => {
  it.each(RULES.map((r) => [r.name, r] as const))('%s', (_name, rule) => {
    expect(violations(rule, TREE)).toEqual([]);
  });

  it.each(RULES.map((r) => [r.name, r] as const))('fails on a planted violation: %s', (_name, rule) => {
    expect(violations(rule, [rule.planted])).toHaveLength(1);
  });

  it('knows every folder of src (a new one gets a rule, or a line here saying why not)', () => {
    const folders = readdirSync('src', { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(folders).toEqual([
      'adapters',
      'cli',
      'controllers',
      'cron',
      'engine',
      'expand',
      'kube-api',
      'ports',
      'runtime',
      'spec',
      'worker',
    ]);
  });
});

// What ships (the Lambda bundles, the CLI, the construct) imports no test-only tool. @cloud-copilot/iam-simulate is
// AGPL-3.0: allowed as a devDependency that only tests run, never in a bundle.
const SHIPPED_DIRS = ['src', 'functions', 'infra'];
const TEST_ONLY = /from ['"](@cloud-copilot\/|aws-sdk-client-mock|local-aws-sqs|vitest)/;

describe('shipped code', () => {
  it.each(SHIPPED_DIRS)('%s imports no test-only package (the AGPL IAM simulator among them)', (dir) => {
    const found = sources(dir).flatMap((file) =>
      file.text
        .split('\n')
        .flatMap((line, i) => (TEST_ONLY.test(line) ? [`${file.path}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });
});

// The formatter's width (biome.jsonc lineWidth) for every line, strings and comments included: Biome lays code out
// within it but leaves a long string, regex or comment as it is, so this holds the rest.
const LINE_WIDTH = 120;
const CODE_DIRS = ['src', 'functions', 'infra', 'test', 'bench', 'bin', 'scripts'];

function overWidth(files: readonly Source[]): string[] {
  return files.flatMap((file) =>
    file.text.split('\n').flatMap((line, i) => {
      const columns = [...line].length;
      return columns > LINE_WIDTH ? [`${file.path}:${i + 1} has ${columns} columns`] : [];
    }),
  );
}

describe('line width', () => {
  it(`no line of code, string or comment is over ${LINE_WIDTH} columns`, () => {
    expect(overWidth(CODE_DIRS.flatMap((dir) => sources(dir)))).toEqual([]);
  });

  it('counts characters, not bytes, and fails on a planted long line', () => {
    const arrows = `// ${'→'.repeat(LINE_WIDTH - 3)}`;
    expect(overWidth([{ path: 'src/planted.ts', text: `${arrows}\n${arrows}x\n` }])).toEqual([
      `src/planted.ts:2 has ${LINE_WIDTH + 1} columns`,
    ]);
  });
});
