/**
 * Kubernetes' `$(VAR_NAME)` expansion in a container's command and args (k8s.io/kubernetes
 * third_party/forked/golang/expansion): `$(NAME)` becomes the value of env var NAME when it is defined, and stays as
 * written when it is not; `$$` escapes a `$`, so `$$(NAME)` yields the literal `$(NAME)`.
 */
export function expandVars(input: string, env: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const value = env.get(name);
      out += value ?? `$(${name})`;
      i = close;
    } else {
      // A `$` not followed by `(` or `$` is kept with the next character, as upstream does.
      out += ch + next;
      i++;
    }
  }
  return out;
}
