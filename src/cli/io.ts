/**
 * What a command needs from the process, injected so commands run in-process in tests.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setExitCode(code: number): void;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  now: () => Date.now(),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};
