/**
 * `$NAME` and `${NAME}` placeholders, replaced as the Kubernetes task's `sed "s/\$ITEM/$i/"` loop does: the value is
 * spliced into the text as it is, so it may sit inside a longer name (`process-item-$ITEM`) or a quoted string.
 */

/** A placeholder name: a shell variable name, as in `$ITEM` or `${ITEM}`. */
export const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const PLACEHOLDER = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Replaces every `$NAME` and `${NAME}` whose NAME is in `values`. Any other `$…` is left as it is: a Job's command
 * often holds shell variables (`sh -c "echo $HOME"`) and Kubernetes' own `$(VAR)` references, which are not
 * template placeholders. `$ITEM` ends where a shell name does: `$ITEMS` is the placeholder `ITEMS`, not `ITEM`
 * followed by `S` (use `${ITEM}S` for that).
 *
 * @example
 * substitutePlaceholders('name: process-item-$ITEM', { ITEM: 'apple' }); // 'name: process-item-apple'
 */
export function substitutePlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    return Object.hasOwn(values, name) ? (values[name] ?? '') : whole;
  });
}

/**
 * The names of every `$NAME` and `${NAME}` in `text`, in order of first appearance.
 *
 * @example
 * placeholderNames('echo $ITEM ${URL} $ITEM'); // ['ITEM', 'URL']
 */
export function placeholderNames(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) names.add(match[1] ?? match[2] ?? '');
  return [...names];
}

/**
 * `text` cut at every `$NAME`/`${NAME}` whose NAME is in `names`: `pieces` has one more entry than `names`, and
 * `pieces[0] + value(names[0]) + pieces[1] + …` is what {@link substitutePlaceholders} returns for those values.
 *
 * @example
 * splitAtPlaceholders('a-$ITEM-${ITEM}', new Set(['ITEM'])); // { pieces: ['a-', '-', ''], names: ['ITEM', 'ITEM'] }
 */
export function splitAtPlaceholders(text: string, names: ReadonlySet<string>): { pieces: string[]; names: string[] } {
  const pieces: string[] = [];
  const found: string[] = [];
  let from = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? match[2] ?? '';
    if (!names.has(name)) continue;
    pieces.push(text.slice(from, match.index));
    found.push(name);
    from = match.index + match[0].length;
  }
  pieces.push(text.slice(from));
  return { pieces, names: found };
}
