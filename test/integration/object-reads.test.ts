import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import { runtimeObjectReads } from '../../src/runtime/local/object-reads.ts';
import { LocalRuntime } from '../../src/runtime/local/runtime.ts';
import type { RuntimeInfo } from '../../src/runtime/local/state-dir.ts';
import { captureIo } from '../support/capture-io.ts';

// `jobctl get` against a running `jobctl up` reads through the runtime's control endpoint (object-reads.ts), not the
// database: it then loads no AWS SDK client (issue 13's start-up target). Proven by taking the database away from the
// CLI — runtime.json's DynamoDB endpoint pointed at a closed port — and seeing `get` print the same. Without a runtime
// that serves reads (none published, an older one answering 404) it opens the database as before.

/** A command's result; a table's AGE (seconds on the system clock, which both read paths use) as `<age>`. */
async function jobctl(stateDir: string, ...argv: string[]) {
  const cap = captureIo();
  const code = await runCli(argv, { io: cap.io, env: { ...process.env, JOBCTL_STATE_DIR: stateDir }, cwd: stateDir });
  return { code, stdout: cap.stdout().replace(/ \d+s$/gm, ' <age>'), stderr: cap.stderr() };
}

/** A port nothing listens on (one the OS handed out and that was closed again). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('jobctl get through a running jobctl up', () => {
  let stateDir: string;
  let runtime: LocalRuntime;
  let info: RuntimeInfo;
  const runtimeFile = () => join(stateDir, 'runtime.json');

  beforeAll(async () => {
    stateDir = join(await mkdtemp(join(tmpdir(), 'jobctl-reads-')), 'state');
    runtime = new LocalRuntime({ stateDir, cwd: stateDir, resyncIntervalMs: 3_600_000 });
    info = await runtime.start();
    const applied = await jobctl(stateDir, 'apply', '-f', resolve('examples/hello/cronjob.yaml'));
    expect(applied.stdout).toBe('cronjob.batch/hello created\n');
  });
  afterAll(async () => {
    await runtime.stop();
    await rm(join(stateDir, '..'), { recursive: true, force: true });
  });

  /** Runs `work` with runtime.json rewritten by `edit`, then puts the runtime's own back. */
  async function withRuntimeFile<T>(edit: (i: RuntimeInfo) => RuntimeInfo, work: () => Promise<T>): Promise<T> {
    const original = await readFile(runtimeFile(), 'utf8');
    await writeFile(runtimeFile(), JSON.stringify(edit(info)), { mode: 0o600 });
    try {
      return await work();
    } finally {
      await writeFile(runtimeFile(), original, { mode: 0o600 });
    }
  }

  it('prints what the database gives, with the database out of its reach', async () => {
    const argvs = [
      ['get', 'cronjobs'],
      ['get', 'cronjob', 'hello', '-o', 'json'],
      ['get', 'cronjobs,jobs', '-o', 'name'],
      ['get', 'all'],
      ['get', 'cronjob', 'hello', 'missing'],
      ['get', 'pods', 'nope'],
      ['get', 'jobs', '-l', 'app=none', '-o', 'json'],
    ];
    const direct: Array<{ code: number; stdout: string; stderr: string }> = [];
    // The reference: the same commands reading the database (no control endpoint published).
    await withRuntimeFile(
      ({ controlUrl: _, ...rest }) => rest,
      async () => {
        for (const argv of argvs) direct.push(await jobctl(stateDir, ...argv));
      },
    );
    expect(direct[0]!.stdout).toMatch(/^NAME +SCHEDULE .*\nhello +\*\/1 \* \* \* \* .* <age>\n$/);
    expect(direct[4]!.stderr).toBe('Error from server (NotFound): cronjobs.batch "missing" not found\n');
    const port = await closedPort();
    await withRuntimeFile(
      (i) => ({ ...i, dynamodbEndpoint: `http://127.0.0.1:${port}` }),
      async () => {
        for (const [n, argv] of argvs.entries())
          expect(await jobctl(stateDir, ...argv), argv.join(' ')).toEqual(direct[n]);
      },
    );
  });

  it('opens the database when the runtime answers no reads (one from before them: 404)', async () => {
    const older = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => older.listen(0, '127.0.0.1', r));
    try {
      const controlUrl = `http://127.0.0.1:${(older.address() as AddressInfo).port}`;
      const result = await withRuntimeFile(
        (i) => ({ ...i, controlUrl }),
        () => jobctl(stateDir, 'get', 'cronjobs', '-o', 'name'),
      );
      expect(result).toEqual({ code: 0, stdout: 'cronjob.batch/hello\n', stderr: '' });
    } finally {
      older.close();
    }
  });

  it("answers only its owner: no token 401, another's web page 403", async () => {
    const url = `${info.controlUrl}/objects/CronJob?namespace=default`;
    const { host } = new URL(info.controlUrl!);
    expect((await get(url, { Host: host })).status).toBe(401);
    const page = await get(url, {
      Host: host,
      Origin: 'https://evil.example',
      Authorization: `Bearer ${info.controlToken}`,
    });
    expect(page.status).toBe(403);
    const owner = await get(url, { Host: host, Authorization: `Bearer ${info.controlToken}` });
    expect(owner.status).toBe(200);
    expect((JSON.parse(owner.body) as Array<{ metadata: { name: string } }>).map((o) => o.metadata.name)).toEqual([
      'hello',
    ]);
  });

  it('after one answer, a runtime gone is an error (a read elsewhere would print twice)', async () => {
    let served = 0;
    const once = createServer((_req, res) => {
      served++;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
      once.close();
      once.closeAllConnections();
    });
    await new Promise<void>((r) => once.listen(0, '127.0.0.1', r));
    const reads = runtimeObjectReads({ controlUrl: `http://127.0.0.1:${(once.address() as AddressInfo).port}` });
    expect(reads.answered).toBe(false);
    expect(await reads.store.list('Job', 'default')).toEqual([]);
    expect(reads.answered).toBe(true);
    // Refused, or the kept-alive socket hung up: either way an error withReads passes on, as reads.answered is true.
    await expect(reads.store.list('Job', 'default')).rejects.toThrow(/ECONNREFUSED|socket hang up/);
    expect(served).toBe(1);
  });
});
