/**
 * Kubernetes' `ResourceQuota` for the one resource jobctl can count: `pods`, the namespace's unfinished pods (a pod
 * is a task, so this caps the tasks running at once). As the API server's quota admission does, a pod is *charged*
 * before it is created and a pod over the limit is not created; the Job controller then holds its Job (a
 * `FailedCreate` warning, as Kubernetes records) and creates the pod when a slot frees, instead of failing it.
 *
 * Semantics every adapter honours:
 * - Several quotas in a namespace all apply: the smallest `hard.pods` is the limit.
 * - `admit` is atomic and idempotent per pod name: concurrent admissions never exceed the limit, and admitting a pod
 *   already charged succeeds without charging it twice (a sync retried after a crash between the charge and the
 *   pod's creation creates the same pod name). Without a quota in the namespace every pod is admitted.
 * - A charge is a *holder* (pod name, its Job, when charged). `release` removes holders; with `chargedAtMs` only the
 *   holder charged at that time (a reconcile must not undo a newer charge of the same name).
 * - Held Jobs wait in creation order; `popWaiting` takes the oldest and forgets them (a woken Job that is denied
 *   again waits again).
 */
/** The quota objects, as `jobctl apply/get/delete quota` and a stack's deploy see them. */
export interface QuotaObjects {
  /** Creates or replaces one quota's `hard` limits. */
  put(namespace: string, name: string, hard: QuotaHard): Promise<void>;
  /** Deletes one quota; false when it did not exist. The last one's charges go with it. */
  delete(namespace: string, name: string): Promise<boolean>;
  /** Every quota of the namespace with the usage they share, by name. */
  list(namespace: string): Promise<ResourceQuotaView[]>;
  /** How many Jobs wait. */
  countWaiting(namespace: string): Promise<number>;
  /** The Jobs waiting, oldest first (left waiting). */
  listWaiting(namespace: string): Promise<HeldJob[]>;
}

/** The admission and accounting of pods against the quotas: the Job controller's side (`controllers/pod-quota.ts`). */
export interface QuotaAdmission {
  /** The namespace's limit and charges; undefined when it has no quota. */
  usage(namespace: string): Promise<QuotaUsage | undefined>;
  /**
   * Charges `pod` when the namespace has a free slot, the pod is already charged, or a slot is reserved for its Job
   * (which the pod then takes over).
   */
  admit(namespace: string, pod: PodCharge): Promise<PodAdmission>;
  /**
   * Reserves a free slot for a waiting Job that is being woken, so that the slot is still there when the Job's sync
   * comes round (Jobs synced before it would otherwise take it, and it would be denied again). A holder like a pod's,
   * whose pod never exists: a reservation the Job does not use is released by the recount after its grace.
   */
  reserve(namespace: string, job: HeldJob, atMs: number): Promise<boolean>;
  /** Charges `pod` whatever the limit: a pod that exists counts (a quota created over running pods, as Kubernetes'). */
  charge(namespace: string, pod: PodCharge): Promise<void>;
  /** Removes charges; how many there were. */
  release(namespace: string, pods: ReadonlyArray<{ podName: string; chargedAtMs?: number }>): Promise<number>;
  /** Records that `job` waits for a slot; false when it already did. */
  hold(namespace: string, job: HeldJob): Promise<boolean>;
  /** Forgets that `job` waits (it was deleted). */
  unhold(namespace: string, job: HeldJob): Promise<void>;
  /**
   * Marks the namespace's usage as counted: a new ledger admits nothing until the recount has charged the pods that
   * already run (Kubernetes denies with "status unknown for quota" until its quota controller has computed usage).
   */
  markCounted(namespace: string): Promise<void>;
  /** The `max` Jobs that have waited longest, removed from the waiting list. */
  popWaiting(namespace: string, max: number): Promise<HeldJob[]>;
}

/** Both sides: what the adapter implements and the runtimes hand out. */
export interface ResourceQuotas extends QuotaObjects, QuotaAdmission {}

/** `spec.hard` of a ResourceQuota, the resources jobctl counts. */
export interface QuotaHard {
  pods: number;
}

/** One charged pod. */
export interface PodCharge {
  podName: string;
  jobName: string;
  chargedAtMs: number;
}

export interface QuotaUsage {
  /** False until the recount has charged the pods that ran before the quota existed: admission waits for it. */
  counted: boolean;
  /** The smallest `hard.pods` of the namespace's quotas. */
  limit: number;
  /** The quota that sets `limit` (named in `exceeded quota: <name>`). */
  limitedBy: string;
  /** The charged pods, by pod name. */
  holders: Map<string, PodCharge>;
}

export type PodAdmission =
  /** `noQuota`: admitted because the namespace has no quota at all. */
  | { admitted: true; noQuota?: boolean }
  /** `uncounted`: the quota is new and its usage not counted yet (not a full namespace). */
  | { admitted: false; quotaName: string; used: number; limit: number; uncounted?: boolean };

export interface HeldJob {
  name: string;
  /** RFC 3339: waiting Jobs are woken oldest first, as they were created. */
  creationTimestamp: string;
}

/** A ResourceQuota as `get`/`describe` show it: its `hard` and the namespace's `used`. */
export interface ResourceQuotaView {
  name: string;
  namespace: string;
  creationTimestamp: string;
  hard: QuotaHard;
  used: QuotaHard;
  /** Jobs waiting for a slot (jobctl's addition to `describe`). */
  waiting?: number;
}

export { MAX_QUOTA_PODS } from '../spec/types.ts';
