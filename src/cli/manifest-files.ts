import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { JobctlError } from '../errors.ts';
import { loadManifestSources, type LoadOptions, type LoadResult } from '../spec/index.ts';
import { storeItemLimitFindings } from './apply.ts';

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

/**
 * Reads `-f` arguments as kubectl does: a file, a directory (its .yaml/.yml/.json files, sorted, not recursive),
 * an http(s) URL (the seed's `kubectl create -f https://k8s.io/examples/application/job/cronjob.yaml`), or `-` for
 * standard input. Every file is validated before the result is returned; errors from all files are
 * reported together, so nothing is applied from a set with one bad document. Validation includes the store's limits
 * (`options.check`, by default {@link storeItemLimitFindings}: every object fits one DynamoDB item), so `--dry-run`
 * refuses what `apply` would fail to write.
 */
export async function loadManifestArgs(
  paths: readonly string[],
  readStdin: () => Promise<string>,
  cwd = process.cwd(),
  options: LoadOptions = { check: storeItemLimitFindings },
): Promise<LoadResult> {
  const sources: Array<{ file: string; text: string }> = [];
  for (const path of paths) {
    if (path === '-') {
      sources.push({ file: '<stdin>', text: await readStdin() });
      continue;
    }
    if (/^https?:\/\//i.test(path)) {
      sources.push({ file: path, text: await readUrl(path) });
      continue;
    }
    // Relative to `cwd`, the command's working directory (not this process's, when a test runs commands in-process).
    const full = resolve(cwd, path);
    const info = await stat(full).catch(() => undefined);
    if (!info) throw new JobctlError('NotFound', `error: the path "${path}" does not exist`);
    if (info.isDirectory()) {
      const names = (await readdir(full)).filter((n) => MANIFEST_EXTENSIONS.test(n)).sort();
      if (names.length === 0)
        throw new JobctlError('NotFound', `error: no manifests (.yaml, .yml, .json) in directory "${path}"`);
      for (const n of names)
        sources.push({ file: relative(cwd, join(full, n)) || n, text: await readFile(join(full, n), 'utf8') });
    } else {
      sources.push({ file: path, text: await readFile(full, 'utf8') });
    }
  }
  const result = loadManifestSources(sources, options);
  if (result.objects.length + result.queues.length + result.quotas.length === 0)
    throw new JobctlError('Validation', `error: no objects passed to apply`);
  return result;
}

/** How long a manifest URL may take to answer. */
const URL_TIMEOUT_MS = 30_000;

/**
 * A manifest at a URL, following redirects (k8s.io/examples redirects to GitHub), with kubectl's messages
 * (k8s.io/cli-runtime `readHttpWithRetries`): `unable to read URL "…", server reported 404 Not Found, status
 * code=404`.
 */
async function readUrl(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(URL_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new JobctlError('NotFound', `error: unable to read URL "${url}": ${cause}`);
  }
  if (!response.ok)
    throw new JobctlError(
      'NotFound',
      `error: unable to read URL "${url}", server reported ${response.status} ${response.statusText}, status ` +
        `code=${response.status}`,
    );
  return response.text();
}
