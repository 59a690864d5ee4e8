import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifestArgs } from '../../../src/cli/manifest-files.ts';

// `-f URL`, as the seed's `kubectl create -f https://k8s.io/examples/application/job/cronjob.yaml`: a server on
// loopback stands in for k8s.io (which redirects to GitHub's raw files).
let server: Server;
let base: string;
beforeAll(async () => {
  const hello = await readFile('examples/hello/cronjob.yaml', 'utf8');
  server = createServer((req, res) => {
    if (req.url === '/examples/application/job/cronjob.yaml')
      return void res.writeHead(301, { Location: '/raw/cronjob.yaml' }).end();
    if (req.url === '/raw/cronjob.yaml') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end(hello);
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404: Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const noStdin = async () => '';

describe('loadManifestArgs: -f URL', () => {
  it('reads a manifest at a URL, following redirects, and names the URL in what it loaded', async () => {
    const url = `${base}/examples/application/job/cronjob.yaml`;
    const loaded = await loadManifestArgs([url], noStdin);
    expect(loaded.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['CronJob/hello']);
  });

  it("fails with kubectl's message when the server answers an error", async () => {
    await expect(loadManifestArgs([`${base}/missing.yaml`], noStdin)).rejects.toThrow(
      `error: unable to read URL "${base}/missing.yaml", server reported 404 Not Found, status code=404`,
    );
  });

  it('fails naming the URL when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x.yaml`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(loadManifestArgs([url], noStdin)).rejects.toThrow(
      `error: unable to read URL "${url}": connect ECONNREFUSED`,
    );
  });
});
