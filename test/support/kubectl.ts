import { execFileSync } from 'node:child_process';

/**
 * Why the tests that drive the real kubectl cannot run on this machine, or undefined when they can. kubectl is not an
 * npm package: where it is missing, or older than 1.29 (which validates against OpenAPI v2, not served), those tests
 * are skipped and say so in their names (README, "The same with the real `kubectl`").
 */
export function kubectlSkipReason(): string | undefined {
  try {
    const out = execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 20_000 });
    const minor = Number.parseInt((JSON.parse(out) as { clientVersion: { minor: string } }).clientVersion.minor, 10);
    return minor >= 29 ? undefined : `kubectl 1.${minor} is older than 1.29`;
  } catch {
    return 'kubectl is not installed (it is not an npm package; see README, "kubectl")';
  }
}

/** `' (SKIPPED: <why>)'` for a test name, or `''` where kubectl runs. */
export function kubectlSkipNote(reason = kubectlSkipReason()): string {
  return reason === undefined ? '' : ` (SKIPPED: ${reason})`;
}
