import type { LogSink } from '../../../src/ports/log-sink.ts';
import type { Pod } from '../../../src/spec/types.ts';

/**
 * In-memory {@link LogSink} that reads logs whole, as the CloudWatch Logs sink does (it has no positioned reads):
 * controllers get a sink that needs no directory, and `jobctl logs` tests write a pod's output with `write`.
 * Empty unless written to.
 */
export class FakeLogSink implements LogSink {
  /** `<namespace>/<name>` of every pod whose log was removed, in order. */
  readonly removed: string[] = [];
  private readonly texts = new Map<string, string>();
  private readonly followers = new Set<() => void>();

  /** Appends `text` to the pod's log; followers get it at once. */
  write(pod: Pod, text: string): void {
    const key = keyOf(pod);
    this.texts.set(key, (this.texts.get(key) ?? '') + text);
    for (const wake of this.followers) wake();
  }

  async read(pod: Pod): Promise<string> {
    return this.texts.get(keyOf(pod)) ?? '';
  }

  async follow(pod: Pod, onChunk: (text: string) => void, signal: AbortSignal): Promise<void> {
    let sent = 0;
    const send = () => {
      const text = this.texts.get(keyOf(pod)) ?? '';
      if (text.length > sent) onChunk(text.slice(sent));
      sent = text.length;
    };
    send();
    if (signal.aborted) return;
    this.followers.add(send);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    this.followers.delete(send);
  }

  async remove(pod: Pod): Promise<void> {
    this.texts.delete(keyOf(pod));
    this.removed.push(keyOf(pod));
  }
}

const keyOf = (pod: Pod) => `${pod.metadata.namespace}/${pod.metadata.name}`;
