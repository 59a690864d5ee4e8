import { pathToFileURL } from 'node:url';
import { processIo } from './io.ts';
import { runCli } from './program.ts';

/**
 * Ctrl-C and SIGTERM. A command that observes the abort signal (`get --watch`, `logs -f`, `wait`, `worker`) ends
 * cleanly when it aborts; every other command (`apply`, `expand`, `delete`, …) keeps the default action, so the
 * process ends at once with 130 or 143 — even inside a synchronous Jinja2 render, which no handler could interrupt
 * (audit D9). So SIGINT/SIGTERM handlers are installed only when the command first listens to the signal. `up`
 * installs its own handler for a clean shutdown.
 */
function observedAbortSignal(controller: AbortController): AbortSignal {
  const signal = controller.signal;
  const addEventListener = signal.addEventListener.bind(signal);
  let installed = false;
  signal.addEventListener = ((
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: AddEventListenerOptions | boolean,
  ) => {
    if (type === 'abort' && !installed) {
      installed = true;
      process.once('SIGINT', () => controller.abort());
      process.once('SIGTERM', () => controller.abort());
    }
    addEventListener(type, listener, options);
  }) as AbortSignal['addEventListener'];
  return signal;
}

/**
 * Runs the command line of this process. Exported, not run on import: bin/jobctl.mjs loads the build while it checks
 * that the build is current, and runs it only then; run directly (`node dist/cli/…/cli.mjs`), the file runs itself.
 */
export async function main(): Promise<void> {
  // `jobctl get … | head`: the reader went away. kubectl (Go) then dies of SIGPIPE, silently, and the shell sees 141;
  // Node ignores SIGPIPE, so a write fails with EPIPE, which unhandled prints a stack trace. End as kubectl does.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(128 + 13);
    });
  const controller = new AbortController();
  const signal = process.argv[2] === 'up' ? controller.signal : observedAbortSignal(controller);
  process.exitCode = await runCli(process.argv.slice(2), { io: processIo, signal });
}

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) await main();
