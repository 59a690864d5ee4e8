import { JobctlError, ValidationErrors } from '../../src/errors.ts';

/** The errors `work` reports, one line each as jobctl prints them (without "error: "); throws when there is none. */
export function errorsOf(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationErrors) return error.errors.map((e) => e.message);
    if (error instanceof JobctlError) return [error.message];
    throw error;
  }
  throw new Error('expected an error');
}
