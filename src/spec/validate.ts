/**
 * Validation of one manifest object as the Kubernetes API server does it on create
 * (`pkg/apis/batch/validation/validation.go`: `ValidateCronJobCreate`, `ValidateJob`, `validateJobSpec`,
 * `ValidateJobTemplateSpec`; `pkg/apis/core/validation`: object meta, containers, env, resources), plus jobctl's own
 * checks: unknown fields (as `kubectl apply --validate=strict`) and the fields jobctl cannot honour (`unsupported.ts`).
 *
 * Works in two passes so every problem is reported at once: a shape pass over the raw value (types, unknown and
 * unsupported fields) that yields a cleaned copy holding only supported, well-typed fields; then the semantic rules
 * on that copy. Pure: no I/O, no clock.
 */
import { parseSchedule, validateSchedule } from '../cron/index.ts';
import {
  applyCronJobDefaults,
  applyJobDefaults,
  applyWorkQueueDefaults,
  type CronJobInput,
  type JobInput,
  type WorkQueueInput,
} from './defaults.ts';
import {
  duplicate,
  forbidden,
  formatValue,
  inclusiveRangeError,
  invalid,
  isDns1123Label,
  isDns1123Subdomain,
  isEnvVarName,
  isLabelValue,
  isQualifiedName,
  nonNegative,
  notSupported,
  required,
  tooLong,
  tooMany,
} from './field-errors.ts';
import { healthAnnotationProblem } from './health.ts';
import { parseQuantity, quantityFormatError } from './quantity.ts';
import { standardResourceNames, structs, type Shape, type StructName } from './schema.ts';
import {
  MAX_QUOTA_PODS,
  honouredNodeLabels,
  type CronJob,
  type Job,
  type ResourceQuotaManifest,
  type WorkQueueManifest,
} from './types.ts';
import { findUnsupported, isEmptyValue } from './unsupported.ts';

/** A problem (or a warning) at a field. `linePath` locates it when it differs from the reported `path`. */
export interface Finding {
  /** Kubernetes field path, e.g. `spec.jobTemplate.spec.template.spec.containers[0].image`. */
  path: string;
  /** Kubernetes' error body, e.g. `Required value`, or a warning's reason. */
  detail: string;
  /**
   * Where to point the line at, e.g. the bad key `metadata.labels[Bad Key]` for an error reported at `metadata.labels`.
   */
  linePath?: string;
}

/**
 * `create`: a manifest from a file, as `kubectl apply` sends it (server-set metadata is reported and dropped).
 * `stored`: an object jobctl built itself (e.g. after `jobctl patch`): server-set metadata is kept.
 */
export type ValidationMode = 'create' | 'stored';

/** What the validator may ask about the source text. */
export interface SourceInfo {
  /**
   * True when the value at `path` was a plain (unquoted) YAML scalar: YAML 1.1 booleans like `yes` count as booleans
   * then.
   */
  isPlainScalar(path: string): boolean;
}

/** A validated, defaulted object, or the reasons there is none. */
export interface ValidatedObject {
  object: CronJob | Job | WorkQueueManifest | ResourceQuotaManifest | undefined;
  errors: Finding[];
  warnings: Finding[];
}

type Obj = Record<string, unknown>;

/** Everything a kind needs to plug in: one entry of `kindHandlers` per kind. */
export interface KindHandler<T = CronJob | Job> {
  readonly apiVersion: string;
  readonly kind: string;
  /** The root struct of the shape pass. */
  readonly struct: StructName;
  /** Semantic rules on the cleaned object. */
  validate(object: Obj, report: Reporter): void;
  /** Defaulting of an object that passed validation. */
  build(object: Obj): T;
  /**
   * False for a kind that is never stored as an object (a WorkQueue's settings live in the WorkQueue port): it is
   * then not accepted in `stored` mode, so a patch cannot turn a stored CronJob or Job into one.
   * @default true
   */
  readonly isStored?: boolean;
}

/** Collects findings for one object. */
export class Reporter {
  readonly errors: Finding[] = [];
  readonly warnings: Finding[] = [];
  /** Paths whose value had the wrong type: they were dropped, and must not also be reported as missing. */
  readonly badPaths = new Set<string>();

  /** Records an error at `path`; `linePath` locates it when that differs (a bad map key). */
  error(path: string, detail: string, linePath?: string): void {
    this.errors.push(linePath === undefined ? { path, detail } : { path, detail, linePath });
  }

  /** Records a field that is ignored, with why. */
  warn(path: string, detail: string): void {
    this.warnings.push({ path, detail });
  }

  /** True when the value at `path` had the wrong type (already reported). */
  isBad(path: string): boolean {
    return this.badPaths.has(path);
  }
}

const yaml11True = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const yaml11False = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const int32Min = -(2 ** 31);
const int32Max = 2 ** 31 - 1;
const maxAnnotationsBytes = 256 * 1024;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return '"array"';
  if (isObj(value)) return '"object"';
  // A rendered template that is one long scalar (a runaway Jinja2 loop) must not be echoed whole (audit D15).
  return formatValue(typeof value === 'string' ? excerpt(value, 200) : value);
}

/** The shape pass: checks JSON types, reports unknown and unsupported fields, returns the supported part. */
class ShapeWalker {
  constructor(
    private readonly report: Reporter,
    private readonly mode: ValidationMode,
    private readonly source: SourceInfo,
  ) {}

  private typeError(path: string, value: unknown, expected: string): undefined {
    this.report.error(path, `Invalid value: ${typeName(value)}: must be of type ${expected}`);
    this.report.badPaths.add(path);
    return undefined;
  }

  struct(value: unknown, name: StructName, path: string): Obj | undefined {
    if (!isObj(value)) return this.typeError(path, value, 'object');
    const fields = structs[name];
    const out: Obj = {};
    for (const [key, fieldValue] of Object.entries(value)) {
      // `null` means unset, as in Kubernetes' JSON decoding.
      if (fieldValue === null || fieldValue === undefined) continue;
      const path_ = join(path, key);
      const row = findUnsupported(name, key);
      const rowApplies = row !== undefined && !(row.createOnly && this.mode === 'stored');
      if (rowApplies && !(row.isHarmless ?? isEmptyValue)(fieldValue)) {
        if (row.severity === 'error') this.report.error(path_, forbidden(row.reason));
        else this.report.warn(path_, row.reason);
      }
      const shape = Object.hasOwn(fields, key) ? fields[key] : undefined;
      const isSupported = shape !== undefined && !(rowApplies && row.createOnly);
      if (isSupported) {
        const cleaned = this.field(fieldValue, shape, path_);
        if (cleaned !== undefined) out[key] = cleaned;
      } else if (row === undefined) {
        this.report.error(path_, `unknown field "${path_}"`);
      }
    }
    return out;
  }

  private field(value: unknown, shape: Shape, path: string): unknown {
    switch (shape.type) {
      case 'string':
        return typeof value === 'string' ? value : this.typeError(path, value, 'string');
      case 'int32':
        if (typeof value !== 'number' || !Number.isInteger(value)) return this.typeError(path, value, 'integer');
        if (value < int32Min || value > int32Max) return this.typeError(path, value, 'int32');
        return value;
      case 'int64':
        return typeof value === 'number' && Number.isSafeInteger(value)
          ? value
          : this.typeError(path, value, 'integer');
      case 'boolean':
        if (typeof value === 'boolean') return value;
        // sigs.k8s.io/yaml resolves YAML 1.1 booleans (`yes`, `on`, …) in plain scalars; the yaml package (1.2) does
        // not.
        if (typeof value === 'string' && this.source.isPlainScalar(path)) {
          if (yaml11True.has(value)) return true;
          if (yaml11False.has(value)) return false;
        }
        return this.typeError(path, value, 'boolean');
      case 'stringMap': {
        if (!isObj(value)) return this.typeError(path, value, 'object');
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(value)) {
          if (v === null) continue;
          if (typeof v === 'string') out[k] = v;
          else this.typeError(`${path}[${k}]`, v, 'string');
        }
        return out;
      }
      case 'stringList': {
        if (!Array.isArray(value)) return this.typeError(path, value, 'array');
        return value.flatMap((item: unknown, i) => {
          if (typeof item === 'string') return [item];
          this.typeError(`${path}[${i}]`, item, 'string');
          return [];
        });
      }
      case 'int32List': {
        if (!Array.isArray(value)) return this.typeError(path, value, 'array');
        return value.flatMap((item: unknown, i) => {
          const cleaned = this.field(item, { type: 'int32' }, `${path}[${i}]`);
          return cleaned === undefined ? [] : [cleaned];
        });
      }
      case 'quantityMap':
        return this.quantityMap(value, path);
      case 'any':
        return value;
      case 'struct':
        return this.struct(value, shape.struct, path);
      case 'structList': {
        if (!Array.isArray(value)) return this.typeError(path, value, 'array');
        return value.flatMap((item: unknown, i) => {
          const cleaned = this.struct(item, shape.struct, `${path}[${i}]`);
          return cleaned === undefined ? [] : [cleaned];
        });
      }
    }
  }

  /** `core.ResourceList`: standard names kept; extended resources (`nvidia.com/gpu`, `hugepages-2Mi`) reported. */
  private quantityMap(value: unknown, path: string): Record<string, string> | undefined {
    if (!isObj(value)) return this.typeError(path, value, 'object');
    const out: Record<string, string> = {};
    for (const [name, raw] of Object.entries(value)) {
      if (raw === null) continue;
      const path_ = `${path}[${name}]`;
      if (!standardResourceNames.includes(name)) {
        const row = findUnsupported('ResourceList', '*');
        if (row !== undefined && (name.includes('/') || name.startsWith('hugepages-')))
          this.report.warn(path_, row.reason);
        else this.report.error(path_, invalid(name, 'must be a standard resource for containers'));
        continue;
      }
      if (typeof raw !== 'string' && typeof raw !== 'number') {
        this.typeError(path_, raw, 'string');
        continue;
      }
      const text = String(raw);
      const amount = parseQuantity(text);
      if (amount === undefined) this.report.error(path_, invalid(text, quantityFormatError));
      else if (amount < 0) this.report.error(path_, invalid(text, 'must be greater than or equal to 0'));
      else out[name] = text;
    }
    return out;
  }
}

// Typed reads of the cleaned object: the shape pass guarantees the type whenever the value is present.
const str = (o: Obj | undefined, k: string): string | undefined => o?.[k] as string | undefined;
const num = (o: Obj | undefined, k: string): number | undefined => o?.[k] as number | undefined;
const sub = (o: Obj | undefined, k: string): Obj | undefined => o?.[k] as Obj | undefined;
const list = (o: Obj | undefined, k: string): Obj[] | undefined => o?.[k] as Obj[] | undefined;
const map = (o: Obj | undefined, k: string): Record<string, string> | undefined =>
  o?.[k] as Record<string, string> | undefined;

function checkNonNegative(o: Obj | undefined, key: string, path: string, report: Reporter): void {
  const value = num(o, key);
  const problem = value === undefined ? undefined : nonNegative(value);
  if (problem !== undefined) report.error(join(path, key), problem);
}

/** `ValidateLabels`: errors are reported at the map, as Kubernetes does, but located at the offending key. */
function validateLabels(labels: Record<string, string> | undefined, path: string, report: Reporter): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(key)) report.error(path, invalid(key, msg), `${path}[${key}]`);
    for (const msg of isLabelValue(value)) report.error(path, invalid(value, msg), `${path}[${key}]`);
  }
}

/** `ValidateAnnotations`: keys are qualified names (checked lower-cased), 256 KiB in total. */
function validateAnnotations(annotations: Record<string, string> | undefined, path: string, report: Reporter): void {
  let totalBytes = 0;
  const encoder = new TextEncoder();
  for (const [key, value] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(key.toLowerCase())) report.error(path, invalid(key, msg), `${path}[${key}]`);
    totalBytes += encoder.encode(key).length + encoder.encode(value).length;
  }
  if (totalBytes > maxAnnotationsBytes) report.error(path, tooLong(maxAnnotationsBytes));
}

/** `ValidateObjectMeta` with `NameIsDNSSubdomain`, for both kinds. */
function validateObjectMeta(meta: Obj | undefined, report: Reporter): void {
  const name = str(meta, 'name');
  if (!name) {
    if (!report.isBad('metadata.name')) report.error('metadata.name', required('name or generateName is required'));
  } else {
    for (const msg of isDns1123Subdomain(name)) report.error('metadata.name', invalid(name, msg));
  }
  validateNamespace(meta, report);
  validateLabels(map(meta, 'labels'), 'metadata.labels', report);
  validateAnnotations(map(meta, 'annotations'), 'metadata.annotations', report);
  // jobctl's health settings (issue 14): a value the controller could not use is refused here, at its line.
  for (const [key, value] of Object.entries(map(meta, 'annotations') ?? {})) {
    const problem = typeof value === 'string' ? healthAnnotationProblem(key, value) : undefined;
    if (problem !== undefined)
      report.error(`metadata.annotations[${key}]`, invalid(value, problem), `metadata.annotations[${key}]`);
  }
}

function validateNamespace(meta: Obj | undefined, report: Reporter): void {
  const namespace = str(meta, 'namespace');
  const namespaceErrors = namespace ? isDns1123Label(namespace) : [];
  for (const msg of namespaceErrors) report.error('metadata.namespace', invalid(namespace, msg));
  // jobctl serves one namespace (the CLI, the runtime's resync and the AWS stack all read "default"); accepting
  // another would store objects that nothing lists or resyncs.
  if (namespace && namespace !== 'default' && namespaceErrors.length === 0) {
    report.error(
      'metadata.namespace',
      `${notSupported(namespace, ['default'])}: jobctl serves the default namespace only`,
    );
  }
}

function validateTemplateMeta(meta: Obj | undefined, path: string, report: Reporter): void {
  validateLabels(map(meta, 'labels'), `${path}.labels`, report);
  validateAnnotations(map(meta, 'annotations'), `${path}.annotations`, report);
}

const restartPolicies = ['OnFailure', 'Never'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const completionModes = ['NonIndexed', 'Indexed'];
const concurrencyPolicies = ['Allow', 'Forbid', 'Replace'];
/** `maxParallelismForIndexedJob`: caps the length of `status.completedIndexes`. */
const maxParallelismForIndexedJob = 100000;

/**
 * `validateJobSpec` plus `ValidateJobTemplateSpec`'s selector rules. jobctl applies the selector rules to plain Jobs
 * too: it always generates the selector, and Kubernetes itself rejects a hand-written one unless `manualSelector` is
 * true (`validateGeneratedSelector`), which jobctl does not support.
 */
function validateJobSpec(spec: Obj | undefined, path: string, report: Reporter): void {
  for (const key of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'backoffLimitPerIndex',
    'maxFailedIndexes',
    'ttlSecondsAfterFinished',
  ]) {
    checkNonNegative(spec, key, path, report);
  }
  const mode = str(spec, 'completionMode');
  if (mode !== undefined && !completionModes.includes(mode)) {
    report.error(join(path, 'completionMode'), notSupported(mode, completionModes));
  }
  if (mode === 'Indexed') {
    if (num(spec, 'completions') === undefined && !report.isBad(join(path, 'completions'))) {
      report.error(join(path, 'completions'), required('when completion mode is Indexed'));
    }
    const parallelism = num(spec, 'parallelism');
    if (parallelism !== undefined && parallelism > maxParallelismForIndexedJob) {
      report.error(
        join(path, 'parallelism'),
        invalid(
          parallelism,
          `must be less than or equal to ${maxParallelismForIndexedJob} when completion mode is Indexed`,
        ),
      );
    }
  }
  // validateJobSpec (pkg/apis/batch/validation): per-index back-off is for Indexed Jobs only.
  const perIndex = num(spec, 'backoffLimitPerIndex');
  const maxFailedIndexes = num(spec, 'maxFailedIndexes');
  if (perIndex !== undefined && mode !== 'Indexed' && !report.isBad(join(path, 'backoffLimitPerIndex'))) {
    report.error(join(path, 'backoffLimitPerIndex'), invalid(perIndex, 'requires indexed completion mode'));
  }
  if (maxFailedIndexes !== undefined && perIndex === undefined && !report.isBad(join(path, 'maxFailedIndexes'))) {
    report.error(join(path, 'backoffLimitPerIndex'), required('when maxFailedIndexes is specified'));
  }
  const completionsValue = num(spec, 'completions');
  if (maxFailedIndexes !== undefined && completionsValue !== undefined && maxFailedIndexes > completionsValue) {
    report.error(
      join(path, 'maxFailedIndexes'),
      invalid(maxFailedIndexes, 'must be less than or equal to completions'),
    );
  }
  if (spec?.['selector'] !== undefined) {
    report.error(join(path, 'selector'), invalid(spec['selector'], '`selector` will be auto-generated'));
  }
  if (spec?.['manualSelector'] === true) {
    report.error(join(path, 'manualSelector'), notSupported(true, ['nil', 'false']));
  }

  const templatePath = join(path, 'template');
  const template = sub(spec, 'template');
  validateTemplateMeta(sub(template, 'metadata'), `${templatePath}.metadata`, report);
  const podSpecPath = `${templatePath}.spec`;
  const podSpec = sub(template, 'spec');
  validatePodSpec(podSpec, podSpecPath, report);

  // Kubernetes (≥1.27) reports a missing and an `Always` restartPolicy alike as `Required value`, because pods default
  // a missing one to Always before validation. jobctl does no pod defaulting, so it can say exactly what is wrong.
  const restartPolicy = str(podSpec, 'restartPolicy');
  const restartPath = `${podSpecPath}.restartPolicy`;
  if (!restartPolicy) {
    if (!report.isBad(restartPath)) report.error(restartPath, required('valid values: "OnFailure", "Never"'));
  } else if (!restartPolicies.includes(restartPolicy)) {
    report.error(restartPath, notSupported(restartPolicy, restartPolicies));
  } else if (spec?.['podFailurePolicy'] !== undefined && restartPolicy !== 'Never') {
    report.error(restartPath, invalid(restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  const policy = sub(spec, 'podFailurePolicy');
  if (policy !== undefined) validatePodFailurePolicy(spec, policy, join(path, 'podFailurePolicy'), report);
  validateManagedBy(spec, join(path, 'managedBy'), report);
  validatePodReplacementPolicy(spec, join(path, 'podReplacementPolicy'), report);
  const successPolicy = sub(spec, 'successPolicy');
  if (successPolicy !== undefined) {
    const successPath = join(path, 'successPolicy');
    if (mode !== 'Indexed') report.error(successPath, invalid(successPolicy, 'requires indexed completion mode'));
    else validateSuccessPolicy(successPolicy, num(spec, 'completions'), successPath, report);
  }
}

// pkg/apis/batch/validation/validation.go: maxSuccessPolicyRule, maxJobSuccessPolicySucceededIndexesLimit.
const maxSuccessPolicyRule = 20;
const maxJobSuccessPolicySucceededIndexesLimit = 64 * 1024;

/** Kubernetes `validateSuccessPolicy` and `validateSuccessPolicyRule`, in its order and words. */
function validateSuccessPolicy(policy: Obj, completions: number | undefined, path: string, report: Reporter): void {
  const rulesPath = `${path}.rules`;
  const rules = list(policy, 'rules') ?? [];
  if (rules.length === 0 && !report.isBad(rulesPath)) {
    report.error(rulesPath, required('at least one rules must be specified when the successPolicy is specified'));
  }
  if (rules.length > maxSuccessPolicyRule) report.error(rulesPath, tooMany(rules.length, maxSuccessPolicyRule));
  // Indexed without completions is refused above; there is nothing to measure the rules against.
  if (completions === undefined) return;
  rules.forEach((rule, i) => {
    const rulePath = `${rulesPath}[${i}]`;
    const indexesPath = `${rulePath}.succeededIndexes`;
    const countPath = `${rulePath}.succeededCount`;
    const indexes = str(rule, 'succeededIndexes');
    const count = num(rule, 'succeededCount');
    if (indexes === undefined && count === undefined && !report.isBad(indexesPath) && !report.isBad(countPath)) {
      report.error(rulePath, required('at least one of succeededCount or succeededIndexes must be specified'));
    }
    let totalIndexes = 0;
    if (indexes !== undefined) {
      if (indexes.length > maxJobSuccessPolicySucceededIndexesLimit) {
        report.error(indexesPath, tooLong(maxJobSuccessPolicySucceededIndexesLimit));
      }
      const parsed = validateIndexesFormat(indexes, completions);
      if (typeof parsed === 'string') {
        report.error(indexesPath, invalid(indexes, `error parsing succeededIndexes: ${parsed}`));
      } else {
        totalIndexes = parsed;
      }
    }
    if (count !== undefined) {
      const negative = nonNegative(count);
      if (negative !== undefined) report.error(countPath, negative);
      if (count > completions) {
        report.error(
          countPath,
          invalid(count, `must be less than or equal to ${completions} (the number of specified completions)`),
        );
      }
      if (indexes !== undefined && count > totalIndexes) {
        report.error(
          countPath,
          invalid(
            count,
            `must be less than or equal to ${totalIndexes} ` +
              '(the number of indexes in the specified succeededIndexes field)',
          ),
        );
      }
    }
  });
}

/** Kubernetes `validateIndexesFormat` and `parseIndexInterval`: the number of indexes, or the error's text. */
function validateIndexesFormat(value: string, completions: number): number | string {
  if (value.length === 0) return 0;
  const atoi = (part: string): number | undefined => (/^[+-]?\d+$/.test(part) ? Number(part) : undefined);
  let last: number | undefined;
  let total = 0;
  for (const interval of value.split(',')) {
    const limits = interval.split('-');
    if (limits.length > 2) {
      return (
        `the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most ` +
        "two parts separated by '-'"
      );
    }
    const bounds: number[] = [];
    for (const limit of limits) {
      const n = atoi(limit);
      if (n === undefined) return `cannot convert string to integer for index: ${JSON.stringify(limit)}`;
      if (n >= completions) return `too large index: ${JSON.stringify(limit)}`;
      bounds.push(n);
    }
    const [x = 0, y = x] = bounds;
    if (bounds.length > 1 && x >= y) return `non-increasing order, previous: ${x}, current: ${y}`;
    if (last !== undefined && last >= x) return `non-increasing order, previous: ${last}, current: ${x}`;
    total += y - x + 1;
    last = y;
  }
  return total;
}

/**
 * Kubernetes `validatePodReplacementPolicy`: `Failed` or `TerminatingOrFailed`, and only `Failed` with a
 * podFailurePolicy (which only ever replaces pods that have ended).
 */
function validatePodReplacementPolicy(spec: Obj | undefined, path: string, report: Reporter): void {
  const value = str(spec, 'podReplacementPolicy');
  if (value === undefined || report.isBad(path)) return;
  if (spec?.['podFailurePolicy'] !== undefined) {
    if (value !== 'Failed') report.error(path, notSupported(value, ['Failed']));
  } else if (value !== 'Failed' && value !== 'TerminatingOrFailed') {
    report.error(path, notSupported(value, ['Failed', 'TerminatingOrFailed']));
  }
}

/** Kubernetes `batch.JobControllerName`: the value of `managedBy` that leaves a Job to the built-in Job controller. */
const jobControllerName = 'kubernetes.io/job-controller';

/**
 * `spec.managedBy`: Kubernetes accepts any domain-prefixed path (≤ 63 characters) and leaves the Job to that
 * controller; jobctl runs no controller but its own Job controller, so it accepts only Kubernetes' name for it
 * (or no value). Immutable, as upstream's `ValidateImmutableField`: the Job update check compares the whole spec.
 */
function validateManagedBy(spec: Obj | undefined, path: string, report: Reporter): void {
  const managedBy = str(spec, 'managedBy');
  if (managedBy === undefined || managedBy === jobControllerName || report.isBad(path)) return;
  report.error(
    path,
    `${notSupported(managedBy, [jobControllerName])}: no other Job controller runs here; ` +
      "jobctl's own Job controller manages every Job",
  );
}

// pkg/apis/batch/validation/validation.go: maxPodFailurePolicyRules, maxPodFailurePolicyOnExitCodesValues,
// maxPodFailurePolicyOnPodConditionsPatterns and the supported actions, operators and condition statuses.
const maxPodFailurePolicyRules = 20;
const maxPodFailurePolicyOnExitCodesValues = 255;
const maxPodFailurePolicyOnPodConditionsPatterns = 20;
const podFailurePolicyActions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const podFailurePolicyOperators = ['In', 'NotIn'];
const podConditionStatuses = ['False', 'True', 'Unknown'];
/** The pod conditions jobctl sets, so the only ones a rule can match. */
const observablePodConditions = ['DisruptionTarget'];

/**
 * Kubernetes `validatePodFailurePolicy`, `validatePodFailurePolicyRule`, `…RuleOnExitCodes` and `…RuleOnPodConditions`
 * (pkg/apis/batch/validation/validation.go), in its order and words; plus jobctl's own rule: `onPodConditions` may only
 * name `DisruptionTarget` with status `True`, the one condition jobctl sets (a task the platform or the local runtime
 * stopped). Any other would never match, so the rule would silently do nothing.
 */
function validatePodFailurePolicy(spec: Obj | undefined, policy: Obj, path: string, report: Reporter): void {
  const rulesPath = `${path}.rules`;
  const rules = list(policy, 'rules') ?? [];
  if (rules.length > maxPodFailurePolicyRules) {
    report.error(rulesPath, tooMany(rules.length, maxPodFailurePolicyRules));
  }
  const containerNames = new Set(
    (list(sub(sub(spec, 'template'), 'spec'), 'containers') ?? []).map((c) => str(c, 'name')),
  );
  rules.forEach((rule, i) => {
    const rulePath = `${rulesPath}[${i}]`;
    const actionPath = `${rulePath}.action`;
    const action = str(rule, 'action');
    if (!action) {
      if (!report.isBad(actionPath)) {
        report.error(actionPath, required(`valid values: [${podFailurePolicyActions.map((a) => `"${a}"`).join(' ')}]`));
      }
    } else if (action === 'FailIndex') {
      if (num(spec, 'backoffLimitPerIndex') === undefined) {
        report.error(actionPath, invalid(action, 'requires the backoffLimitPerIndex to be set'));
      }
    } else if (!podFailurePolicyActions.includes(action)) {
      report.error(actionPath, notSupported(action, podFailurePolicyActions));
    }
    const onExitCodes = sub(rule, 'onExitCodes');
    const onPodConditions = list(rule, 'onPodConditions') ?? [];
    if (onExitCodes !== undefined) validateOnExitCodes(onExitCodes, `${rulePath}.onExitCodes`, containerNames, report);
    if (onPodConditions.length > 0) validateOnPodConditions(onPodConditions, `${rulePath}.onPodConditions`, report);
    if (onExitCodes !== undefined && onPodConditions.length > 0) {
      report.error(rulePath, 'Invalid value: specifying both OnExitCodes and OnPodConditions is not supported');
    }
    if (onExitCodes === undefined && onPodConditions.length === 0 && !report.isBad(`${rulePath}.onExitCodes`)) {
      report.error(rulePath, 'Invalid value: specifying one of OnExitCodes and OnPodConditions is required');
    }
  });
}

function validateOnExitCodes(
  onExitCodes: Obj,
  path: string,
  containerNames: ReadonlySet<string | undefined>,
  report: Reporter,
): void {
  const operatorPath = `${path}.operator`;
  const operator = str(onExitCodes, 'operator');
  if (!operator) {
    if (!report.isBad(operatorPath)) report.error(operatorPath, required('valid values: ["In" "NotIn"]'));
  } else if (!podFailurePolicyOperators.includes(operator)) {
    report.error(operatorPath, notSupported(operator, podFailurePolicyOperators));
  }
  const containerName = str(onExitCodes, 'containerName');
  if (containerName !== undefined && !containerNames.has(containerName)) {
    report.error(
      `${path}.containerName`,
      invalid(containerName, 'must be one of the container or initContainer names in the pod template'),
    );
  }
  const valuesPath = `${path}.values`;
  const values = (onExitCodes['values'] as number[] | undefined) ?? [];
  if (values.length === 0) {
    if (!report.isBad(valuesPath)) report.error(valuesPath, invalid(values, 'at least one value is required'));
  } else if (values.length > maxPodFailurePolicyOnExitCodesValues) {
    report.error(valuesPath, tooMany(values.length, maxPodFailurePolicyOnExitCodesValues));
  }
  const seen = new Set<number>();
  let isOrdered = true;
  values.forEach((value, j) => {
    const valuePath = `${valuesPath}[${j}]`;
    if (operator === 'In' && value === 0) report.error(valuePath, invalid(value, 'must not be 0 for the In operator'));
    if (seen.has(value)) report.error(valuePath, duplicate(value));
    else seen.add(value);
    if (j > 0 && (values[j - 1] as number) > value) isOrdered = false;
  });
  if (!isOrdered) report.error(valuesPath, invalid(values, 'must be ordered'));
}

function validateOnPodConditions(patterns: Obj[], path: string, report: Reporter): void {
  if (patterns.length > maxPodFailurePolicyOnPodConditionsPatterns) {
    report.error(path, tooMany(patterns.length, maxPodFailurePolicyOnPodConditionsPatterns));
  }
  patterns.forEach((pattern, j) => {
    const patternPath = `${path}[${j}]`;
    const typePath = `${patternPath}.type`;
    const statusPath = `${patternPath}.status`;
    const type = str(pattern, 'type') ?? '';
    const problems = isQualifiedName(type);
    for (const problem of problems) report.error(typePath, invalid(type, problem));
    if (problems.length === 0 && !observablePodConditions.includes(type)) {
      report.error(
        typePath,
        `${notSupported(type, observablePodConditions)}: jobctl cannot observe this pod condition; it sets only ` +
          'DisruptionTarget (a task stopped by the platform or by the local runtime)',
      );
    }
    const status = str(pattern, 'status');
    if (!status) {
      if (!report.isBad(statusPath)) report.error(statusPath, required('valid values: ["False" "True" "Unknown"]'));
    } else if (!podConditionStatuses.includes(status)) {
      report.error(statusPath, notSupported(status, podConditionStatuses));
    } else if (status !== 'True') {
      report.error(
        statusPath,
        `${notSupported(status, ['True'])}: jobctl cannot observe this pod condition status; ` +
          'it sets DisruptionTarget only with status "True"',
      );
    }
  });
}

/** The parts of `ValidatePodSpec` that apply to what jobctl keeps. */
function validatePodSpec(spec: Obj | undefined, path: string, report: Reporter): void {
  const containersPath = `${path}.containers`;
  const containers = list(spec, 'containers') ?? [];
  if (containers.length === 0 && !report.isBad(containersPath)) report.error(containersPath, required());
  const seen = new Set<string>();
  containers.forEach((container, i) => {
    const containerPath = `${containersPath}[${i}]`;
    validateContainer(container, containerPath, report);
    const name = str(container, 'name');
    if (name) {
      if (seen.has(name)) report.error(`${containerPath}.name`, duplicate(name));
      seen.add(name);
    }
  });
  checkNonNegative(spec, 'terminationGracePeriodSeconds', path, report);
  validateNodeSelector(map(spec, 'nodeSelector'), `${path}.nodeSelector`, report);
}

/**
 * `nodeSelector`: labels as Kubernetes validates them; the well-known node labels a task can satisfy must name a
 * value it can (an unschedulable pod would wait for ever in Kubernetes: here it is an error at apply); other keys
 * select nodes jobctl does not have and are ignored with a warning.
 */
function validateNodeSelector(selector: Record<string, string> | undefined, path: string, report: Reporter): void {
  validateLabels(selector, path, report);
  for (const [key, value] of Object.entries(selector ?? {})) {
    const honoured = honouredNodeLabels[key];
    if (honoured === undefined)
      report.warn(
        `${path}[${key}]`,
        'Fargate has no nodes to select and the local runtime has one machine: only kubernetes.io/arch and ' +
          'kubernetes.io/os are honoured; ignored',
      );
    else if (!honoured.includes(value)) report.error(`${path}[${key}]`, notSupported(value, honoured));
  }
}

/** `validateContainerCommon` / `validateContainersOnlyForPod` for one container. */
function validateContainer(container: Obj, path: string, report: Reporter): void {
  const name = str(container, 'name');
  if (!name) {
    if (!report.isBad(`${path}.name`)) report.error(`${path}.name`, required());
  } else {
    for (const msg of isDns1123Label(name)) report.error(`${path}.name`, invalid(name, msg));
  }
  const image = str(container, 'image');
  if (!image) {
    if (!report.isBad(`${path}.image`)) report.error(`${path}.image`, required());
  } else if (image.trim() !== image) {
    report.error(`${path}.image`, invalid(image, 'must not have leading or trailing whitespace'));
  }
  const pullPolicy = str(container, 'imagePullPolicy');
  if (pullPolicy && !pullPolicies.includes(pullPolicy)) {
    report.error(`${path}.imagePullPolicy`, notSupported(pullPolicy, pullPolicies));
  }
  (list(container, 'env') ?? []).forEach((env, i) => {
    const envPath = `${path}.env[${i}].name`;
    const envName = str(env, 'name');
    if (!envName) {
      if (!report.isBad(envPath)) report.error(envPath, required());
    } else {
      for (const msg of isEnvVarName(envName)) report.error(envPath, invalid(envName, msg));
    }
  });
  validateLaunchStrings(container, path, report);
  const resources = sub(container, 'resources');
  const limits = map(resources, 'limits') ?? {};
  for (const [resource, request] of Object.entries(map(resources, 'requests') ?? {})) {
    const limit = limits[resource];
    if (limit === undefined) continue;
    if ((parseQuantity(request) ?? 0) > (parseQuantity(limit) ?? Infinity)) {
      report.error(
        `${path}.resources.requests[${resource}]`,
        invalid(request, `must be less than or equal to ${resource} limit of ${limit}`),
      );
    }
  }
}

/**
 * Linux's `MAX_ARG_STRLEN` (32 pages, 131,072 bytes) counts the terminating NUL, so one argument or one `NAME=value`
 * environment string holds at most this many bytes; a longer one makes exec fail with E2BIG.
 */
export const MAX_ARG_STRING_BYTES = 131_071;
const launchLimitReason =
  "Linux's MAX_ARG_STRLEN (128 KiB with the terminating NUL) makes exec fail with E2BIG; pass large data in a file " +
  'or through a work queue';
const nulReason =
  'must not contain a NUL byte (\\0): the kubelet refuses it and no process can receive it (exec ends a string at NUL)';

/**
 * What a process can be started with: no NUL byte in `command`, `args`, an env value or `workingDir` (the kubelet
 * refuses such a container; Node's spawn throws), and no argument or `NAME=value` longer than
 * {@link MAX_ARG_STRING_BYTES}. Checked here because a launch that can never succeed would otherwise be retried for
 * ever (audit D6). Values that `$(VAR)` expansion makes longer at launch are the launcher's to report.
 */
function validateLaunchStrings(container: Obj, path: string, report: Reporter): void {
  const check = (value: string, fieldPath: string, countedAs?: { prefix: string; label: string }): void => {
    if (value.includes('\0')) report.error(fieldPath, invalid(excerpt(value), nulReason));
    const bytes = utf8Bytes(countedAs === undefined ? value : countedAs.prefix + value);
    if (bytes > MAX_ARG_STRING_BYTES) {
      const what = countedAs === undefined ? '' : `${countedAs.label} `;
      report.error(
        fieldPath,
        `Too long: ${what}must have at most ${MAX_ARG_STRING_BYTES} bytes (it has ${bytes}): ${launchLimitReason}`,
      );
    }
  };
  for (const key of ['command', 'args'] as const) {
    ((container[key] as string[] | undefined) ?? []).forEach((arg, i) => {
      check(arg, `${path}.${key}[${i}]`);
    });
  }
  (list(container, 'env') ?? []).forEach((env, i) => {
    const name = str(env, 'name') ?? '';
    const value = str(env, 'value');
    if (value !== undefined) check(value, `${path}.env[${i}].value`, { prefix: `${name}=`, label: `${name}=value` });
  });
  const workingDir = str(container, 'workingDir');
  if (workingDir?.includes('\0')) report.error(`${path}.workingDir`, invalid(excerpt(workingDir), nulReason));
}

/** The UTF-8 length of a string, as exec receives it (a lone surrogate is encoded as U+FFFD, 3 bytes). */
function utf8Bytes(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (
      unit >= 0xd800 &&
      unit <= 0xdbff &&
      i + 1 < value.length &&
      (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** A value short enough to quote in a message: up to 60 characters, around its first NUL if it has one. */
function excerpt(value: string, maxChars = 60): string {
  if (value.length <= maxChars) return value;
  const nul = value.indexOf('\0');
  const start = nul < maxChars / 2 ? 0 : Math.min(nul - maxChars / 2, value.length - maxChars);
  return (
    `${start > 0 ? '…' : ''}${value.slice(start, start + maxChars)}` +
    `${start + maxChars < value.length ? `… (${value.length} characters)` : ''}`
  );
}

/** A cron message that is already a Kubernetes error body is kept; a bare reason is framed as `Invalid value: …`. */
function cronDetail(message: string, value: string): string {
  return /^(Invalid value|Required value|Unsupported value|Forbidden)\b/.test(message)
    ? message
    : invalid(value, message);
}

function validateCronJob(cronJob: Obj, report: Reporter): void {
  const meta = sub(cronJob, 'metadata');
  validateObjectMeta(meta, report);
  const name = str(meta, 'name');
  // The controller names Jobs `<name>-<11 characters>` and Job names are capped at 63 (ValidateCronJobCreate).
  if (name && name.length > 52) report.error('metadata.name', invalid(name, 'must be no more than 52 characters'));

  const spec = sub(cronJob, 'spec');
  const schedule = str(spec, 'schedule');
  let timeZone = str(spec, 'timeZone');
  if (timeZone === '') {
    // validateTimeZone: a set but empty zone is an error, not "no zone"; JavaScript callers could read "" as unset.
    report.error('spec.timeZone', invalid('', 'timeZone must be nil or non-empty string'));
    timeZone = undefined;
  }
  if (!schedule) {
    if (!report.isBad('spec.schedule')) report.error('spec.schedule', required());
    // The time zone is validated on its own in Kubernetes: check it against a schedule known to be valid.
    const zoneProblem = timeZone === undefined ? undefined : validateSchedule('0 * * * *', timeZone);
    if (zoneProblem?.field === 'spec.timeZone')
      report.error('spec.timeZone', cronDetail(zoneProblem.message, timeZone ?? ''));
  } else {
    const problem = validateSchedule(schedule, timeZone);
    if (problem !== undefined) {
      const value = problem.field === 'spec.timeZone' ? (timeZone ?? '') : schedule;
      report.error(problem.field, cronDetail(problem.message, value));
    }
    if (problem === undefined && firesMoreThanOncePerMinute(schedule, timeZone)) {
      report.warn(
        'spec.schedule',
        `"${schedule}" fires more than once a minute, but a CronJob's Jobs are named by the minute (<name>-<Unix ` +
          `minutes>, as Kubernetes names them): at most one Job runs per minute`,
      );
    }
    // validateSchedule stops at the first problem; Kubernetes checks the zone independently of the schedule.
    if (problem?.field === 'spec.schedule' && timeZone !== undefined) {
      const zoneProblem = validateSchedule('0 * * * *', timeZone);
      if (zoneProblem?.field === 'spec.timeZone')
        report.error('spec.timeZone', cronDetail(zoneProblem.message, timeZone));
    }
  }
  checkNonNegative(spec, 'startingDeadlineSeconds', 'spec', report);
  // SetDefaults_CronJob turns "" into Allow before validation.
  const policy = str(spec, 'concurrencyPolicy');
  if (policy && !concurrencyPolicies.includes(policy)) {
    report.error('spec.concurrencyPolicy', notSupported(policy, concurrencyPolicies));
  }
  checkNonNegative(spec, 'successfulJobsHistoryLimit', 'spec', report);
  checkNonNegative(spec, 'failedJobsHistoryLimit', 'spec', report);

  const jobTemplate = sub(spec, 'jobTemplate');
  validateTemplateMeta(sub(jobTemplate, 'metadata'), 'spec.jobTemplate.metadata', report);
  validateJobSpec(sub(jobTemplate, 'spec'), 'spec.jobTemplate.spec', report);
}

/** Whether two consecutive fire times of a valid schedule are under a minute apart (`@every 10s`). */
function firesMoreThanOncePerMinute(schedule: string, timeZone: string | undefined): boolean {
  const parsed = parseSchedule(schedule, timeZone);
  const first = parsed.next(Date.UTC(2025, 0, 1));
  const second = first === undefined ? undefined : parsed.next(first);
  return first !== undefined && second !== undefined && second - first < 60_000;
}

function validateJob(job: Obj, report: Reporter): void {
  const meta = sub(job, 'metadata');
  validateObjectMeta(meta, report);
  const name = str(meta, 'name');
  // The Job's pods carry its name as the `job-name` label value, which Kubernetes caps at 63 characters.
  if (name && name.length > 63 && isDns1123Subdomain(name).length === 0) {
    report.error(
      'metadata.name',
      invalid(name, 'must be no more than 63 characters (it is the job-name label value of its pods)'),
    );
  }
  const spec = sub(job, 'spec');
  validateJobSpec(spec, 'spec', report);
  // ValidateJob: Indexed pods are named `<job>-<index>` as their hostname, which must be a DNS-1123 label.
  const completions = num(spec, 'completions');
  if (name && str(spec, 'completionMode') === 'Indexed' && completions !== undefined && completions > 0) {
    const hostname = `${name}-${completions - 1}`;
    if (isDns1123Label(hostname).length > 0) {
      report.error('metadata.name', invalid(name, `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
}

/**
 * A setting's range: the port's (`src/ports/work-queue.ts`), which are SQS's limits, so a queue means the same on AWS.
 */
const workQueueRanges = {
  maxReceiveCount: { min: 1, max: 1000 },
  leaseSeconds: { min: 0, max: 43_200 },
} as const;

/**
 * `kind: WorkQueue`: the name is a DNS-1123 label (the port's `QUEUE_NAME`: `jobctl-<name>-dlq` must still be a valid
 * SQS queue name), the settings within SQS's ranges.
 */
function validateWorkQueue(queue: Obj, report: Reporter): void {
  const meta = sub(queue, 'metadata');
  const name = str(meta, 'name');
  if (!name) {
    if (!report.isBad('metadata.name')) report.error('metadata.name', required('name is required'));
  } else {
    for (const msg of isDns1123Label(name)) report.error('metadata.name', invalid(name, msg));
  }
  validateNamespace(meta, report);
  const spec = sub(queue, 'spec');
  for (const [key, { min, max }] of Object.entries(workQueueRanges)) {
    const value = num(spec, key);
    if (value !== undefined && (value < min || value > max))
      report.error(`spec.${key}`, invalid(value, inclusiveRangeError(min, max)));
  }
}

/** The kinds jobctl accepts, dispatched on `kind`; each has one apiVersion. */
/** The quota resource names Kubernetes accepts for a pod count (`pods`, and its object-count form `count/pods`). */
const podCountResources = ['pods', 'count/pods'];

/**
 * `kind: ResourceQuota`: a DNS-1123 subdomain name (Kubernetes' rule for it), and a `spec.hard` that limits pods
 * only, with a whole, non-negative quantity — the one resource jobctl counts. Other resources (`cpu`,
 * `count/jobs.batch`, …) are errors rather than ignored: a quota that is silently not enforced is worse than none.
 */
function validateResourceQuota(quota: Obj, report: Reporter): void {
  const meta = sub(quota, 'metadata');
  const name = str(meta, 'name');
  if (!name) {
    if (!report.isBad('metadata.name')) report.error('metadata.name', required('name is required'));
  } else {
    for (const msg of isDns1123Subdomain(name)) report.error('metadata.name', invalid(name, msg));
  }
  validateNamespace(meta, report);
  const hard = sub(quota, 'spec')?.['hard'];
  if (hard === undefined || hard === null) {
    report.error('spec.hard', required('jobctl enforces spec.hard.pods'));
    return;
  }
  if (!isObj(hard)) {
    report.error('spec.hard', invalid(typeName(hard), 'must be a map of resource names to quantities'));
    return;
  }
  const given = Object.keys(hard).filter((k) => podCountResources.includes(k));
  if (given.length === 0)
    report.error('spec.hard.pods', required('jobctl enforces spec.hard.pods, the number of unfinished pods (tasks)'));
  if (given.length > 1)
    report.error('spec.hard[count/pods]', invalid('count/pods', 'pods is given twice (as pods and count/pods)'));
  for (const [resource, raw] of Object.entries(hard)) {
    const path = `spec.hard[${resource}]`;
    if (!podCountResources.includes(resource)) {
      report.error(path, `${notSupported(resource, podCountResources)}: jobctl counts pods only (each is a task)`);
      continue;
    }
    const text = typeof raw === 'number' || typeof raw === 'string' ? String(raw) : undefined;
    const amount = text === undefined ? undefined : parseQuantity(text);
    if (text === undefined) report.error(path, invalid(typeName(raw), 'must be a quantity such as "50"'));
    else if (amount === undefined) report.error(path, invalid(text, quantityFormatError));
    else if (!Number.isInteger(amount) || amount < 0)
      report.error(path, invalid(text, 'must be a whole number of pods, 0 or more'));
    else if (amount > MAX_QUOTA_PODS)
      report.error(
        path,
        invalid(text, `must be no more than ${MAX_QUOTA_PODS} (jobctl keeps every charged pod on one DynamoDB item)`),
      );
  }
}

function buildResourceQuota(quota: Obj): ResourceQuotaManifest {
  const meta = sub(quota, 'metadata');
  const hard = sub(sub(quota, 'spec'), 'hard') ?? {};
  const raw = hard['pods'] ?? hard['count/pods'];
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: str(meta, 'name') ?? '', namespace: str(meta, 'namespace') || 'default' },
    spec: { hard: { pods: parseQuantity(String(raw)) ?? 0 } },
  };
}

export const kindHandlers: readonly KindHandler<CronJob | Job | WorkQueueManifest | ResourceQuotaManifest>[] = [
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    struct: 'CronJob',
    validate: validateCronJob,
    build: (object) => applyCronJobDefaults(object as unknown as CronJobInput),
  },
  {
    apiVersion: 'batch/v1',
    kind: 'Job',
    struct: 'Job',
    validate: validateJob,
    build: (object) => applyJobDefaults(object as unknown as JobInput),
  },
  {
    apiVersion: 'jobctl.dev/v1',
    kind: 'WorkQueue',
    struct: 'WorkQueue',
    validate: validateWorkQueue,
    build: (object) => applyWorkQueueDefaults(object as unknown as WorkQueueInput),
    isStored: false,
  },
  {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    struct: 'ResourceQuota',
    validate: validateResourceQuota,
    build: buildResourceQuota,
    isStored: false,
  },
];

/** Versions Kubernetes retired, with what to write instead. */
const retiredApiVersions: Readonly<Record<string, string>> = {
  'batch/v1beta1': 'batch/v1beta1 CronJob was removed in Kubernetes 1.25; use apiVersion: batch/v1',
  'batch/v2alpha1': 'batch/v2alpha1 was removed in Kubernetes 1.21; use apiVersion: batch/v1',
};

/**
 * Validates one object as the API server would on create and returns it defaulted, or every error found. An object
 * with errors is not returned at all, so nothing is half-applied.
 *
 * @example
 * const { object, errors } = validateObject(parsed, 'create', { isPlainScalar: () => false });
 */
export function validateObject(raw: unknown, mode: ValidationMode, source: SourceInfo): ValidatedObject {
  const report = new Reporter();
  const done = (): ValidatedObject => ({ object: undefined, errors: report.errors, warnings: report.warnings });
  if (!isObj(raw)) {
    report.error(
      '(root)',
      `Invalid value: ${typeName(raw)}: a manifest document must be a Kubernetes object (a mapping with apiVersion ` +
        `and kind)`,
    );
    return done();
  }
  const handlers = mode === 'stored' ? kindHandlers.filter((h) => h.isStored !== false) : kindHandlers;
  const kinds = [...new Set(handlers.map((h) => h.kind))];
  const kind = raw['kind'];
  const apiVersion = raw['apiVersion'];
  if (kind === undefined || kind === null || kind === '') {
    report.error('kind', required(`supported kinds: ${kinds.map((k) => JSON.stringify(k)).join(', ')}`));
    return done();
  }
  const candidates = handlers.filter((h) => h.kind === kind);
  if (candidates.length === 0) {
    report.error('kind', notSupported(kind, kinds));
    return done();
  }
  const handler = candidates.find((h) => h.apiVersion === apiVersion);
  if (handler === undefined) {
    const versions = candidates.map((h) => h.apiVersion);
    if (apiVersion === undefined || apiVersion === null || apiVersion === '') {
      report.error('apiVersion', required(`supported values: ${versions.map((v) => JSON.stringify(v)).join(', ')}`));
    } else {
      const hint = typeof apiVersion === 'string' ? retiredApiVersions[apiVersion] : undefined;
      report.error('apiVersion', notSupported(apiVersion, versions) + (hint ? ` (${hint})` : ''));
    }
    return done();
  }

  const cleaned = new ShapeWalker(report, mode, source).struct(raw, handler.struct, '') ?? {};
  handler.validate(cleaned, report);
  if (report.errors.length > 0) return done();
  return { object: handler.build(cleaned), errors: [], warnings: report.warnings };
}
