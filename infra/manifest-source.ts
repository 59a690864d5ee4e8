import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ValidationErrors, type ValidationError } from '../src/errors.ts';
import { loadManifests, type LoadResult, type Manifest } from '../src/spec/index.ts';

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

/**
 * Reads and validates the manifests at `path` for `cdk synth`: a file, or a folder searched recursively (sorted, so
 * a synth is reproducible) for `.yaml`, `.yml` and `.json` files. Every file is validated before anything is
 * returned, and errors from all files are reported together. File names in messages are relative to `cwd`.
 *
 * @throws Error naming the `manifests` prop when the path is missing or holds no manifests, or when two files define
 *   the same kind/namespace/name; `ValidationErrors` (each `file:line field: reason`) on invalid manifests.
 * @example
 * const { objects } = readManifests('examples');
 */
export function readManifests(path: string, cwd = process.cwd()): LoadResult {
  if (!existsSync(path)) throw new Error(`Jobctl: manifests "${path}": no such file or folder`);
  const files = statSync(path).isDirectory() ? manifestFiles(path) : [path];
  if (files.length === 0) throw new Error(`Jobctl: manifests "${path}": the folder holds no .yaml, .yml or .json file`);
  const result: LoadResult = { objects: [], warnings: [] };
  const errors: ValidationError[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const shown = relative(cwd, file) || file;
    try {
      const loaded = loadManifests(readFileSync(file, 'utf8'), shown);
      for (const object of loaded.objects) {
        const key = keyOf(object);
        const first = seen.get(key);
        if (first !== undefined) {
          throw new Error(`Jobctl: manifests "${path}": ${key} is defined in both ${first} and ${shown}`);
        }
        seen.set(key, shown);
      }
      result.objects.push(...loaded.objects);
      result.warnings.push(...loaded.warnings);
    } catch (error) {
      if (error instanceof ValidationErrors) errors.push(...error.errors);
      else throw error;
    }
  }
  if (errors.length > 0) throw new ValidationErrors(errors);
  return result;
}

function keyOf(object: Manifest): string {
  return `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`;
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
