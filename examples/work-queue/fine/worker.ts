// The seed's walkthrough 4 worker (worker.py on rediswq), rewritten on jobctl's WorkQueueClient. Run by the Job in
// job.yaml: `node --import tsx examples/work-queue/fine/worker.ts`. Inside a task JOBCTL_STATE_DIR names the runtime,
// so the client reaches the same queue as `jobctl queue push`.
import { setTimeout as sleep } from 'node:timers/promises';
import { connectLocal } from '../../../src/runtime/local/connect.ts';
import { resolveStateDir } from '../../../src/runtime/local/state-dir.ts';
import { WorkQueueClient } from '../../../src/worker/work-queue-client.ts';

const connection = await connectLocal(resolveStateDir(process.env, process.cwd()));
const q = new WorkQueueClient(connection.queues, 'job2', { log: (line) => console.log(line) });
q.installSignalHandlers(); // SIGTERM: give the held item back at once, then stop

console.log(`Worker with sessionID: ${q.sessionId}`);
console.log(`Initial queue state: empty=${(await q.empty()) ? 'True' : 'False'}`); // as Python prints the seed's bool
while (!q.isStopping && !(await q.empty())) {
  const item = await q.lease(10, { block: true, timeoutSeconds: 2 });
  if (item !== undefined) {
    console.log(`Working on ${item.body}`);
    await sleep(10_000); // Put your actual work here instead of sleep.
    await q.complete(item);
  } else {
    console.log('Waiting for work');
  }
}
console.log('Queue empty, exiting');
await connection.close();
