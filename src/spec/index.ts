/**
 * Manifests: loading (multi-document YAML, `kind: List`), Kubernetes validation and defaulting, and the report of
 * fields jobctl cannot honour.
 */
export {
  loadManifests,
  validateManifest,
  type LoadedObject,
  type LoadOptions,
  type LoadResult,
  type Manifest,
  type ManifestLint,
  type ManifestWarning,
} from './load.ts';
export {
  applyCronJobDefaults,
  applyJobDefaults,
  applyWorkQueueDefaults,
  defaultJobSpec,
  defaultNamespace,
  type CronJobInput,
  type JobInput,
  type JobSpecInput,
  type WorkQueueInput,
  workQueueDefaults,
} from './defaults.ts';
export { loadManifestSources, type ManifestSource } from './sources.ts';
export { unsupportedFields, type UnsupportedField, type UnsupportedSeverity } from './unsupported.ts';
