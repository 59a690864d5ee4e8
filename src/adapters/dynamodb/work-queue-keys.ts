import { JobctlError } from '../../errors.ts';
import { QUEUE_NAME, type QueueSettings } from '../../ports/work-queue.ts';

/**
 * The state-table layout both work queues keep their truth in (`DynamoDbWorkQueue` all of it, `SqsWorkQueue` beside
 * SQS), and the checks both apply to names and settings.
 */
export function queuePartition(name: string): string {
  return `Queue#${name}`;
}

export function donePartition(name: string): string {
  return `QueueDone#${name}`;
}

export function deadPartition(name: string): string {
  return `QueueDead#${name}`;
}

export function itemSortKey(seq: number, id: string): string {
  return `item#${String(seq).padStart(12, '0')}#${id}`;
}

export function assertQueueName(name: string): void {
  if (!QUEUE_NAME.test(name)) {
    throw new JobctlError(
      'Validation',
      `work queue name "${name}": must be 1-63 lowercase letters, digits and '-', starting and ending with a letter ` +
        `or digit`,
    );
  }
}

export function assertSettings(name: string, s: QueueSettings): void {
  if (!Number.isInteger(s.maxReceiveCount) || s.maxReceiveCount < 1 || s.maxReceiveCount > 1000) {
    throw new JobctlError(
      'Validation',
      `work queue "${name}": maxReceiveCount: Invalid value: ${s.maxReceiveCount}: must be an integer 1-1000 (SQS ` +
        `redrive policy)`,
    );
  }
  if (!Number.isInteger(s.leaseSeconds) || s.leaseSeconds < 0 || s.leaseSeconds > 43_200) {
    throw new JobctlError(
      'Validation',
      `work queue "${name}": leaseSeconds: Invalid value: ${s.leaseSeconds}: must be an integer 0-43200 (SQS ` +
        `visibility timeout)`,
    );
  }
}

export function definedOnly(settings: Partial<QueueSettings>): Partial<QueueSettings> {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as Partial<QueueSettings>;
}
