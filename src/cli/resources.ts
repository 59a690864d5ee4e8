import { JobctlError } from '../errors.ts';
import type { Kind } from '../spec/types.ts';

/** kubectl's names for the resources jobctl serves: plural, singular, short name, and `kind.group`. */
const ALIASES: Record<string, Kind> = {
  cronjobs: 'CronJob',
  cronjob: 'CronJob',
  cj: 'CronJob',
  'cronjobs.batch': 'CronJob',
  'cronjob.batch': 'CronJob',
  jobs: 'Job',
  job: 'Job',
  'jobs.batch': 'Job',
  'job.batch': 'Job',
  pods: 'Pod',
  pod: 'Pod',
  po: 'Pod',
};

/** Resolves `cronjobs`, `cj`, `job.batch`, … to a kind, or throws kubectl's message. */
export function parseResourceType(type: string): Kind {
  const kind = ALIASES[type.toLowerCase()];
  if (!kind)
    throw new JobctlError(
      'Validation',
      `error: the server doesn't have a resource type "${type}" (jobctl serves cronjobs, jobs and pods)`,
    );
  return kind;
}

/** Splits `job/hello-1` or `cronjob.batch/hello` into kind and name; a bare name keeps `defaultKind`. */
export function parseTypedName(arg: string, defaultKind?: Kind): { kind?: Kind; name: string } {
  const slash = arg.indexOf('/');
  if (slash === -1) return { kind: defaultKind, name: arg };
  return { kind: parseResourceType(arg.slice(0, slash)), name: arg.slice(slash + 1) };
}
