import { JobctlError, NotFoundError } from '../errors.ts';
import type { Change } from '../ports/changes.ts';
import type { Connection, ObjectReads } from '../ports/connection.ts';
import { declaringStack } from '../spec/ownership.ts';
import type { Kind, KubeObject } from '../spec/types.ts';
import { resource } from './resources.ts';
import type { CliIo } from './io.ts';

/** The one namespace jobctl serves. */
export const NAMESPACE = 'default';

/** What every verb gets from the program that hosts it (`buildProgram` in program.ts). */
export interface CliContext {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `$JOBCTL_STATE_DIR` or `./.jobctl`: the embedded runtime's state. */
  stateDir: string;
  readStdin: () => Promise<string>;
  /** Ends `--watch`, `logs -f` and `wait` (Ctrl-C in a terminal). */
  signal?: AbortSignal;
  /** `--context` (or `$JOBCTL_CONTEXT`): `local`, the default, or `aws`. */
  contextOf(): 'local' | 'aws';
  /** Runs `work` with a connection to the context's state, closed afterwards. */
  withConnection<T>(work: (c: Connection) => Promise<T>): Promise<T>;
  /** Runs `work` with reads of objects only: through a running `jobctl up` when there is one (quicker to start). */
  withReads<T>(work: (r: ObjectReads) => Promise<T>): Promise<T>;
  /** Tells the runtime what changed; says so when none runs locally to act on it. */
  notifyAndHint(c: Connection, changes: Change[]): Promise<void>;
}

export async function mustGet<K extends Kind>(c: Connection, kind: K, name: string): Promise<KubeObject> {
  const obj =
    kind === 'Pod'
      ? (await c.store.list('Pod', NAMESPACE)).find((p) => p.metadata.name === name)
      : await c.store.get(kind, { namespace: NAMESPACE, name });
  if (!obj) throw new NotFoundError(`Error from server (NotFound): ${resource(kind)} "${name}" not found`);
  return obj;
}

export async function listKind(c: Connection, kind: Kind): Promise<KubeObject[]> {
  const objects: KubeObject[] = await c.store.list(kind, NAMESPACE);
  return objects.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * Objects the config file of a CDK stack declares are the file's: `jobctl` changing them would be undone by the next
 * deploy, so it refuses and says where to change them (docs/design-notes.md "Who owns what on AWS").
 */
export function assertNotStackDeclared(obj: KubeObject, verb: string, instead: string): void {
  const stack = declaringStack(obj);
  if (stack === undefined) return;
  throw new JobctlError(
    'Conflict',
    `error: cannot ${verb} ${obj.kind.toLowerCase()} "${obj.metadata.name}": it is declared in the config file of ` +
      `CDK stack ${stack}; ${instead}`,
  );
}

/** Waits `ms`, or less when `signal` aborts; leaves no listener behind (a long watch polls thousands of times). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
