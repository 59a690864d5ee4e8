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

const controller = new AbortController();
const signal = process.argv[2] === 'up' ? controller.signal : observedAbortSignal(controller);
process.exitCode = await runCli(process.argv.slice(2), { io: processIo, signal });
