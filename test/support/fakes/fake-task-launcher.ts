import type { TaskLauncher } from '../../../src/ports/task-launcher.ts';
import type { Pod } from '../../../src/spec/types.ts';

/** One call the fake received: the pod as passed (not a copy), and the time it arrived. */
export interface LauncherCall {
  op: 'launch' | 'stop';
  pod: Pod;
  /** The reason `stop` was given. */
  reason?: string;
  atMs: number;
}

export interface FakeTaskLauncherOptions {
  /** Stamps each call's `atMs`. @default Date.now */
  now?: () => number;
  /** What `stop` resolves. @default whether the pod was launched (it has a task that will report its exit) */
  stopResult?: boolean;
}

/**
 * In-memory {@link TaskLauncher} that runs nothing: controller and adapter tests see which pods were launched and
 * stopped, and make launches fail on demand, without processes or ECS.
 *
 * @example
 * const launcher = new FakeTaskLauncher({ stopResult: false });
 * launcher.failNext(new Error('process killed')); // the next launch only
 * launcher.failAlways(() => new TaskLaunchError('…', { retryable: false })); // every launch after the queued ones
 */
export class FakeTaskLauncher implements TaskLauncher {
  /** Every call, oldest first. */
  readonly calls: LauncherCall[] = [];
  /** Names of the pods launched without a failure, each once, in launch order. */
  readonly launched: string[] = [];
  /** Names of the pods `stop` was called for, in order. */
  readonly stopped: string[] = [];
  private readonly now: () => number;
  private readonly stopResult: boolean | undefined;
  private readonly queued: Error[] = [];
  private standing: (() => Error) | undefined;

  constructor(options: FakeTaskLauncherOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.stopResult = options.stopResult;
  }

  /** Pod names, one per `launch` call, failed or not. */
  get attempts(): string[] {
    return this.calls.filter((c) => c.op === 'launch').map((c) => c.pod.metadata.name);
  }

  /** Makes the next `launch` reject with `error`; queued errors are used in order, before the standing one. */
  failNext(error: Error): void {
    this.queued.push(error);
  }

  /** Makes every `launch` reject with a fresh `error()` (after the queued ones); `undefined` stops it. */
  failAlways(error: (() => Error) | undefined): void {
    this.standing = error;
  }

  async launch(pod: Pod): Promise<void> {
    this.calls.push({ op: 'launch', pod, atMs: this.now() });
    const failure = this.queued.shift() ?? this.standing?.();
    if (failure) throw failure;
    if (!this.launched.includes(pod.metadata.name)) this.launched.push(pod.metadata.name);
  }

  async stop(pod: Pod, reason: string): Promise<boolean> {
    this.calls.push({ op: 'stop', pod, reason, atMs: this.now() });
    this.stopped.push(pod.metadata.name);
    return this.stopResult ?? this.launched.includes(pod.metadata.name);
  }
}
