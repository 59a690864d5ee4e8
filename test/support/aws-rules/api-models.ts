/**
 * Validates the AWS requests our handlers make in tests against AWS's own published API models, so that a mock cannot
 * agree with our own mistake. Two layers:
 *
 * 1. The model (botocore's `service-2.json`, vendored and stripped in `./models/`, see `./models/SOURCE.md`): the
 *    operation exists; botocore's `required`; no member the model does not know (`unknown-member`: the SDK would drop
 *    or AWS would reject it, and either way our code believes it sent something it did not); types; `enum`; `min` /
 *    `max`; `pattern`; unions — recursively through structures, lists and maps.
 * 2. Rules that live only in the API reference or the developer guides ({@link docRules}), each a small function with
 *    an id (the violation's rule is `doc:<id>`), the documentation URL and the documentation's sentence, quoted.
 *
 * How the model's traits are read (botocore's validator, `botocore/validate.py`, and the Smithy traits they come from):
 * - `min`/`max` are Smithy's `@length` on strings (length in Unicode code points: Python's `len(str)`, not UTF-16
 *   units), blobs (bytes), lists (elements) and maps (entries), and Smithy's `@range` on numbers (inclusive). botocore
 *   itself checks only `min`; we check both, since AWS enforces both server side.
 * - `pattern` is Smithy's `@pattern`: an ECMA-262 regular expression, **not** implicitly anchored. It is compiled with
 *   the `u` flag (the models use `\p{L}`-style classes and surrogate-pair ranges that only mean what the model means in
 *   Unicode mode). One that cannot be compiled is not silently passed: it is listed in {@link unsupportedPatterns} and
 *   a test asserts which ones are reachable from the operations jobctl uses.
 * - `enum` is checked strictly (botocore does not, so that old clients keep working when AWS adds values; for our own
 *   requests a value outside the enum is a bug either way).
 * - Types, as the AWS SDK for JavaScript v3 takes them: string; integer/long (a number with an integer value; integer
 *   within 32 bits); float/double (a number); boolean; timestamp (a valid `Date`); blob (`Uint8Array` or string);
 *   list (array); map and structure (plain objects). `undefined` is "not set" everywhere (the SDK omits it); `null` is
 *   a `type` violation (the SDK would serialize it).
 * - Unions: botocore's `union: true`, plus {@link IMPLIED_UNIONS} (DynamoDB's AttributeValue is a Smithy `@union` —
 *   the SDK's schema marks it as one and its TypeScript type is a union — but botocore 1.37.9's JSON lacks the trait):
 *   exactly one member set.
 */
import { readFileSync } from 'node:fs';
import type { RecordedRequest } from './recorded-request.ts';

export type Rule =
  | 'required'
  | 'type'
  | 'enum'
  | 'min'
  | 'max'
  | 'pattern'
  | 'unknown-member'
  | 'unknown-operation'
  | 'union'
  | `doc:${string}`;

export interface Violation {
  service: string;
  operation: string;
  /**
   * Where in the input, e.g. `overrides.containerOverrides[0].command[2]`, `Item.PK.S`,
   * `ExpressionAttributeValues[":v"]`; `''` for the input itself.
   */
  path: string;
  rule: Rule;
  message: string;
  /** The documentation URL, for `doc:` rules (and implied unions). */
  source?: string;
}

export interface ValidateOptions {
  /**
   * Names of the DynamoDB global secondary indexes the requests may use. A request alone does not tell a GSI from a
   * local secondary index; jobctl's table has two GSIs and no LSI.
   * @default JOBCTL_GLOBAL_SECONDARY_INDEXES
   */
  globalSecondaryIndexes?: Iterable<string>;
}

/** jobctl's state table's indexes (`src/adapters/dynamodb/state-table.ts`): both global. */
export const JOBCTL_GLOBAL_SECONDARY_INDEXES: readonly string[] = ['GSI1', 'GSI2'];

// ---------------------------------------------------------------------------------------------------------------------
// The models

interface ShapeRef {
  shape: string;
  location?: string;
  locationName?: string;
  hostLabel?: boolean;
  idempotencyToken?: boolean;
}

interface Shape {
  type:
    | 'structure'
    | 'list'
    | 'map'
    | 'string'
    | 'integer'
    | 'long'
    | 'float'
    | 'double'
    | 'boolean'
    | 'timestamp'
    | 'blob';
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  union?: boolean;
  document?: boolean;
}

interface ApiModel {
  metadata: { apiVersion: string; protocol: string; serviceId: string };
  operations: Record<string, { name: string; input?: ShapeRef; output?: ShapeRef }>;
  shapes: Record<string, Shape>;
}

/**
 * The services vendored in `./models/` (the API model's service names, as {@link RecordedRequest.service} has them).
 */
export const MODEL_SERVICES = [
  'dynamodb',
  'ecs',
  'scheduler',
  'sqs',
  'logs',
  'lambda',
  'cloudformation',
  'events',
] as const;

const models = new Map<string, ApiModel>(
  MODEL_SERVICES.map((service) => [
    service,
    JSON.parse(readFileSync(new URL(`./models/${service}.json`, import.meta.url), 'utf8')) as ApiModel,
  ]),
);

/**
 * Structures that are Smithy `@union`s although the vendored botocore JSON does not say so: service → shape → why.
 * The AWS SDK for JavaScript v3 (3.1169) schema encodes `AttributeValue` as a union (schema kind 4) and types it as
 * one.
 */
const IMPLIED_UNIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // "Represents the data for an attribute. Each attribute value is described as a name-value pair. The name is the
  // data type, and the value is the data itself."
  dynamodb: {
    AttributeValue: 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html',
  },
};

/** `service#Shape` → the compiled pattern (`null` when it cannot be compiled). */
const patterns = new Map<string, RegExp | null>();
const unsupported = new Map<string, { pattern: string; error: string }>();
for (const [service, model] of models) {
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (shape.pattern === undefined) continue;
    const id = `${service}#${name}`;
    try {
      patterns.set(id, new RegExp(shape.pattern, 'u'));
    } catch (error) {
      patterns.set(id, null);
      unsupported.set(id, { pattern: shape.pattern, error: (error as Error).message });
    }
  }
}

/**
 * Shapes (`service#Shape`) whose `pattern` JavaScript cannot compile (with the `u` flag): their values are not checked
 * against the pattern. {@link unsupportedPatternDetails} has each pattern and the compiler's error.
 */
export const unsupportedPatterns: ReadonlySet<string> = new Set(unsupported.keys());
export const unsupportedPatternDetails: ReadonlyMap<string, { pattern: string; error: string }> = unsupported;

/** Every shape (`service#Shape`) reachable from the inputs of `operations` of `service`. */
export function shapesReachableFrom(service: string, operations: Iterable<string>): Set<string> {
  const model = models.get(service);
  if (model === undefined) throw new Error(`no API model for service ${service}`);
  const seen = new Set<string>();
  const pending: string[] = [];
  const add = (ref: ShapeRef | undefined): void => {
    if (ref !== undefined && !seen.has(ref.shape)) {
      seen.add(ref.shape);
      pending.push(ref.shape);
    }
  };
  for (const operation of operations) {
    const op = model.operations[operation];
    if (op === undefined) throw new Error(`${service} has no operation ${operation}`);
    add(op.input);
  }
  while (pending.length > 0) {
    const shape = model.shapes[pending.pop()!]!;
    for (const ref of Object.values(shape.members ?? {})) add(ref);
    add(shape.member);
    add(shape.key);
    add(shape.value);
  }
  return new Set([...seen].map((name) => `${service}#${name}`));
}

// ---------------------------------------------------------------------------------------------------------------------
// Model checks

interface Walk {
  service: string;
  operation: string;
  model: ApiModel;
  out: Violation[];
}

function report(walk: Walk, path: string, rule: Rule, message: string, source?: string): void {
  walk.out.push({
    service: walk.service,
    operation: walk.operation,
    path,
    rule,
    message,
    ...(source === undefined ? {} : { source }),
  });
}

function memberPath(path: string, member: string): string {
  return path === '' ? member : `${path}.${member}`;
}

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? memberPath(path, key) : `${path}[${JSON.stringify(key)}]`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof Map) &&
    !(value instanceof Set)
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (value instanceof Uint8Array) return 'a Uint8Array';
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `${typeof value} ${String(value)}`;
  return typeof value;
}

/** Length in Unicode code points (Smithy's string length; Python's `len`). */
function codePoints(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

function checkRange(walk: Walk, shapeName: string, shape: Shape, path: string, measured: number, what: string): void {
  if (shape.min !== undefined && measured < shape.min)
    report(walk, path, 'min', `${what} ${measured} is below ${shapeName}'s min ${shape.min}`);
  if (shape.max !== undefined && measured > shape.max)
    report(walk, path, 'max', `${what} ${measured} is above ${shapeName}'s max ${shape.max}`);
}

function checkValue(walk: Walk, ref: ShapeRef, value: unknown, path: string): void {
  const shape = walk.model.shapes[ref.shape];
  if (shape === undefined) throw new Error(`${walk.service} model: no shape ${ref.shape}`);
  if (value === null) {
    report(
      walk,
      path,
      'type',
      `null for ${ref.shape} (${shape.type}): the SDK would send null; leave the member undefined to omit it`,
    );
    return;
  }
  if (value === undefined) {
    report(walk, path, 'type', `undefined element for ${ref.shape} (${shape.type})`);
    return;
  }
  if (shape.document) return;
  switch (shape.type) {
    case 'structure':
      checkStructure(walk, ref.shape, shape, value, path);
      return;
    case 'list':
      if (!Array.isArray(value)) {
        report(walk, path, 'type', `expected a list (${ref.shape}), got ${describe(value)}`);
        return;
      }
      checkRange(walk, ref.shape, shape, path, value.length, 'list length');
      value.forEach((element, index) => {
        checkValue(walk, shape.member!, element, `${path}[${index}]`);
      });
      return;
    case 'map': {
      if (!isRecord(value)) {
        report(walk, path, 'type', `expected a map (${ref.shape}) as a plain object, got ${describe(value)}`);
        return;
      }
      const entries = Object.entries(value).filter(([, v]) => v !== undefined);
      checkRange(walk, ref.shape, shape, path, entries.length, 'map size');
      for (const [key, entry] of entries) {
        const at = keyPath(path, key);
        const before = walk.out.length;
        checkValue(walk, shape.key!, key, at);
        for (const violation of walk.out.slice(before)) violation.message = `map key: ${violation.message}`;
        checkValue(walk, shape.value!, entry, at);
      }
      return;
    }
    case 'string':
      if (typeof value !== 'string') {
        report(walk, path, 'type', `expected a string (${ref.shape}), got ${describe(value)}`);
        return;
      }
      checkString(walk, ref, shape, value, path);
      return;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        report(walk, path, 'type', `expected an ${shape.type} (${ref.shape}), got ${describe(value)}`);
        return;
      }
      if (shape.type === 'integer' && (value < -2147483648 || value > 2147483647)) {
        report(walk, path, 'type', `${value} does not fit ${ref.shape}, a 32-bit integer`);
        return;
      }
      checkRange(walk, ref.shape, shape, path, value, 'value');
      return;
    case 'float':
    case 'double':
      if (typeof value !== 'number') {
        report(walk, path, 'type', `expected a ${shape.type} (${ref.shape}), got ${describe(value)}`);
        return;
      }
      checkRange(walk, ref.shape, shape, path, value, 'value');
      return;
    case 'boolean':
      if (typeof value !== 'boolean')
        report(walk, path, 'type', `expected a boolean (${ref.shape}), got ${describe(value)}`);
      return;
    case 'timestamp':
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
        report(
          walk,
          path,
          'type',
          `expected a timestamp (${ref.shape}) as a valid Date, got ` +
            `${value instanceof Date ? 'an invalid Date' : describe(value)}`,
        );
      }
      return;
    case 'blob': {
      if (!(value instanceof Uint8Array) && typeof value !== 'string') {
        report(walk, path, 'type', `expected a blob (${ref.shape}) as a Uint8Array or string, got ${describe(value)}`);
        return;
      }
      checkRange(
        walk,
        ref.shape,
        shape,
        path,
        typeof value === 'string' ? utf8Bytes(value) : value.byteLength,
        'blob size in bytes',
      );
      return;
    }
    default:
      throw new Error(
        `${walk.service} model: ${ref.shape} has unknown type ${String((shape as { type: unknown }).type)}`,
      );
  }
}

function checkString(walk: Walk, ref: ShapeRef, shape: Shape, value: string, path: string): void {
  if (shape.enum !== undefined && !shape.enum.includes(value)) {
    report(
      walk,
      path,
      'enum',
      `${JSON.stringify(value)} is not one of ${ref.shape}'s values: ${shape.enum.join(', ')}`,
    );
  }
  checkRange(walk, ref.shape, shape, path, codePoints(value), 'length');
  // A member bound to the URI path (rest-json) or the host must not be empty: the SDK refuses to build the request.
  if ((ref.location === 'uri' || ref.hostLabel) && value === '' && !(shape.min !== undefined && shape.min > 0)) {
    report(
      walk,
      path,
      'min',
      `${ref.shape} is bound to the request ${ref.location === 'uri' ? 'URI' : 'host'}: it must not be empty`,
    );
  }
  if (shape.pattern !== undefined) {
    const compiled = patterns.get(`${walk.service}#${ref.shape}`);
    // null: listed in unsupportedPatterns (asserted by a test), not silently taken as a pass.
    if (compiled && !compiled.test(value)) {
      report(walk, path, 'pattern', `${describe(value)} does not match ${ref.shape}'s pattern ${shape.pattern}`);
    }
  }
}

function checkStructure(walk: Walk, shapeName: string, shape: Shape, value: unknown, path: string): void {
  if (!isRecord(value)) {
    report(walk, path, 'type', `expected a structure (${shapeName}) as a plain object, got ${describe(value)}`);
    return;
  }
  const members = shape.members ?? {};
  const set = Object.keys(value).filter((key) => value[key] !== undefined);
  const impliedUnion = IMPLIED_UNIONS[walk.service]?.[shapeName];
  if (shape.union || impliedUnion !== undefined) {
    const known = set.filter((key) => key in members);
    if (known.length !== 1) {
      report(
        walk,
        path,
        'union',
        known.length === 0
          ? `${shapeName} is a union: exactly one member must be set, none is`
          : `${shapeName} is a union: exactly one member must be set, got ${known.join(', ')}`,
        impliedUnion,
      );
    }
  }
  for (const required of shape.required ?? []) {
    if (value[required] === undefined)
      report(walk, memberPath(path, required), 'required', `${shapeName} requires ${required}`);
  }
  for (const key of set) {
    const ref = members[key];
    if (ref === undefined) {
      const near = Object.keys(members).find((member) => member.toLowerCase() === key.toLowerCase());
      report(
        walk,
        memberPath(path, key),
        'unknown-member',
        `${shapeName} has no member ${key}${near === undefined ? '' : ` (did you mean ${near}?)`}`,
      );
      continue;
    }
    checkValue(walk, ref, value[key], memberPath(path, key));
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Documentation rules

type Input = Record<string, unknown>;

export interface DocFinding {
  path: string;
  message: string;
}

export interface DocRule {
  /** The violation's rule is `doc:<id>`. */
  readonly id: string;
  readonly service: string;
  readonly operations: readonly string[];
  /** Where AWS documents it. */
  readonly source: string;
  /** The documentation's sentence(s), verbatim. */
  readonly quote: string;
  check(input: Input, operation: string, context: DocContext): DocFinding[];
}

export interface DocContext {
  globalSecondaryIndexes: ReadonlySet<string>;
}

const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const record = (value: unknown): Input => (isRecord(value) ? value : {});

function intRange(path: string, value: unknown, min: number, max: number, what: string): DocFinding[] {
  if (!isInt(value) || (value >= min && value <= max)) return [];
  return [{ path, message: `${what} ${value} is outside ${min}–${max}` }];
}

const ECS_API = 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference';
const SCHEDULER_API = 'https://docs.aws.amazon.com/scheduler/latest/APIReference';
const DYNAMODB_API = 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference';
const SQS_API = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference';

/** ECS `startedBy`: the documented characters, and at most `max` of them. */
function startedByFindings(value: unknown, max: number): DocFinding[] {
  if (typeof value !== 'string') return [];
  const findings: DocFinding[] = [];
  if (value.length > max)
    findings.push({ path: 'startedBy', message: `startedBy has ${value.length} characters, more than ${max}` });
  const bad = value.replace(/[A-Za-z0-9/_-]/g, '');
  if (bad !== '')
    findings.push({
      path: 'startedBy',
      message:
        `startedBy has characters outside letters, numbers, -, / and _: ` +
        `${JSON.stringify([...new Set(bad)].join(''))}`,
    });
  return findings;
}

/** The size of a DynamoDB attribute value by the developer guide's rules (numbers: "approximately"). */
function attributeValueSize(value: unknown): number {
  const av = record(value);
  if (typeof av.S === 'string') return utf8Bytes(av.S);
  if (typeof av.N === 'string') return numberSize(av.N);
  if (av.B instanceof Uint8Array) return av.B.byteLength;
  if (typeof av.B === 'string') return utf8Bytes(av.B);
  if (av.BOOL !== undefined || av.NULL !== undefined) return 1;
  if (Array.isArray(av.SS))
    return av.SS.reduce((sum: number, s) => sum + (typeof s === 'string' ? utf8Bytes(s) : 0), 0);
  if (Array.isArray(av.NS))
    return av.NS.reduce((sum: number, n) => sum + (typeof n === 'string' ? numberSize(n) : 0), 0);
  if (Array.isArray(av.BS))
    return av.BS.reduce(
      (sum: number, b) => sum + (b instanceof Uint8Array ? b.byteLength : typeof b === 'string' ? utf8Bytes(b) : 0),
      0,
    );
  if (Array.isArray(av.L)) return 3 + av.L.reduce((sum: number, element) => sum + 1 + attributeValueSize(element), 0);
  if (isRecord(av.M))
    return (
      3 +
      Object.entries(av.M).reduce((sum, [name, element]) => sum + 1 + utf8Bytes(name) + attributeValueSize(element), 0)
    );
  return 0;
}

function numberSize(n: string): number {
  const digits = n
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
}

function itemSize(item: unknown): number {
  return Object.entries(record(item)).reduce(
    (sum, [name, value]) => sum + utf8Bytes(name) + attributeValueSize(value),
    0,
  );
}

const MAX_ITEM_BYTES = 400 * 1024;

/** SQS message size: the body plus every part of every message attribute (name, type, value), in bytes. */
function sqsMessageBytes(entry: Input): number {
  let bytes = typeof entry.MessageBody === 'string' ? utf8Bytes(entry.MessageBody) : 0;
  for (const [name, raw] of Object.entries(record(entry.MessageAttributes))) {
    const attribute = record(raw);
    bytes += utf8Bytes(name) + (typeof attribute.DataType === 'string' ? utf8Bytes(attribute.DataType) : 0);
    if (typeof attribute.StringValue === 'string') bytes += utf8Bytes(attribute.StringValue);
    if (attribute.BinaryValue instanceof Uint8Array) bytes += attribute.BinaryValue.byteLength;
    else if (typeof attribute.BinaryValue === 'string') bytes += utf8Bytes(attribute.BinaryValue);
  }
  return bytes;
}

const SQS_MAX_MESSAGE_BYTES = 1_048_576;

function sqsBatchRule(
  operation: 'SendMessageBatch' | 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch',
  quote: string,
): DocRule {
  return {
    id: `sqs-${operation.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? '' : '-') + c.toLowerCase())}-entries`,
    service: 'sqs',
    operations: [operation],
    source: `${SQS_API}/API_${operation}.html`,
    quote,
    check(input) {
      if (!Array.isArray(input.Entries)) return [];
      const n = input.Entries.length;
      if (n === 0) return [{ path: 'Entries', message: `${operation} with no entries (EmptyBatchRequest)` }];
      return n > 10
        ? [{ path: 'Entries', message: `${operation} with ${n} entries, more than 10 (TooManyEntriesInBatchRequest)` }]
        : [];
    },
  };
}

/**
 * Rules the models do not carry. Limits the vendored model already enforces are not repeated (noted beside the rule
 * that would otherwise hold them).
 */
export const docRules: readonly DocRule[] = [
  // ---- ECS ---------------------------------------------------------------------------------------------------------
  {
    id: 'ecs-list-tasks-started-by-alone',
    service: 'ecs',
    operations: ['ListTasks'],
    source: `${ECS_API}/API_ListTasks.html#ECS-ListTasks-request-startedBy`,
    quote: 'When you specify startedBy as the filter, it must be the only filter that you use.',
    // The filters: each of these members' documentation says it filters ("to use when filtering the ListTasks
    // results"). `cluster` is read as the scope, not a filter: it is always in effect ("If you do not specify a
    // cluster, the default cluster is assumed"), so it cannot be what startedBy must exclude. maxResults and nextToken
    // page, they do not filter.
    check(input) {
      if (input.startedBy === undefined) return [];
      const others = ['containerInstance', 'family', 'serviceName', 'desiredStatus', 'launchType'].filter(
        (filter) => input[filter] !== undefined,
      );
      return others.length === 0
        ? []
        : [{ path: 'startedBy', message: `ListTasks filters by startedBy together with ${others.join(', ')}` }];
    },
  },
  {
    id: 'ecs-overrides-8192-characters',
    service: 'ecs',
    operations: ['RunTask', 'StartTask'],
    source: `${ECS_API}/API_RunTask.html#ECS-RunTask-request-overrides`,
    quote:
      'A total of 8192 characters are allowed for overrides. This limit includes the JSON formatting characters of ' +
      'the override structure.',
    check(input) {
      if (input.overrides === undefined) return [];
      const characters = JSON.stringify(input.overrides).length;
      return characters > 8192
        ? [{ path: 'overrides', message: `overrides is ${characters} characters of JSON, more than 8192` }]
        : [];
    },
  },
  {
    id: 'ecs-run-task-started-by',
    service: 'ecs',
    operations: ['RunTask'],
    source: `${ECS_API}/API_RunTask.html#ECS-RunTask-request-startedBy`,
    quote:
      'Up to 128 letters (uppercase and lowercase), numbers, hyphens (-), forward slash (/), and underscores (_) are ' +
      'allowed.',
    check: (input) => startedByFindings(input.startedBy, 128),
  },
  {
    // StartTask's limit is not RunTask's: the same sentence says 36 there.
    id: 'ecs-start-task-started-by',
    service: 'ecs',
    operations: ['StartTask'],
    source: `${ECS_API}/API_StartTask.html#ECS-StartTask-request-startedBy`,
    quote:
      'Up to 36 letters (uppercase and lowercase), numbers, hyphens (-), forward slash (/), and underscores (_) are ' +
      'allowed.',
    check: (input) => startedByFindings(input.startedBy, 36),
  },
  {
    // The lower bound is implied (a number of instantiations to place); the model's BoxedInteger has no range.
    id: 'ecs-run-task-count',
    service: 'ecs',
    operations: ['RunTask'],
    source: `${ECS_API}/API_RunTask.html#ECS-RunTask-request-count`,
    quote: 'You can specify up to 10 tasks for each call.',
    check: (input) => intRange('count', input.count, 1, 10, 'count'),
  },
  {
    id: 'ecs-run-task-client-token',
    service: 'ecs',
    operations: ['RunTask'],
    source: `${ECS_API}/API_RunTask.html#ECS-RunTask-request-clientToken`,
    quote: 'Up to 64 characters are allowed. The valid characters are characters in the range of 33-126, inclusive.',
    check(input) {
      const token = input.clientToken;
      if (typeof token !== 'string') return [];
      const findings: DocFinding[] = [];
      if (token.length > 64)
        findings.push({ path: 'clientToken', message: `clientToken has ${token.length} characters, more than 64` });
      const bad = [...token].filter((c) => c.codePointAt(0)! < 33 || c.codePointAt(0)! > 126);
      if (bad.length > 0)
        findings.push({
          path: 'clientToken',
          message: `clientToken has characters outside 33–126: ${JSON.stringify([...new Set(bad)].join(''))}`,
        });
      return findings;
    },
  },
  {
    id: 'ecs-task-group-255-characters',
    service: 'ecs',
    operations: ['RunTask', 'StartTask'],
    source: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-groups.html',
    quote: 'A task group name must be 255 or fewer characters.',
    check: (input) =>
      typeof input.group === 'string' && input.group.length > 255
        ? [{ path: 'group', message: `group has ${input.group.length} characters, more than 255` }]
        : [],
  },
  {
    // The tag limits the same page lists (50 tags, keys 1–128, values 0–256 characters) are in the model (Tags,
    // TagKey, TagValue: min/max and a pattern): not repeated here.
    id: 'ecs-tags-no-aws-prefix',
    service: 'ecs',
    operations: ['RunTask', 'StartTask', 'RegisterTaskDefinition', 'TagResource'],
    source: `${ECS_API}/API_Tag.html`,
    quote:
      'Do not use aws:, AWS:, or any upper or lowercase combination of such as a prefix for either keys or values as ' +
      'it is reserved for Amazon Web Services use.',
    check(input) {
      return list(input.tags).flatMap((raw, index) => {
        const tag = record(raw);
        return (['key', 'value'] as const).flatMap((part) => {
          const text = tag[part];
          return typeof text === 'string' && text.toLowerCase().startsWith('aws:')
            ? [{ path: `tags[${index}].${part}`, message: `tag ${part} ${JSON.stringify(text)} starts with aws:` }]
            : [];
        });
      });
    },
  },
  {
    // The current API reference (and the 1.37.9 model) no longer states the limit; the sentence is the API
    // reference's as published in the SDK for Ruby v2 reference. jobctl cuts reasons to 255 (MAX_STOP_REASON_CHARS).
    id: 'ecs-stop-task-reason-255-characters',
    service: 'ecs',
    operations: ['StopTask'],
    source: 'https://docs.aws.amazon.com/sdk-for-ruby/v2/api/Aws/ECS/Types/StopTaskRequest.html',
    quote: 'Up to 255 characters are allowed in this message.',
    check: (input) =>
      typeof input.reason === 'string' && input.reason.length > 255
        ? [{ path: 'reason', message: `reason has ${input.reason.length} characters, more than 255` }]
        : [],
  },
  {
    id: 'ecs-describe-tasks-100',
    service: 'ecs',
    operations: ['DescribeTasks'],
    source: `${ECS_API}/API_DescribeTasks.html#ECS-DescribeTasks-request-tasks`,
    quote: 'A list of up to 100 task IDs or full ARN entries.',
    check: (input) =>
      Array.isArray(input.tasks) && input.tasks.length > 100
        ? [{ path: 'tasks', message: `${input.tasks.length} tasks, more than 100` }]
        : [],
  },

  // ---- EventBridge Scheduler ---------------------------------------------------------------------------------------
  // Not encoded: MaximumWindowInMinutes with Mode OFF (no documentation says it is rejected), and a size for
  // Target.Input (the API reference gives only the model's min 1; the quotas page lists none).
  {
    id: 'scheduler-schedule-expression',
    service: 'scheduler',
    operations: ['CreateSchedule', 'UpdateSchedule'],
    source: `${SCHEDULER_API}/API_CreateSchedule.html#scheduler-CreateSchedule-request-ScheduleExpression`,
    quote:
      'The following formats are supported. at expression - at(yyyy-mm-ddThh:mm:ss) rate expression - rate(value ' +
      'unit) cron expression - cron(fields) ' +
      '[…] A cron expression consists of six fields separated by white spaces: (minutes hours day_of_month month ' +
      'day_of_week year). ' +
      'A rate expression consists of a value as a positive integer, and a unit with the following options: minute | ' +
      'minutes | hour | hours | day | days',
    check(input) {
      const expression = input.ScheduleExpression;
      if (typeof expression !== 'string') return [];
      const problem = scheduleExpressionProblem(expression);
      return problem === undefined
        ? []
        : [{ path: 'ScheduleExpression', message: `${JSON.stringify(expression)}: ${problem}` }];
    },
  },
  {
    id: 'scheduler-flexible-window-needs-maximum',
    service: 'scheduler',
    operations: ['CreateSchedule', 'UpdateSchedule'],
    source: 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-flexible-time-windows.html',
    quote:
      'If you do set the value to FLEXIBLE, you must then specify a maximum window of time during which you schedule ' +
      'will run.',
    check(input) {
      const window = record(input.FlexibleTimeWindow);
      return window.Mode === 'FLEXIBLE' && window.MaximumWindowInMinutes === undefined
        ? [
            {
              path: 'FlexibleTimeWindow.MaximumWindowInMinutes',
              message: 'Mode FLEXIBLE without MaximumWindowInMinutes',
            },
          ]
        : [];
    },
  },

  // ---- DynamoDB ----------------------------------------------------------------------------------------------------
  {
    // The model holds the per-table part (WriteRequests max 25) and at most 25 tables (the map's max); the total
    // across tables is only in the documentation.
    id: 'dynamodb-batch-write-25-requests',
    service: 'dynamodb',
    operations: ['BatchWriteItem'],
    source: `${DYNAMODB_API}/API_BatchWriteItem.html`,
    quote:
      'A single call to BatchWriteItem can transmit up to 16MB of data over the network, consisting of up to 25 item ' +
      'put or delete operations.',
    check(input) {
      const total = Object.values(record(input.RequestItems)).reduce(
        (sum: number, requests) => sum + list(requests).length,
        0,
      );
      return total > 25
        ? [{ path: 'RequestItems', message: `${total} put or delete requests in total, more than 25` }]
        : [];
    },
  },
  {
    id: 'dynamodb-query-consistent-read-gsi',
    service: 'dynamodb',
    operations: ['Query'],
    source: `${DYNAMODB_API}/API_Query.html#DDB-Query-request-ConsistentRead`,
    quote:
      'Strongly consistent reads are not supported on global secondary indexes. If you query a global secondary ' +
      'index with ConsistentRead set to true, you will receive a ValidationException.',
    check: (input, _operation, context) => consistentReadOnGsi(input, context),
  },
  {
    id: 'dynamodb-scan-consistent-read-gsi',
    service: 'dynamodb',
    operations: ['Scan'],
    source: `${DYNAMODB_API}/API_Scan.html#DDB-Scan-request-ConsistentRead`,
    quote:
      'The ConsistentRead parameter is not supported on global secondary indexes. If you scan a global secondary ' +
      'index with ConsistentRead set to true, you will receive a ValidationException.',
    check: (input, _operation, context) => consistentReadOnGsi(input, context),
  },
  {
    // Sizes by https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
    // (names and strings in UTF-8 bytes, binary in raw bytes, numbers ≈ 1 byte per two significant digits + 1,
    // null/Boolean 1, List/Map 3 + 1 per element). Only puts: an update's resulting size depends on the stored item.
    id: 'dynamodb-item-400-kb',
    service: 'dynamodb',
    operations: ['PutItem', 'BatchWriteItem', 'TransactWriteItems'],
    source: `${DYNAMODB_API}/API_BatchWriteItem.html`,
    quote:
      "While individual items can be up to 400 KB once stored, it's important to note that an item's representation " +
      "might be greater than 400KB while being sent in DynamoDB's JSON format for the API call.",
    check(input, operation) {
      const items: Array<[string, unknown]> = [];
      if (operation === 'PutItem') items.push(['Item', input.Item]);
      if (operation === 'BatchWriteItem') {
        for (const [table, requests] of Object.entries(record(input.RequestItems))) {
          list(requests).forEach((request, index) => {
            const put = record(record(request).PutRequest);
            if (put.Item !== undefined)
              items.push([`${keyPath('RequestItems', table)}[${index}].PutRequest.Item`, put.Item]);
          });
        }
      }
      if (operation === 'TransactWriteItems') {
        list(input.TransactItems).forEach((raw, index) => {
          const put = record(record(raw).Put);
          if (put.Item !== undefined) items.push([`TransactItems[${index}].Put.Item`, put.Item]);
        });
      }
      return items.flatMap(([path, item]) => {
        const bytes = itemSize(item);
        return bytes > MAX_ITEM_BYTES
          ? [{ path, message: `item is about ${bytes} bytes, more than 400 KB (${MAX_ITEM_BYTES})` }]
          : [];
      });
    },
  },

  // ---- SQS (the model carries none of these limits) ----------------------------------------------------------------
  sqsBatchRule(
    'SendMessageBatch',
    'You can use SendMessageBatch to send up to 10 messages to the specified queue […] EmptyBatchRequest: The batch ' +
      "request doesn't contain any entries.",
  ),
  sqsBatchRule(
    'DeleteMessageBatch',
    "Deletes up to ten messages from the specified queue. […] EmptyBatchRequest: The batch request doesn't contain " +
      'any entries.',
  ),
  sqsBatchRule(
    'ChangeMessageVisibilityBatch',
    'You can send up to 10 ChangeMessageVisibility requests with each ChangeMessageVisibilityBatch action. […] ' +
      "EmptyBatchRequest: The batch request doesn't contain any entries.",
  ),
  {
    id: 'sqs-batch-ids-unique',
    service: 'sqs',
    operations: ['SendMessageBatch', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch'],
    source: `${SQS_API}/API_SendMessageBatchRequestEntry.html`,
    quote: 'The Ids of a batch request need to be unique within a request.',
    check(input) {
      const seen = new Map<string, number>();
      return list(input.Entries).flatMap((raw, index) => {
        const id = record(raw).Id;
        if (typeof id !== 'string') return [];
        const first = seen.get(id);
        if (first === undefined) {
          seen.set(id, index);
          return [];
        }
        return [
          {
            path: `Entries[${index}].Id`,
            message: `Id ${JSON.stringify(id)} repeats Entries[${first}].Id (BatchEntryIdsNotDistinct)`,
          },
        ];
      });
    },
  },
  {
    id: 'sqs-batch-id-format',
    service: 'sqs',
    operations: ['SendMessageBatch', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch'],
    source: `${SQS_API}/API_SendMessageBatchRequestEntry.html`,
    quote:
      'This identifier can have up to 80 characters. The following characters are accepted: alphanumeric characters, ' +
      'hyphens(-), and underscores (_).',
    check(input) {
      return list(input.Entries).flatMap((raw, index) => {
        const id = record(raw).Id;
        return typeof id === 'string' && !/^[A-Za-z0-9_-]{1,80}$/.test(id)
          ? [
              {
                path: `Entries[${index}].Id`,
                message: `Id ${JSON.stringify(id)} is not 1–80 letters, digits, - or _ (InvalidBatchEntryId)`,
              },
            ]
          : [];
      });
    },
  },
  {
    id: 'sqs-receive-max-number-of-messages',
    service: 'sqs',
    operations: ['ReceiveMessage'],
    source: `${SQS_API}/API_ReceiveMessage.html#SQS-ReceiveMessage-request-MaxNumberOfMessages`,
    quote: 'Valid values: 1 to 10. Default: 1.',
    check: (input) => intRange('MaxNumberOfMessages', input.MaxNumberOfMessages, 1, 10, 'MaxNumberOfMessages'),
  },
  {
    id: 'sqs-receive-wait-time-seconds',
    service: 'sqs',
    operations: ['ReceiveMessage'],
    source:
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/' +
      'best-practices-setting-up-long-polling.html',
    quote: 'The maximum long polling wait time is 20 seconds.',
    check: (input) => intRange('WaitTimeSeconds', input.WaitTimeSeconds, 0, 20, 'WaitTimeSeconds'),
  },
  {
    id: 'sqs-visibility-timeout',
    service: 'sqs',
    operations: ['ReceiveMessage', 'ChangeMessageVisibility', 'ChangeMessageVisibilityBatch'],
    source: `${SQS_API}/API_ChangeMessageVisibility.html`,
    quote:
      'The default visibility timeout for a message is 30 seconds. The minimum is 0 seconds. The maximum is 12 hours.',
    check(input, operation) {
      if (operation !== 'ChangeMessageVisibilityBatch')
        return intRange('VisibilityTimeout', input.VisibilityTimeout, 0, 43_200, 'VisibilityTimeout');
      return list(input.Entries).flatMap((raw, index) =>
        intRange(`Entries[${index}].VisibilityTimeout`, record(raw).VisibilityTimeout, 0, 43_200, 'VisibilityTimeout'),
      );
    },
  },
  {
    id: 'sqs-delay-seconds',
    service: 'sqs',
    operations: ['SendMessage', 'SendMessageBatch'],
    source: `${SQS_API}/API_SendMessage.html#SQS-SendMessage-request-DelaySeconds`,
    quote: 'Valid values: 0 to 900. Maximum: 15 minutes.',
    check(input, operation) {
      if (operation === 'SendMessage') return intRange('DelaySeconds', input.DelaySeconds, 0, 900, 'DelaySeconds');
      return list(input.Entries).flatMap((raw, index) =>
        intRange(`Entries[${index}].DelaySeconds`, record(raw).DelaySeconds, 0, 900, 'DelaySeconds'),
      );
    },
  },
  {
    id: 'sqs-message-body-not-empty',
    service: 'sqs',
    operations: ['SendMessage', 'SendMessageBatch'],
    source: `${SQS_API}/API_SendMessage.html#SQS-SendMessage-request-MessageBody`,
    quote: 'The minimum size is one character.',
    check(input, operation) {
      const entries: Array<[string, unknown]> =
        operation === 'SendMessage'
          ? [['MessageBody', input.MessageBody]]
          : list(input.Entries).map((raw, index) => [`Entries[${index}].MessageBody`, record(raw).MessageBody]);
      return entries.flatMap(([path, body]) => (body === '' ? [{ path, message: 'empty MessageBody' }] : []));
    },
  },
  {
    // 1 MiB since August 2025 (the 1.37.9 model still says 256 KiB). The queue's MaximumMessageSize may be lower; a
    // request alone does not tell.
    id: 'sqs-message-size',
    service: 'sqs',
    operations: ['SendMessage', 'SendMessageBatch'],
    source: `${SQS_API}/API_SendMessageBatch.html`,
    quote:
      'The maximum allowed individual message size and the maximum total payload size (the sum of the individual ' +
      'lengths of all of the batched messages) are both 1 MiB 1,048,576 bytes. ' +
      '[MessageAttributeValue:] All parts of the message attribute, including Name, Type, and Value, are part of the ' +
      'message size restriction (1 MiB or 1,048,576 bytes).',
    check(input, operation) {
      if (operation === 'SendMessage') {
        const bytes = sqsMessageBytes(input);
        return bytes > SQS_MAX_MESSAGE_BYTES
          ? [
              {
                path: 'MessageBody',
                message: `message (body and attributes) is ${bytes} bytes, more than ${SQS_MAX_MESSAGE_BYTES}`,
              },
            ]
          : [];
      }
      const findings: DocFinding[] = [];
      let total = 0;
      list(input.Entries).forEach((raw, index) => {
        const bytes = sqsMessageBytes(record(raw));
        total += bytes;
        if (bytes > SQS_MAX_MESSAGE_BYTES)
          findings.push({
            path: `Entries[${index}]`,
            message: `message (body and attributes) is ${bytes} bytes, more than ${SQS_MAX_MESSAGE_BYTES}`,
          });
      });
      if (total > SQS_MAX_MESSAGE_BYTES)
        findings.push({
          path: 'Entries',
          message: `batch payload is ${total} bytes, more than ${SQS_MAX_MESSAGE_BYTES} (BatchRequestTooLong)`,
        });
      return findings;
    },
  },
];

function consistentReadOnGsi(input: Input, context: DocContext): DocFinding[] {
  return input.ConsistentRead === true &&
    typeof input.IndexName === 'string' &&
    context.globalSecondaryIndexes.has(input.IndexName)
    ? [{ path: 'ConsistentRead', message: `ConsistentRead on ${input.IndexName}, a global secondary index` }]
    : [];
}

/** Why `expression` is not one of Scheduler's documented forms; undefined when it is. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    const exists =
      date.getUTCFullYear() === year &&
      date.getUTCMonth() === month - 1 &&
      date.getUTCDate() === day &&
      hour < 24 &&
      minute < 60 &&
      second < 60;
    return exists ? undefined : 'not a real date and time';
  }
  if (expression.startsWith('at(')) return 'an at expression must be at(yyyy-mm-ddThh:mm:ss)';
  if (expression.startsWith('rate(')) {
    return /^rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\)$/.test(expression)
      ? undefined
      : 'a rate expression must be rate(value unit): a positive integer and minute | minutes | hour | hours | day ' +
          '| days';
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const fields = cron[1]!.trim().split(/\s+/).filter(Boolean);
    return fields.length === 6
      ? undefined
      : `a cron expression has six fields (minutes hours day_of_month month day_of_week year), this one ` +
          `${fields.length}`;
  }
  return 'not at(…), rate(…) or cron(…)';
}

// ---------------------------------------------------------------------------------------------------------------------
// Entry points

/** Every violation in one recorded request: the model's checks, then the documentation rules for its operation. */
export function validateRequest(request: RecordedRequest, options: ValidateOptions = {}): Violation[] {
  const { service, operation, input } = request;
  const model = models.get(service);
  if (model === undefined) {
    return [
      {
        service,
        operation,
        path: '',
        rule: 'unknown-operation',
        message: `no API model for service ${JSON.stringify(service)} (have ${MODEL_SERVICES.join(', ')})`,
      },
    ];
  }
  const op = model.operations[operation];
  if (op === undefined) {
    const near = Object.keys(model.operations).find((name) => name.toLowerCase() === operation.toLowerCase());
    return [
      {
        service,
        operation,
        path: '',
        rule: 'unknown-operation',
        message: `${service} has no operation ${operation}${near === undefined ? '' : ` (did you mean ${near}?)`}`,
      },
    ];
  }
  const walk: Walk = { service, operation, model, out: [] };
  if (op.input === undefined) {
    if (!isRecord(input)) report(walk, '', 'type', `expected the input as a plain object, got ${describe(input)}`);
    else
      for (const key of Object.keys(input).filter((k) => input[k] !== undefined))
        report(walk, key, 'unknown-member', `${operation} takes no input, got ${key}`);
  } else {
    checkStructure(walk, op.input.shape, model.shapes[op.input.shape]!, input, '');
  }
  if (isRecord(input)) {
    const context: DocContext = {
      globalSecondaryIndexes: new Set(options.globalSecondaryIndexes ?? JOBCTL_GLOBAL_SECONDARY_INDEXES),
    };
    for (const rule of docRules) {
      if (rule.service !== service || !rule.operations.includes(operation)) continue;
      for (const finding of rule.check(input, operation, context)) {
        walk.out.push({
          service,
          operation,
          path: finding.path,
          rule: `doc:${rule.id}`,
          message: `${finding.message} — AWS: "${rule.quote}"`,
          source: rule.source,
        });
      }
    }
  }
  return walk.out;
}

/** {@link validateRequest} over many requests. */
export function validateRequests(
  requests: RecordedRequest[],
  options: ValidateOptions = {},
): { checked: number; violations: Violation[] } {
  return { checked: requests.length, violations: requests.flatMap((request) => validateRequest(request, options)) };
}

/** One line per violation, for an assertion message. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations
    .map(
      (v) =>
        `${v.service}.${v.operation} ${v.path === '' ? '(input)' : v.path}: [${v.rule}] ` +
        `${v.message}${v.source === undefined ? '' : ` <${v.source}>`}`,
    )
    .join('\n');
}
