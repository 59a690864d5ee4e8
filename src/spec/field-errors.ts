/**
 * Kubernetes' field-error wording and name checks, ported so jobctl's messages read exactly like the API server's.
 *
 * Sources: `k8s.io/apimachinery/pkg/util/validation/field/errors.go` (`ErrorBody`: `Required value`,
 * `Invalid value: <v>: <detail>`, `Unsupported value: <v>: supported values: "a", "b"`, …) and
 * `k8s.io/apimachinery/pkg/util/validation/validation.go` + `pkg/api/validate/content/kube.go` (DNS-1123, label and
 * env-var name rules with their `RegexError` texts, double spaces included).
 */

/** Go's `%v`/`%q` rendering of a bad value inside `Invalid value: …`. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** `field.Required`. */
export function required(detail?: string): string {
  return detail ? `Required value: ${detail}` : 'Required value';
}

/** `field.Invalid`. */
export function invalid(value: unknown, detail: string): string {
  return `Invalid value: ${formatValue(value)}: ${detail}`;
}

/** `field.NotSupported`. */
export function notSupported(value: unknown, supported: readonly string[]): string {
  return (
    `Unsupported value: ${formatValue(value)}: supported values: ` +
    `${supported.map((s) => JSON.stringify(s)).join(', ')}`
  );
}

/** `field.Duplicate`. */
export function duplicate(value: unknown): string {
  return `Duplicate value: ${formatValue(value)}`;
}

/** `field.TooMany`. */
export function tooMany(actual: number, max: number): string {
  return `Too many: ${actual}: must have at most ${max} items`;
}

/** `field.Forbidden`. */
export function forbidden(detail: string): string {
  return `Forbidden: ${detail}`;
}

/** `field.TooLong` (used for the 256 KiB annotation budget). */
export function tooLong(maxBytes: number): string {
  return `Too long: must have at most ${maxBytes} bytes`;
}

/** `apivalidation.ValidateNonnegativeField`. */
export function nonNegative(value: number): string | undefined {
  return value < 0 ? invalid(value, 'must be greater than or equal to 0') : undefined;
}

/** `validation.InclusiveRangeError`. */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/** `validation.MaxLenError`. */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/**
 * `validation.RegexError`, reproduced character for character (Kubernetes' messages carry a double space before "or").
 */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((example, i) => {
    if (i > 0) out += ' or ';
    out += `'${example}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with " +
  'an alphanumeric character';
const dns1123LabelRegexp = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and " +
  'end with an alphanumeric character';
const dns1123SubdomainRegexp = new RegExp(`^${dns1123SubdomainFmt}$`);

/** `validation.IsDNS1123Label`: container names, namespaces, pod hostnames. */
export function isDns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!dns1123LabelRegexp.test(value)) {
    // A valid subdomain that is not a valid label (length already checked) can only be failing on its dots.
    errs.push(
      dns1123SubdomainRegexp.test(value)
        ? 'must not contain dots'
        : regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'),
    );
  }
  return errs;
}

/** `validation.IsDNS1123Subdomain`: object names of CronJobs and Jobs. */
export function isDns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!dns1123SubdomainRegexp.test(value))
    errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

const labelKeyFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelKeyErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelKeyRegexp = new RegExp(`^${labelKeyFmt}$`);

/** `content.IsLabelKey` (a.k.a. `IsQualifiedName`): label and annotation keys. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')} with an optional ` +
        `DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!labelKeyRegexp.test(name))
    errs.push(`name part ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

const labelValueFmt = `(${labelKeyFmt})?`;
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and " +
  'end with an alphanumeric character';
const labelValueRegexp = new RegExp(`^${labelValueFmt}$`);

/** `content.IsLabelValue`. */
export function isLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!labelValueRegexp.test(value))
    errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

const envVarNameFmt = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const envVarNameErrMsg =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not " +
  'start with a digit';
const envVarNameRegexp = new RegExp(`^${envVarNameFmt}$`);

/**
 * `validation.IsEnvVarName` (the strict rule of Kubernetes ≤1.31, the versions K8S-SEMANTICS.md was read from; the
 * later `RelaxedEnvironmentVariableValidation` gate is not followed, so a manifest valid here is valid on those
 * clusters).
 */
export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!envVarNameRegexp.test(value))
    errs.push(regexError(envVarNameErrMsg, envVarNameFmt, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1'));
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}
