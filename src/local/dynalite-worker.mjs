// Serves dynalite on its own thread, so DynamoDB request handling does not compete with the controllers for the
// runtime's event loop. Started by dynalite-host.ts; answers {port} once listening (or {error}), closes on 'close'.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const dynalite = createRequire(import.meta.url)('dynalite');
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(workerData.path ? { path: workerData.path } : {}) });
server.on('error', (error) => parentPort.postMessage({ error: error.message }));
server.listen(workerData.port ?? 0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  server.close(() => {
    parentPort.postMessage({ closed: true });
    parentPort.close();
  });
  server.closeAllConnections?.();
});
