import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogSink } from '../ports/log-sink.ts';
import type { Pod } from '../spec/types.ts';

/** Per-pod log files under `<dir>/<namespace>/<pod>.log`; the local runtime's stand-in for CloudWatch Logs. */
export class FileLogSink implements LogSink {
  constructor(
    private readonly dir: string,
    private readonly pollMs = 200,
  ) {}

  pathFor(namespace: string, podName: string): string {
    return join(this.dir, namespace, `${podName}.log`);
  }

  async ensureDir(namespace: string): Promise<void> {
    await mkdir(join(this.dir, namespace), { recursive: true });
  }

  async read(pod: Pod): Promise<string> {
    try {
      return await readFile(this.pathFor(pod.metadata.namespace, pod.metadata.name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
  }

  async follow(pod: Pod, onChunk: (text: string) => void, signal: AbortSignal): Promise<void> {
    const path = this.pathFor(pod.metadata.namespace, pod.metadata.name);
    let offset = 0;
    while (!signal.aborted) {
      const size = await stat(path).then((s) => s.size, () => 0);
      if (size > offset) {
        onChunk(await readRange(path, offset, size));
        offset = size;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, this.pollMs);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  async remove(pod: Pod): Promise<void> {
    await rm(this.pathFor(pod.metadata.namespace, pod.metadata.name), { force: true });
  }
}

function readRange(path: string, start: number, endExclusive: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    createReadStream(path, { start, end: endExclusive - 1 })
      .on('data', (c) => chunks.push(c as Buffer))
      .on('error', reject)
      .on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
