import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The built CLI (scripts/build-cli.mjs: what bin/jobctl.mjs runs after `npm ci`) does what the sources do, from its
 * own layout: the dynalite worker and the other files named by URL are found there, and each verb loads only what it
 * needs. Built here into a directory of its own, so the test never depends on (nor replaces) the checkout's build.
 */
const run = promisify(execFile);
const outdir = resolve(`dist/test-${process.pid}-${Date.now()}`);
let main: string;
let meta: { outputs: Record<string, { entryPoint?: string; imports: Array<{ path: string; kind: string }> }> };
let inputsOf: (output: string) => string[];

async function jobctl(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  const options = { env: { ...process.env, ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } };
  return run(process.execPath, [main, ...argv], options);
}

async function fromSources(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  const options = { env: { ...process.env, ...env, JOBCTL_FROM_SOURCE: '1' } };
  return run(process.execPath, [resolve('bin/jobctl.mjs'), ...argv], options);
}

/** The packages and sources a verb's code loads before it runs: main.mjs and the verb's chunk, with their imports. */
function loadedBy(entryPoints: string[]): string[] {
  const outputs = Object.keys(meta.outputs).filter((o) => entryPoints.includes(meta.outputs[o]!.entryPoint ?? ''));
  expect(outputs).toHaveLength(entryPoints.length);
  const seen = new Set<string>();
  const visit = (output: string) => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const i of meta.outputs[output]!.imports)
      if (i.kind === 'import-statement' && i.path in meta.outputs) visit(i.path);
  };
  outputs.forEach(visit);
  return [...seen].flatMap(inputsOf);
}

beforeAll(async () => {
  await run(process.execPath, ['scripts/build-cli.mjs', '--outdir', join(outdir, 'cli'), '--metafile', `${outdir}/m`]);
  const build = JSON.parse(readFileSync(join(outdir, 'cli', 'build.json'), 'utf8')) as { dir: string; entry: string };
  main = join(outdir, 'cli', build.dir, build.entry);
  meta = JSON.parse(readFileSync(`${outdir}/m`, 'utf8'));
  const all = meta as unknown as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  inputsOf = (output) => Object.keys(all.outputs[output]!.inputs);
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the built CLI', () => {
  it('prints what the sources print: help, a schedule preview', async () => {
    for (const argv of [
      ['--help'],
      ['get', '--help'],
      ['cron', 'next', '0 9 * * 1-5', '--tz', 'Europe/Berlin', '--after', '2024-03-29T00:00:00Z'],
    ]) {
      expect(await jobctl(argv), argv.join(' ')).toEqual(await fromSources(argv));
    }
  }, 60_000);

  it('ends quietly, as kubectl does, when what reads its output goes away (`jobctl … | head`)', async () => {
    const child = spawn(process.execPath, [main, 'cron', 'next', '* * * * *', '-n', '1000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the command writes
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = await once(child, 'exit');
    expect({ code, stderr }).toEqual({ code: 141, stderr: '' });
  }, 60_000);

  it('applies and lists through the state directory, its database thread started from the build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobctl-built-'));
    try {
      const env = { JOBCTL_STATE_DIR: join(dir, '.jobctl') };
      const applied = await jobctl(['apply', '-f', resolve('examples/hello/cronjob.yaml')], env);
      expect(applied.stdout).toBe('cronjob.batch/hello created\n');
      expect((await jobctl(['get', 'cronjobs', '-o', 'name'], env)).stdout).toBe('cronjob.batch/hello\n');
      // YAML is a chunk of its own, loaded only for -o yaml.
      const yaml = ['get', 'cronjob', 'hello', '-o', 'yaml'];
      expect((await jobctl(yaml, env)).stdout).toEqual((await fromSources(yaml, env)).stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("reaches its local database without the user's AWS configuration: no instance metadata lookup", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobctl-built-'));
    // `defaults_mode = auto` makes the SDK ask instance metadata for the region of any client it configures.
    const asked: string[] = [];
    const metadata = createServer((req, res) => {
      asked.push(`${req.method} ${req.url}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((done) => metadata.listen(0, '127.0.0.1', done));
    try {
      writeFileSync(join(dir, 'aws-config'), '[default]\ndefaults_mode = auto\n');
      const env = {
        JOBCTL_STATE_DIR: join(dir, '.jobctl'),
        AWS_CONFIG_FILE: join(dir, 'aws-config'),
        AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${(metadata.address() as AddressInfo).port}`,
        AWS_EC2_METADATA_DISABLED: '',
        AWS_EXECUTION_ENV: '',
      };
      expect((await jobctl(['get', 'cronjobs'], env)).stderr).toBe('No resources found in default namespace.\n');
      expect(asked).toEqual([]);
    } finally {
      metadata.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('loads for `cron next` no AWS SDK, YAML or Jinja2 package; for `get` none (only DynamoDB with no runtime)', () => {
    const cron = loadedBy(['src/cli/main.ts', 'src/cli/cron-command.ts']);
    expect(cron.filter((input) => /node_modules\/(@aws-sdk|@smithy|yaml|nunjucks|zod)\//.test(input))).toEqual([]);
    expect(cron.filter((input) => /^src\/(adapters\/dynamodb|runtime\/lambda|spec)\//.test(input))).toEqual([]);
    // `get` with a runtime up reads through it (object-reads.ts): no AWS SDK at all; the database only without one.
    const throughRuntime = loadedBy(['src/cli/main.ts', 'src/cli/get-command.ts', 'src/runtime/local/object-reads.ts']);
    expect(throughRuntime.filter((input) => /node_modules\/(@aws-sdk|@smithy)\//.test(input))).toEqual([]);
    const get = loadedBy(['src/cli/main.ts', 'src/cli/get-command.ts', 'src/runtime/local/connect.ts']);
    const clients = new Set(
      get.flatMap((input) => /node_modules\/@aws-sdk\/(client-[a-z-]+)\//.exec(input)?.[1] ?? []),
    );
    expect([...clients]).toEqual(['client-dynamodb']);
    expect(get.filter((input) => /node_modules\/(nunjucks|yaml|cronstrue|zod)\//.test(input))).toEqual([]);
    // Nor what apply, describe and the queue commands need: validation, schedule descriptions and their EventBridge
    // translation, the apply logic. (The schedule math is loaded: `-o wide`'s NEXT SCHEDULE.)
    const unneeded = new RegExp(
      /^src\/(cron\/(describe|eventbridge)|spec\/(validate|load|schema)|cli\/(apply|queue-command|printers\/describe))/
        .source,
    );
    expect(get.filter((input) => unneeded.test(input))).toEqual([]);
    expect(get.filter((input) => /^src\/(runtime\/local\/runtime\.ts|runtime\/lambda\/|expand\/)/.test(input))).toEqual(
      [],
    );
  });
});
