import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { JobctlError } from '../errors.ts';
import { loadManifestSources, type LoadOptions, type LoadResult } from '../spec/index.ts';
import { storeItemLimitFindings } from './apply.ts';

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

/**
 * Reads `-f` arguments as kubectl does: a file, a directory (its .yaml/.yml/.json files, sorted, not recursive),
 * or `-` for standard input. Every file is validated before the result is returned; errors from all files are
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
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new JobctlError('NotFound', `error: the path "${path}" does not exist`);
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => MANIFEST_EXTENSIONS.test(n)).sort();
      if (names.length === 0)
        throw new JobctlError('NotFound', `error: no manifests (.yaml, .yml, .json) in directory "${path}"`);
      for (const n of names)
        sources.push({ file: relative(cwd, join(path, n)) || n, text: await readFile(join(path, n), 'utf8') });
    } else {
      sources.push({ file: path, text: await readFile(path, 'utf8') });
    }
  }
  const result = loadManifestSources(sources, options);
  if (result.objects.length + result.queues.length + result.quotas.length === 0)
    throw new JobctlError('Validation', `error: no objects passed to apply`);
  return result;
}
