import type { ObjectKey } from './state-store.ts';
import type { Kind } from '../spec/types.ts';

/** A change a controller made that another controller must look at (the "watch" of Kubernetes' informers). */
export interface Change {
  /** `ResourceQuota`: a namespace's quotas changed (its `name`), so Jobs waiting for a slot may go now. */
  kind: Kind | 'ResourceQuota';
  key: ObjectKey;
}
