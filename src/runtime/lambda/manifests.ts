import type { Clock } from '../../ports/clock.ts';
import type { StateStore } from '../../ports/state-store.ts';
import type { WorkQueue } from '../../ports/work-queue.ts';
import type { ResourceQuotaManifest, WorkQueueManifest } from '../../spec/types.ts';
import type { ResourceQuotas } from '../../ports/resource-quotas.ts';
import {
  applyStackManifests,
  removeStackManifests,
  waitForJobDeletions,
  type StackManifest,
  type StackObjectOutcome,
} from '../../controllers/stack-manifests.ts';

/** How long stack deletion waits for the removed Jobs' tasks to stop (the manifests function's timeout is 5 min). */
const DELETE_WAIT_MS = 240_000;

/**
 * The properties of the stack's `Custom::JobctlManifests` resource (the construct writes them). The manifests travel
 * as one JSON string: CloudFormation passes custom resource properties through as strings, which would turn
 * `completions: 5` into `"5"`.
 */
export interface ManifestsProperties {
  StackName: string;
  /** JSON array of the config file's validated CronJobs and Jobs, in file order. */
  Manifests: string;
  /**
   * JSON array of the config file's `kind: WorkQueue` manifests (their SQS queues are CloudFormation's). @default "[]"
   */
  Queues?: string;
  /** JSON array of the config file's `kind: ResourceQuota` manifests. @default "[]" */
  Quotas?: string;
}

/**
 * The event the CDK Provider framework passes its `onEvent` handler: CloudFormation's custom resource request
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref.html), `ResponseURL` included; the
 * framework answers it itself (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources-readme.html).
 * Only the members read here are required by this type.
 */
export interface ManifestsEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  RequestId?: string;
  StackId?: string;
  ResponseURL?: string;
  ResourceType?: string;
  LogicalResourceId?: string;
  ResourceProperties: ManifestsProperties & { ServiceToken?: string };
  OldResourceProperties?: ManifestsProperties & { ServiceToken?: string };
}

export interface ManifestsResult {
  PhysicalResourceId: string;
  Data: { Created: number; Configured: number; Unchanged: number; Deleted: number };
}

/**
 * `cdk deploy` → the state table: Create and Update apply the config file's manifests ({@link applyStackManifests},
 * with the previous deploy's manifests from `OldResourceProperties`), Delete removes what the stack declared. A thrown
 * error fails the resource and CloudFormation rolls back, calling Update with the old manifests (idempotent).
 * The physical id is the stack name, stable across updates, so CloudFormation never replaces the resource (a
 * replacement would Delete the old one after creating the new one: every object would go).
 */
export async function handleManifestsEvent(
  deps: {
    store: StateStore;
    clock: Clock;
    queues?: WorkQueue;
    quotas?: ResourceQuotas;
    log?: (record: Record<string, unknown>) => void;
    /** Waits between checks that the removed Jobs are gone (stack deletion). @default - a timer */
    sleep?: (ms: number) => Promise<void>;
  },
  event: ManifestsEvent,
): Promise<ManifestsResult> {
  const props = event.ResourceProperties;
  if (typeof props?.StackName !== 'string' || props.StackName === '')
    throw new TypeError(
      `manifests: ResourceProperties.StackName: required string, got ${JSON.stringify(props?.StackName)}`,
    );
  const stackName = props.StackName;
  const physicalId = event.PhysicalResourceId ?? `jobctl-manifests-${stackName}`;
  let outcomes: StackObjectOutcome[];
  switch (event.RequestType) {
    case 'Create':
    case 'Update': {
      const desired = parseManifests(props.Manifests, 'ResourceProperties.Manifests');
      const previous =
        event.RequestType === 'Update' && event.OldResourceProperties !== undefined
          ? parseManifests(event.OldResourceProperties.Manifests, 'OldResourceProperties.Manifests')
          : undefined;
      const queues =
        deps.queues === undefined
          ? undefined
          : {
              queues: deps.queues,
              desired: parseQueues(props.Queues, 'ResourceProperties.Queues'),
              ...(event.RequestType === 'Update' && event.OldResourceProperties !== undefined
                ? { previous: parseQueues(event.OldResourceProperties.Queues, 'OldResourceProperties.Queues') }
                : {}),
            };
      const quotas =
        deps.quotas === undefined
          ? undefined
          : {
              quotas: deps.quotas,
              desired: parseQuotas(props.Quotas, 'ResourceProperties.Quotas'),
              ...(event.RequestType === 'Update' && event.OldResourceProperties !== undefined
                ? { previous: parseQuotas(event.OldResourceProperties.Quotas, 'OldResourceProperties.Quotas') }
                : {}),
            };
      outcomes = await applyStackManifests(deps, {
        stackName,
        desired,
        ...(previous === undefined ? {} : { previous }),
        ...(queues === undefined ? {} : { queues }),
        ...(quotas === undefined ? {} : { quotas }),
      });
      break;
    }
    case 'Delete': {
      outcomes = await removeStackManifests(deps, stackName);
      // The job controller stops their tasks; wait for it, or the ECS cluster (deleted next) refuses to go.
      const stillGoing = await waitForJobDeletions(deps, {
        timeoutMs: DELETE_WAIT_MS,
        sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      });
      if (stillGoing > 0)
        (deps.log ?? ((r) => console.log(JSON.stringify(r))))({
          msg: 'Jobs still being deleted when the stack went on',
          stillGoing,
        });
      for (const q of deps.queues === undefined ? [] : parseQueues(props.Queues, 'ResourceProperties.Queues')) {
        await deps.queues!.deleteQueue(q.metadata.name);
        outcomes.push({ kind: 'WorkQueue', name: q.metadata.name, action: 'deleted' });
      }
      for (const q of deps.quotas === undefined ? [] : parseQuotas(props.Quotas, 'ResourceProperties.Quotas')) {
        if (await deps.quotas!.delete(q.metadata.namespace, q.metadata.name))
          outcomes.push({ kind: 'ResourceQuota', name: q.metadata.name, action: 'deleted' });
      }
      break;
    }
    default:
      throw new TypeError(
        `manifests: RequestType: invalid value ${JSON.stringify((event as { RequestType?: unknown }).RequestType)}: ` +
          `must be Create, Update or Delete`,
      );
  }
  (deps.log ?? ((r) => console.log(JSON.stringify(r))))({
    msg: 'manifests applied',
    requestType: event.RequestType,
    stackName,
    outcomes,
  });
  const count = (action: StackObjectOutcome['action']) => outcomes.filter((o) => o.action === action).length;
  return {
    PhysicalResourceId: physicalId,
    Data: {
      Created: count('created'),
      Configured: count('configured'),
      Unchanged: count('unchanged') + count('not-recreated'),
      Deleted: count('deleted'),
    },
  };
}

function parseQuotas(text: unknown, where: string): ResourceQuotaManifest[] {
  if (text === undefined) return [];
  if (typeof text !== 'string') throw new TypeError(`manifests: ${where}: required JSON string, got ${typeof text}`);
  const parsed: unknown = JSON.parse(text);
  const isQuota = (q: Partial<ResourceQuotaManifest> | null) =>
    q?.kind === 'ResourceQuota' &&
    typeof q.metadata?.name === 'string' &&
    typeof q.metadata.namespace === 'string' &&
    typeof q.spec?.hard?.pods === 'number';
  if (!Array.isArray(parsed) || !parsed.every(isQuota))
    throw new TypeError(`manifests: ${where}: must be a JSON array of ResourceQuota manifests`);
  return parsed as ResourceQuotaManifest[];
}

function parseQueues(text: unknown, where: string): WorkQueueManifest[] {
  if (text === undefined) return [];
  if (typeof text !== 'string') throw new TypeError(`manifests: ${where}: required JSON string, got ${typeof text}`);
  const parsed: unknown = JSON.parse(text);
  if (
    !Array.isArray(parsed) ||
    parsed.some(
      (q: Partial<WorkQueueManifest> | null) => q?.kind !== 'WorkQueue' || typeof q.metadata?.name !== 'string',
    )
  ) {
    throw new TypeError(`manifests: ${where}: must be a JSON array of WorkQueue manifests`);
  }
  return parsed as WorkQueueManifest[];
}

/** The manifests the construct validated at synth; only their shape is checked here (they were written by jobctl). */
function parseManifests(text: unknown, where: string): StackManifest[] {
  if (typeof text !== 'string') throw new TypeError(`manifests: ${where}: required JSON string, got ${typeof text}`);
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new TypeError(`manifests: ${where}: must be a JSON array of CronJobs and Jobs`);
  parsed.forEach((m: unknown, i) => {
    const obj = m as Partial<StackManifest> | null;
    if (
      obj === null ||
      (obj.kind !== 'CronJob' && obj.kind !== 'Job') ||
      typeof obj.metadata?.name !== 'string' ||
      typeof obj.metadata.namespace !== 'string'
    ) {
      throw new TypeError(`manifests: ${where}[${i}]: not a CronJob or Job with metadata.name and metadata.namespace`);
    }
  });
  return parsed as StackManifest[];
}
