import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../src/runtime/local/runtime.ts';
import type { RuntimeInfo } from '../../src/runtime/local/state-dir.ts';
import { attackJobItem } from '../support/attack-item.ts';

// `jobctl up`'s endpoints as the audit attacked them (../shared/RELIABILITY-AUDIT.md D1, D2, D4): another local user,
// a web page, a huge request. The runtime serves its real control endpoint here (serveControl), on the system clock:
// these tests send requests, they wait for no schedule.
const run = promisify(execFile);

/** One raw HTTP exchange: status, headers and body (no client-side rules in the way). */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'POST', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('jobctl up: only its owner gets in (audit D1, D2, D4)', () => {
  let stateDir: string;
  let runtime: LocalRuntime;
  let info: RuntimeInfo;
  const marker = () => join(stateDir, 'pwned');

  beforeAll(async () => {
    stateDir = join(await mkdtemp(join(tmpdir(), 'jobctl-endpoints-')), 'state');
    runtime = new LocalRuntime({ stateDir, cwd: stateDir, resyncIntervalMs: 3_600_000 });
    info = await runtime.start();
  });
  afterAll(async () => {
    await runtime.stop();
    await rm(join(stateDir, '..'), { recursive: true, force: true });
  });

  it("refuses a PutItem not signed with the runtime's secret (the audit's attack.py), and runs nothing", async () => {
    const body = JSON.stringify({ TableName: 'jobctl', Item: attackJobItem('pwn', ['touch', marker()]) });
    const port = new URL(info.dynamodbEndpoint).port;
    const forged = await raw(`${info.dynamodbEndpoint}/`, {
      headers: {
        Host: `127.0.0.1:${port}`,
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.PutItem',
        'X-Amz-Date': '20240101T000000Z',
        Authorization:
          'AWS4-HMAC-SHA256 Credential=a/20240101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
      },
      body,
    });
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('UnrecognizedClientException');
    // Signed properly, but with guessed credentials: refused as well.
    const guessed = new DynamoDBClient({
      endpoint: info.dynamodbEndpoint,
      region: 'local',
      credentials: { accessKeyId: info.dynamodbCredentials!.accessKeyId, secretAccessKey: 'guess' },
      maxAttempts: 1,
    });
    await expect(guessed.send(new PutItemCommand(JSON.parse(body)))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    guessed.destroy();
    // The notify that would have made it run at once: refused without the token.
    const notify = await raw(`${info.controlUrl}/notify`, {
      headers: { Host: new URL(info.controlUrl!).host },
      body: '[{"kind":"Job","key":{"namespace":"default","name":"pwn"}}]',
    });
    expect(notify.status).toBe(401);
    await runtime.resync();
    await runtime.settle();
    expect(await runtime.store.get('Job', { namespace: 'default', name: 'pwn' })).toBeUndefined();
    await expect(stat(marker())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it(
    "answers a web page's CORS preflight and any request with an Origin with no CORS header, and refuses a " +
      'rebound Host',
    async () => {
      const preflight = await raw(`${info.dynamodbEndpoint}/`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://evil.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-amz-target,authorization,x-amz-date',
        },
      });
      expect(preflight.status).toBe(403);
      expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      const simple = await raw(`${info.controlUrl}/notify`, {
        headers: {
          Origin: 'https://evil.example',
          'Content-Type': 'text/plain',
          Authorization: `Bearer ${info.controlToken}`,
        },
        body: '[]',
      });
      expect(simple.status).toBe(403);
      expect(Object.keys(simple.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      // DNS rebinding: a page's name that resolves to 127.0.0.1 still says its own name in Host.
      const rebound = await raw(`${info.controlUrl}/notify`, {
        headers: {
          Host: `evil.example:${new URL(info.controlUrl!).port}`,
          Authorization: `Bearer ${info.controlToken}`,
        },
        body: '[]',
      });
      expect(rebound.status).toBe(403);
      // The owner, with the token: accepted.
      expect(
        (
          await raw(`${info.controlUrl}/notify`, {
            headers: { Authorization: `Bearer ${info.controlToken}`, 'Content-Type': 'application/json' },
            body: '[]',
          })
        ).status,
      ).toBe(204);
    },
  );

  it('refuses a 700 MB /notify at once and stays up (it used to buffer it and die)', async () => {
    const { hostname, port } = new URL(info.controlUrl!);
    const status = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `POST /notify HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ` +
            `${info.controlToken}\r\nContent-Length: ${700 * 2 ** 20}\r\n\r\n`,
        );
        socket.write(Buffer.alloc(2 ** 20, 65));
      });
      socket.once('data', (d: Buffer) => {
        resolve(d.toString().split('\r\n')[0]!);
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(status).toBe('HTTP/1.1 413 Payload Too Large');
    const client = new DynamoDBClient({
      endpoint: info.dynamodbEndpoint,
      region: 'local',
      credentials: info.dynamodbCredentials!,
      maxAttempts: 1,
    });
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual(['jobctl']);
    client.destroy();
  });

  it('keeps the state directory 0700 and what it writes 0600: the db, runtime.json, logs', async () => {
    const job = join(stateDir, 'job.yaml');
    await writeFile(
      job,
      'apiVersion: batch/v1\nkind: Job\nmetadata: {name: secret}\nspec:\n  template:\n    spec:\n      containers: ' +
        '[{name: c, image: busybox, command: ["sh", "-c", "echo token=$API_TOKEN"], env: [{name: API_TOKEN, value: ' +
        's3cr3t}]}]\n      restartPolicy: Never\n',
    );
    const { loadManifests } = await import('../../src/spec/index.ts');
    await runtime.store.create(loadManifests(await readFile(job, 'utf8'), 'job.yaml').objects[0]!);
    runtime.enqueue({ kind: 'Job', key: { namespace: 'default', name: 'secret' } });
    await runtime.settle();
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          expect([path, (await stat(path)).mode & 0o077]).toEqual([path, 0]);
          await walk(path);
        } else files.push(path);
      }
    };
    await walk(stateDir);
    const loose = [];
    for (const f of files) if (((await stat(f)).mode & 0o077) !== 0 && !f.endsWith('job.yaml')) loose.push(f);
    expect(loose).toEqual([]);
    expect(files.some((f) => f.includes(`${join('logs', 'default')}`))).toBe(true);
    expect(files.some((f) => f.endsWith('runtime.json'))).toBe(true);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'as another local user (nobody), reads nothing and writes nothing of it (needs root to act as nobody; skipped ' +
      'otherwise)',
    async () => {
      const asNobody = (cmd: string) =>
        run('runuser', ['-u', 'nobody', '--', 'sh', '-c', cmd]).then(
          ({ stdout }) => ({ ok: true, out: stdout }),
          (e: { stderr?: string }) => ({ ok: false, out: e.stderr ?? '' }),
        );
      expect(await asNobody(`cat ${join(stateDir, 'runtime.json')}`)).toMatchObject({
        ok: false,
        out: expect.stringContaining('Permission denied'),
      });
      expect(await asNobody(`ls ${join(stateDir, 'logs')}`)).toMatchObject({
        ok: false,
        out: expect.stringContaining('Permission denied'),
      });
      expect(await asNobody(`cat ${join(stateDir, 'db')}/*.log`)).toMatchObject({ ok: false });
      expect(await asNobody(`touch ${join(stateDir, 'x')}`)).toMatchObject({
        ok: false,
        out: expect.stringContaining('Permission denied'),
      });
    },
  );
});
