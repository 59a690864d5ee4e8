import type { CronJob, Job, Kind, KubeEvent, KubeObject, Pod } from '../spec/types.ts';

export type ObjectOfKind<K extends Kind> = Extract<KubeObject, { kind: K }>;

export interface ObjectKey {
  namespace: string;
  name: string;
}

/**
 * Desired state and status of every object, as the Kubernetes API server keeps them.
 *
 * Semantics every adapter honours (the contract suite in `test/contract/state-store.contract.ts` checks them):
 * - `create` is a conditional put: it assigns `metadata.uid` when missing, `creationTimestamp` when missing and
 *   `resourceVersion` "1", and throws `AlreadyExistsError` when an object of that kind and name exists.
 * - `update` writes only when the stored `resourceVersion` equals `obj.metadata.resourceVersion`, else
 *   throws `ConflictError` (`NotFoundError` when gone); it returns the object with the next resourceVersion.
 * - Reads of one object and `listPods` are strongly consistent; `list` of a whole kind may lag writes.
 * - Pods are children of their Job: `metadata.labels['job-name']` names it, and deleting a Job deletes its pods
 *   and events.
 */
export interface StateStore {
  get<K extends Kind>(kind: K, key: ObjectKey): Promise<ObjectOfKind<K> | undefined>;
  /** Every object of a kind in a namespace; `ownerName` narrows Jobs to one CronJob's children. */
  list<K extends Kind>(kind: K, namespace: string, options?: { ownerName?: string }): Promise<ObjectOfKind<K>[]>;
  /** Pods of one Job, strongly consistent (the Job controller counts completions from them). */
  listPods(job: ObjectKey): Promise<Pod[]>;
  /** One pod of a Job, strongly consistent, by key (a task report reads only its own pod, however big the Job). */
  getPod(job: ObjectKey, podName: string): Promise<Pod | undefined>;
  create<T extends KubeObject>(obj: T): Promise<T>;
  update<T extends KubeObject>(obj: T): Promise<T>;
  /** Deletes the object (a Job: with its pods and events). Deleting an absent object is not an error. */
  delete(kind: Kind, key: ObjectKey): Promise<void>;
  recordEvent(event: KubeEvent): Promise<void>;
  listEvents(kind: Kind, key: ObjectKey): Promise<KubeEvent[]>;
}

export type { CronJob, Job, Pod };
