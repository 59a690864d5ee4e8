/**
 * Kubernetes resource quantities (`500m`, `1Gi`, `2`, `1e3`), enough to validate them and compare a request with its
 * limit the way `ValidateResourceRequirements` does. Source: `k8s.io/apimachinery/pkg/api/resource/quantity.go`.
 */

/** `resource.ErrFormatWrong`'s text, quoted verbatim in validation messages. */
export const quantityFormatError =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const quantityPattern = /^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$/;

const suffixFactor: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * The quantity's value in base units (cores, bytes), or `undefined` when Kubernetes would reject the text.
 *
 * @example parseQuantity('500m') // 0.5
 * @example parseQuantity('1Gi') // 1073741824
 */
export function parseQuantity(text: string): number | undefined {
  const match = quantityPattern.exec(text);
  if (!match) return undefined;
  const base = Number(match[1]);
  const suffix = match[2] ?? '';
  if (Number.isNaN(base)) return undefined;
  if (suffix === '') return base;
  if (suffix[0] === 'e' || suffix[0] === 'E') return base * 10 ** Number(suffix.slice(1));
  const factor = suffixFactor[suffix];
  return factor === undefined ? undefined : base * factor;
}
