import { AlreadyExistsError, ConflictError, JobctlError, NotFoundError, ValidationErrors } from '../errors.ts';

/**
 * An API error as a `v1/Status`: kubectl prints `Error from server (<reason>): <message>`, or for `Invalid`
 * `The <Kind> "<name>" is invalid: <causes>` from `details`.
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * jobctl's domain errors as the API server's: the same messages the CLI prints, without its `Error from server`
 * prefix.
 */
export function statusOf(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message.replace(/^(error: |Error from server \(\w+\): )/, '') : '';
  if (error instanceof NotFoundError) return new ApiError(404, 'NotFound', message);
  if (error instanceof AlreadyExistsError) return new ApiError(409, 'AlreadyExists', message);
  if (error instanceof ConflictError) return new ApiError(409, 'Conflict', message);
  if (error instanceof ValidationErrors) return new ApiError(422, 'Invalid', message);
  if (error instanceof JobctlError) {
    switch (error.code) {
      case 'NotFound':
        return new ApiError(404, 'NotFound', message);
      case 'AlreadyExists':
        return new ApiError(409, 'AlreadyExists', message);
      case 'Conflict':
        return new ApiError(409, 'Conflict', message);
      case 'Validation':
      case 'UnsupportedField':
      case 'CronSyntax':
        return new ApiError(422, 'Invalid', message);
      default:
        return new ApiError(500, 'InternalError', message);
    }
  }
  return new ApiError(500, 'InternalError', `internal error: ${message || String(error)}`);
}
