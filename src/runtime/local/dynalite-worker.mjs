// Serves dynalite on its own thread, so DynamoDB request handling does not compete with the controllers for the
// runtime's event loop. Started by dynalite-host.ts; answers {port} once listening (or {error}), closes on 'close'.
//
// Nobody reaches dynalite directly: it listens on a Unix socket in a private 0700 directory (only so that its close()
// closes LevelDB), and the loopback TCP port in front of it lets a request through only when it carries a valid
// AWS Signature V4 made with this runtime's generated secret (endpoint-guard.mjs). dynalite's own CORS answers never
// happen: a request with an Origin header is refused before it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { MAX_DYNAMODB_BODY_BYTES, readBody, refusal, sigV4Problem } from './endpoint-guard.mjs';
import { closeLevelIteratorsOnStreamEnd } from './level-iterators.mjs';

// Before dynalite opens its first iterator: every Query and Scan would leave one open (audit D3a).
closeLevelIteratorsOnStreamEnd();

const dynalite = createRequire(import.meta.url)('dynalite');
const inner = dynalite({
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
  ...(workerData.path ? { path: workerData.path } : {}),
});
const handle = inner.listeners('request')[0];
const privateDir = mkdtempSync(join(tmpdir(), 'jobctl-db-'));

/** A DynamoDB-shaped error answer (the SDKs read `__type`). */
function deny(res, status, type, message) {
  const body = JSON.stringify({ __type: `com.amazon.coral.service#${type}`, message });
  res
    .writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(body) })
    .end(body);
}

const front = createServer(async (req, res) => {
  const port = front.address().port;
  const refused = refusal(req, port);
  if (refused !== undefined) return deny(res, 403, 'AccessDeniedException', refused);
  const body = await readBody(req, MAX_DYNAMODB_BODY_BYTES).catch(() => undefined);
  if (body === undefined)
    return deny(res, 413, 'ValidationException', `request body over ${MAX_DYNAMODB_BODY_BYTES} bytes`);
  const problem = sigV4Problem(
    { method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body },
    { ...workerData.credentials, service: 'dynamodb', nowMs: Date.now() },
  );
  if (problem !== undefined)
    return deny(
      res,
      403,
      'UnrecognizedClientException',
      `The security token included in the request is invalid: ${problem}`,
    );
  // dynalite reads the request as a stream: hand it the body read here, with the request's method, URL and headers.
  const replay = Object.assign(Readable.from(body.length === 0 ? [] : [body]), {
    method: req.method,
    url: req.url,
    headers: req.headers,
  });
  handle(replay, res);
});

inner.on('error', (error) => parentPort.postMessage({ error: error.message }));
front.on('error', (error) => parentPort.postMessage({ error: error.message }));
inner.listen(join(privateDir, 'dynalite.sock'), () => {
  front.listen(workerData.port ?? 0, '127.0.0.1', () => parentPort.postMessage({ port: front.address().port }));
});
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  front.close();
  front.closeAllConnections?.();
  inner.close(() => {
    rmSync(privateDir, { recursive: true, force: true });
    parentPort.postMessage({ closed: true });
    parentPort.close();
  });
  inner.closeAllConnections?.();
});
