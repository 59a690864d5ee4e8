/**
 * Domain errors. Adapters translate SDK and system errors into these, keeping the original as `cause`.
 * Message format: `<where>: <what> "<value>": <why or fix>`.
 */

export type ErrorCode =
  | 'Validation'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'UnsupportedField'
  | 'CronSyntax'
  | 'RuntimeNotRunning'
  | 'TaskLaunch';

export class JobctlError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = 'JobctlError';
  }
}

/** Bad user input in a manifest: names the file, the line and the field path. */
export class ValidationError extends JobctlError {
  readonly file: string;
  readonly line: number | undefined;
  readonly path: string;
  /** The bare reason, without the location prefix. */
  readonly detail: string;
  constructor(args: { file: string; line?: number; path: string; detail: string }, options?: ErrorOptions) {
    const where = args.line === undefined ? args.file : `${args.file}:${args.line}`;
    super('Validation', `${where} ${args.path}: ${args.detail}`, options);
    this.name = 'ValidationError';
    this.file = args.file;
    this.line = args.line;
    this.path = args.path;
    this.detail = args.detail;
  }
}

/** Several validation errors at once, so a user fixes a file in one pass. */
export class ValidationErrors extends JobctlError {
  readonly errors: ValidationError[];
  constructor(errors: ValidationError[]) {
    super('Validation', errors.map((e) => e.message).join('\n'));
    this.name = 'ValidationErrors';
    this.errors = errors;
  }
}

export class NotFoundError extends JobctlError {
  constructor(message: string, options?: ErrorOptions) {
    super('NotFound', message, options);
    this.name = 'NotFoundError';
  }
}

export class AlreadyExistsError extends JobctlError {
  constructor(message: string, options?: ErrorOptions) {
    super('AlreadyExists', message, options);
    this.name = 'AlreadyExistsError';
  }
}

/** An optimistic-concurrency write lost a race: re-read and decide again. */
export class ConflictError extends JobctlError {
  constructor(message: string, options?: ErrorOptions) {
    super('Conflict', message, options);
    this.name = 'ConflictError';
  }
}

/** A cron expression Kubernetes would reject; `field` names the cron field ("minute", "day of week", …). */
export class CronSyntaxError extends JobctlError {
  readonly field: string | undefined;
  constructor(message: string, field?: string, options?: ErrorOptions) {
    super('CronSyntax', message, options);
    this.name = 'CronSyntaxError';
    this.field = field;
  }
}

export class RuntimeNotRunningError extends JobctlError {
  constructor(message: string, options?: ErrorOptions) {
    super('RuntimeNotRunning', message, options);
    this.name = 'RuntimeNotRunningError';
  }
}

/** A task could not be started; `retryable` says whether trying again later can succeed (capacity, throttling). */
export class TaskLaunchError<F = unknown> extends JobctlError {
  readonly retryable: boolean;
  /** The launcher's own failure records (ECS RunTask `failures[]`), when that is how it answered. */
  readonly failures: readonly F[];
  constructor(message: string, args: { retryable: boolean; failures?: readonly F[] }, options?: ErrorOptions) {
    super('TaskLaunch', message, options);
    this.name = 'TaskLaunchError';
    this.retryable = args.retryable;
    this.failures = args.failures ?? [];
  }
}

/**
 * A stored item the store cannot read as the object it should hold (audit D8): `get` and `update` throw it, naming
 * the item's key; the lists skip such items and report them. The item can still be deleted.
 */
export class UnreadableItemError extends JobctlError {
  readonly key: { PK: string; SK: string };
  constructor(message: string, key: { PK: string; SK: string }) {
    super('Validation', message);
    this.name = 'UnreadableItemError';
    this.key = key;
  }
}

/** Exhaustiveness check for `switch` over closed unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
