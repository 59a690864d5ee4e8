import { processIo } from './io.ts';
import { runCli } from './program.ts';

const controller = new AbortController();
// `get --watch` and `logs -f` end on Ctrl-C; `up` installs its own handler for a clean shutdown.
if (process.argv[2] !== 'up') {
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
}
process.exitCode = await runCli(process.argv.slice(2), { io: processIo, signal: controller.signal });
