import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import type { LocalConnection } from '../../src/runtime/local/connect.ts';
import { LocalRuntime, type LocalRuntimeOptions } from '../../src/runtime/local/runtime.ts';
import { runCli } from '../../src/cli/program.ts';

/** Kubernetes' job-name suffix for a scheduled time: Unix minutes. */
export const unixMinutes = (iso: string): number => Math.floor(Date.parse(iso) / 60_000);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The embedded runtime on a manual clock in a temporary state directory, and `jobctl` commands run in-process
 * against it — a user's two terminals, with time under the test's control.
 */
export class RuntimeHarness {
  runtime!: LocalRuntime;
  readonly clock: ManualClock;
  /** How long (real time) `advance` and `jobctl` wait for the runtime to settle; bulk tests raise it. */
  settleTimeoutMs = 15_000;

  private constructor(
    readonly stateDir: string,
    startMs: number,
    private readonly options: Partial<LocalRuntimeOptions> = {},
  ) {
    this.clock = new ManualClock(startMs);
  }

  /** A runtime on a manual clock at `startIso`; `options` add to the runtime's (e.g. `notifyUrl`). */
  static async start(startIso: string, options: Partial<LocalRuntimeOptions> = {}): Promise<RuntimeHarness> {
    const dir = await mkdtemp(join(tmpdir(), 'jobctl-e2e-'));
    const h = new RuntimeHarness(dir, Date.parse(startIso), options);
    await h.up();
    return h;
  }

  /** Starts (or restarts) the runtime on the same state directory. */
  async up(): Promise<void> {
    this.runtime = new LocalRuntime({
      stateDir: this.stateDir,
      clock: this.clock,
      serveControl: false,
      resyncIntervalMs: 3_600_000,
      ...this.options,
    });
    await this.runtime.start();
  }

  async down(): Promise<void> {
    await this.runtime.stop();
  }

  async destroy(): Promise<void> {
    await this.runtime.stop();
    await rm(this.stateDir, { recursive: true, force: true });
  }

  /** Moves the clock and waits until the runtime has done everything that fell due (tasks included unless told). */
  async advance(ms: number, options: { tasks?: boolean } = {}): Promise<void> {
    const target = this.clock.now() + ms;
    // Step timer by timer so each wake-up's work (which may set new timers) settles before the next.
    for (;;) {
      await this.runtime.settle({ ...options, timeoutMs: this.settleTimeoutMs });
      const next = this.clock.nextTimerAtMs();
      if (next === undefined || next > target) break;
      this.clock.advanceTo(next);
    }
    this.clock.advanceTo(target);
    await this.runtime.settle({ ...options, timeoutMs: this.settleTimeoutMs });
  }

  /** Writes a manifest into the state directory (as a user saves a file) and returns its path. */
  async writeManifest(name: string, text: string): Promise<string> {
    const path = join(this.stateDir, `${name}.yaml`);
    await writeFile(path, text);
    return path;
  }

  /** The connection `jobctl` gives its commands, for tests that call a command's functions directly. */
  connection(): LocalConnection {
    return runtimeConnection(this.runtime, this.clock);
  }

  async jobctl(...argv: string[]): Promise<CliResult> {
    let stdout = '';
    let stderr = '';
    const connection = this.connection();
    const code = await runCli(argv, {
      io: {
        stdout: (s) => (stdout += s),
        stderr: (s) => (stderr += s),
        now: () => this.clock.now(),
        setExitCode: () => {},
      },
      env: { JOBCTL_STATE_DIR: this.stateDir },
      connect: async () => connection,
    });
    // The command's writes are acted on before the test looks again; long-running tasks are not waited for.
    await this.runtime.settle({ tasks: false, timeoutMs: this.settleTimeoutMs });
    return { code, stdout, stderr };
  }
}

/**
 * A connection to a running {@link LocalRuntime} in this process, as `connectLocal` gives one when `jobctl up` runs:
 * the runtime's own ports, and `notify` enqueues the changes straight into its controllers.
 */
export function runtimeConnection(runtime: LocalRuntime, clock: ManualClock, logsSettleMs = 300): LocalConnection {
  return {
    store: runtime.store,
    queues: runtime.queues,
    quotas: runtime.quotas,
    slots: runtime.slots,
    logs: runtime.logs,
    launcher: runtime.launcher,
    clock,
    isRuntimeRunning: true,
    logsSettleMs,
    notify: async (changes) => {
      for (const c of changes) runtime.enqueue(c);
    },
    close: async () => {},
  };
}
