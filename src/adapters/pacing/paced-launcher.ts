import type { TaskLauncher } from '../../ports/task-launcher.ts';
import type { Pod } from '../../spec/types.ts';
import type { Pacer } from './token-bucket.ts';

/**
 * Spaces out launches so a bulk apply does not launch everything at once.
 *
 * On AWS, ECS throttles Fargate task launches per account and Region with a token bucket (100 burst, 20 per second
 * sustained), and RunTask itself is limited to 20 calls per second
 * (https://docs.aws.amazon.com/AmazonECS/latest/userguide/throttling.html). Pacing just below that keeps a bulk apply
 * from spending the SDK's retries on throttling errors. Locally, it keeps a burst of 2,000 Jobs from forking hundreds
 * of processes at once.
 *
 * Only `launch` is paced: stopping a task frees capacity and honours a deletion or deadline, so it must never wait
 * behind a queue of launches.
 */
export class PacedTaskLauncher implements TaskLauncher {
  constructor(
    private readonly inner: TaskLauncher,
    private readonly pacer: Pacer,
  ) {}

  async launch(pod: Pod): Promise<void> {
    await this.pacer.take(1);
    await this.inner.launch(pod);
  }

  stop(pod: Pod, reason: string): Promise<boolean> {
    return this.inner.stop(pod, reason);
  }
}
