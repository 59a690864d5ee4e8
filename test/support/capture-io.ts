import type { CliIo } from '../../src/cli/io.ts';

/** A `CliIo` that keeps what a command printed, for tests that run `runCli` in-process. */
export interface CapturedIo {
  readonly io: CliIo;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** The last code `setExitCode` was given (0 when none). */
  readonly exitCode: () => number;
}

export function captureIo(now: () => number = Date.now): CapturedIo {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  return {
    io: {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      now,
      setExitCode: (code) => {
        exitCode = code;
      },
    },
    stdout: () => stdout,
    stderr: () => stderr,
    exitCode: () => exitCode,
  };
}
