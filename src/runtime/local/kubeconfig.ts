import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * The kubeconfig `jobctl up` writes for its Kubernetes API (`<stateDir>/kubeconfig`, mode 0600: it holds the bearer
 * token): one cluster, user and context, all named `jobctl`, namespace `default`, as kind and minikube write theirs.
 */
export const KUBECONFIG_CONTEXT = 'jobctl';

export function kubeconfigPath(stateDir: string): string {
  return join(stateDir, 'kubeconfig');
}

/** `caPem`: the server's self-signed certificate, the one kubectl is to trust. */
export function kubeconfigText(server: string, token: string, caPem: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: KUBECONFIG_CONTEXT, cluster: { server, 'certificate-authority-data': ca } }],
    users: [{ name: KUBECONFIG_CONTEXT, user: { token } }],
    contexts: [
      {
        name: KUBECONFIG_CONTEXT,
        context: { cluster: KUBECONFIG_CONTEXT, user: KUBECONFIG_CONTEXT, namespace: 'default' },
      },
    ],
    'current-context': KUBECONFIG_CONTEXT,
    preferences: {},
  });
}

export async function writeKubeconfig(stateDir: string, server: string, token: string, caPem: string): Promise<string> {
  const path = kubeconfigPath(stateDir);
  await writeKubeconfigFile(path, server, token, caPem);
  return path;
}

/** Writes the kubeconfig at `path`, owner-only (it holds the token), replacing one that is there. */
export async function writeKubeconfigFile(path: string, server: string, token: string, caPem: string): Promise<void> {
  await rm(path, { force: true });
  await writeFile(path, kubeconfigText(server, token, caPem), { mode: 0o600 });
}

/**
 * The port of the API the last `jobctl up` served here: reused when free, so kubectl's discovery cache (kept per
 * host and port under ~/.kube/cache) stays warm across restarts instead of growing a directory per start.
 */
export async function previousKubeApiPort(stateDir: string): Promise<number | undefined> {
  try {
    const config = parse(await readFile(kubeconfigPath(stateDir), 'utf8')) as {
      clusters?: Array<{ cluster?: { server?: string } }>;
    };
    const port = Number(new URL(config.clusters?.[0]?.cluster?.server ?? '').port);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}
