import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ValidationErrors } from '../src/errors.ts';
import { loadManifestSources, type LoadOptions, type LoadResult } from '../src/spec/index.ts';

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

/**
 * Reads and validates the manifests at `path` for `cdk synth`: a file, or a folder searched recursively (sorted, so
 * a synth is reproducible) for `.yaml`, `.yml` and `.json` files, or several of these separated by commas. Every file
 * is validated before anything is returned, and errors from all files are reported together. File names in messages are
 * relative to `cwd`.
 *
 * @throws Error naming the `manifests` prop when the path is missing or holds no manifests, or when two files define
 *   the same kind/namespace/name; `ValidationErrors` (each `file:line field: reason`) on invalid manifests.
 * @example
 * const { objects } = readManifests('examples');
 */
export function readManifests(path: string, cwd = process.cwd(), options: LoadOptions = {}): LoadResult {
  const files: string[] = [];
  for (const part of path
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    if (!existsSync(part)) throw new Error(`Jobctl: manifests "${part}": no such file or folder`);
    const found = statSync(part).isDirectory() ? manifestFiles(part) : [part];
    if (found.length === 0)
      throw new Error(`Jobctl: manifests "${part}": the folder holds no .yaml, .yml or .json file`);
    files.push(...found);
  }
  let result: LoadResult;
  try {
    result = loadManifestSources(
      files.map((file) => ({ file: relative(cwd, file) || file, text: readFileSync(file, 'utf8') })),
      options,
    );
  } catch (error) {
    if (error instanceof ValidationErrors) throw error;
    throw new Error(`Jobctl: manifests "${path}": ${(error as Error).message}`, { cause: error });
  }
  return result;
}

function manifestFiles(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...manifestFiles(full));
    else if (entry.isFile() && MANIFEST_EXTENSIONS.test(entry.name)) out.push(full);
  }
  return out;
}
