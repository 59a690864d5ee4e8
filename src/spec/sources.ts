import { JobctlError, ValidationErrors, type ValidationError } from '../errors.ts';
import { loadManifests, type LoadedObject, type LoadOptions, type LoadResult } from './load.ts';

/** One manifest file's text and the name errors should show for it. */
export interface ManifestSource {
  file: string;
  text: string;
}

/**
 * Validates every source before anything is returned, collecting the errors of all of them (so a user fixes every
 * file in one pass and nothing is applied from a set with one bad document), and rejects an object defined twice.
 * Shared by `jobctl apply -f` and `cdk synth`. Pure: the callers read the files.
 *
 * @throws ValidationErrors listing every `file:line field: reason`; JobctlError for an object defined twice.
 */
export function loadManifestSources(sources: readonly ManifestSource[], options: LoadOptions = {}): LoadResult {
  const result: LoadResult = { objects: [], queues: [], quotas: [], warnings: [] };
  const errors: ValidationError[] = [];
  const seen = new Map<string, string>();
  for (const source of sources) {
    try {
      const loaded = loadManifests(source.text, source.file, options);
      for (const object of [...loaded.quotas, ...loaded.queues, ...loaded.objects]) {
        const key = keyOf(object);
        const first = seen.get(key);
        if (first !== undefined)
          throw new JobctlError('Validation', `${key} is defined in both ${first} and ${source.file}`);
        seen.set(key, source.file);
      }
      result.objects.push(...loaded.objects);
      result.queues.push(...loaded.queues);
      result.quotas.push(...loaded.quotas);
      result.warnings.push(...loaded.warnings);
    } catch (error) {
      if (error instanceof ValidationErrors) errors.push(...error.errors);
      else throw error;
    }
  }
  if (errors.length > 0) throw new ValidationErrors(errors);
  return result;
}

function keyOf(object: LoadedObject): string {
  return `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`;
}
