import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Change } from '../../ports/changes.ts';
import { isJobFinished } from '../../engine/object-meta.ts';
import { managedByAnnotation } from '../../spec/ownership.ts';
import { quotaSettingsChangeOf } from '../../adapters/dynamodb/dynamodb-resource-quotas.ts';
import type { CronJob, Job, Pod } from '../../spec/types.ts';

/*
 * DynamoDB Streams records as Lambda receives them (event source mapping on the state table's stream, view type
 * NEW_AND_OLD_IMAGES): https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html ("Example event") and the
 * StreamRecord shape https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html.
 */

/** One record of a DynamoDB Streams event, as far as jobctl reads it. */
export interface DynamoDbStreamRecord {
  eventID?: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventSource: 'aws:dynamodb';
  eventSourceARN?: string;
  awsRegion?: string;
  eventVersion?: string;
  dynamodb: {
    Keys?: Record<string, AttributeValue>;
    NewImage?: Record<string, AttributeValue>;
    OldImage?: Record<string, AttributeValue>;
    SequenceNumber: string;
    SizeBytes?: number;
    StreamViewType?: string;
    ApproximateCreationDateTime?: number;
  };
}

export interface DynamoDbStreamEvent {
  Records: DynamoDbStreamRecord[];
}

/** A sync to run, and the records (sequence numbers) that asked for it. */
export interface StreamWork {
  change: Change;
  sequenceNumbers: string[];
}

interface StoredImage {
  PK?: string;
  SK?: string;
  /** The quota ledger's settings version (`dynamodb-resource-quotas.ts`). */
  qv?: number;
  kind?: string;
  object?: unknown;
}

/**
 * What the records ask the controllers to sync, deduplicated by object (a batch often holds several writes of one
 * Job). The informer events of Kubernetes' controllers, translated:
 *
 * | record | sync |
 * | --- | --- |
 * | Job inserted or modified | that Job (admission, progress, deletion via `deletionTimestamp`, TTL) |
 * | Job of a CronJob finishing (Complete/Failed appears) | the owning CronJob (`SawCompletedJob`, history limits) |
 * | unfinished Job of a CronJob removed | the owning CronJob (drops it from `active`) |
 * | CronJob inserted, or its `spec` changed | that CronJob (resume catches up as Kubernetes does) |
 * | CronJob `status.active` gains a Job | that Job (it is admitted now: see docs/design-notes.md "admission") |
 * | Pod phase or restart count changed | its Job (counts an exit the controller recorded itself) |
 * | a namespace's ResourceQuota settings changed (the ledger's `qv`) | the quota recount (`ResourceQuota`, name `*`) |
 * | anything else (events, annotation-only pod writes, CronJob status-only writes) | nothing |
 */
export function streamWorkOf(records: readonly DynamoDbStreamRecord[]): StreamWork[] {
  const work = new Map<string, StreamWork>();
  const add = (change: Change, sequenceNumber: string) => {
    const id = `${change.kind}/${change.key.namespace}/${change.key.name}`;
    const entry = work.get(id) ?? { change, sequenceNumbers: [] };
    if (!entry.sequenceNumbers.includes(sequenceNumber)) entry.sequenceNumbers.push(sequenceNumber);
    work.set(id, entry);
  };
  for (const record of records) {
    const seq = record.dynamodb.SequenceNumber;
    for (const change of changesOf(record)) add(change, seq);
  }
  return [...work.values()];
}

/**
 * CronJobs whose EventBridge schedules may have to change: inserted, removed, or with a changed `spec` or owner
 * annotation. Status-only writes (every run's) are not among them. See `runtime-schedules.ts`.
 */
export function scheduleWorkOf(records: readonly DynamoDbStreamRecord[]): StreamWork[] {
  const work = new Map<string, StreamWork>();
  for (const record of records) {
    const newImage = image(record.dynamodb.NewImage);
    const oldImage = image(record.dynamodb.OldImage);
    if ((newImage ?? oldImage)?.kind !== 'CronJob') continue;
    const cronJob = newImage?.object as CronJob | undefined;
    const old = oldImage?.object as CronJob | undefined;
    const subject = (cronJob ?? old)!;
    const owner = (c: CronJob | undefined) => c?.metadata.annotations?.[managedByAnnotation];
    const changed =
      cronJob === undefined ||
      old === undefined ||
      JSON.stringify(cronJob.spec) !== JSON.stringify(old.spec) ||
      owner(cronJob) !== owner(old);
    if (!changed) continue;
    const id = `${subject.metadata.namespace}/${subject.metadata.name}`;
    const entry = work.get(id) ?? {
      change: { kind: 'CronJob' as const, key: { namespace: subject.metadata.namespace, name: subject.metadata.name } },
      sequenceNumbers: [],
    };
    entry.sequenceNumbers.push(record.dynamodb.SequenceNumber);
    work.set(id, entry);
  }
  return [...work.values()];
}

function changesOf(record: DynamoDbStreamRecord): Change[] {
  const newImage = image(record.dynamodb.NewImage);
  const oldImage = image(record.dynamodb.OldImage);
  const stored = newImage ?? oldImage;
  if (stored === undefined) return [];
  // A ResourceQuota applied, changed or deleted: charge pods already running, wake Jobs a raise lets go.
  const quotaNamespace = quotaSettingsChangeOf(stored, newImage, oldImage);
  if (quotaNamespace !== undefined) return [{ kind: 'ResourceQuota', key: { namespace: quotaNamespace, name: '*' } }];
  switch (stored.kind) {
    case 'Job':
      return jobChanges(record.eventName, newImage?.object as Job | undefined, oldImage?.object as Job | undefined);
    case 'CronJob':
      return cronJobChanges(newImage?.object as CronJob | undefined, oldImage?.object as CronJob | undefined);
    case 'Pod':
      return podChanges(newImage?.object as Pod | undefined, oldImage?.object as Pod | undefined);
    default:
      return []; // events
  }
}

function jobChanges(
  eventName: DynamoDbStreamRecord['eventName'],
  job: Job | undefined,
  old: Job | undefined,
): Change[] {
  const subject = job ?? old;
  if (subject === undefined) return [];
  const key = { namespace: subject.metadata.namespace, name: subject.metadata.name };
  const owner = subject.metadata.ownerReferences?.find((o) => o.kind === 'CronJob' && o.controller);
  const ownerChange: Change[] = owner ? [{ kind: 'CronJob', key: { namespace: key.namespace, name: owner.name } }] : [];
  if (eventName === 'REMOVE' || job === undefined) return old !== undefined && !isJobFinished(old) ? ownerChange : [];
  const finishedNow = isJobFinished(job) && (old === undefined || !isJobFinished(old));
  return [{ kind: 'Job', key }, ...(finishedNow ? ownerChange : [])];
}

function cronJobChanges(cronJob: CronJob | undefined, old: CronJob | undefined): Change[] {
  if (cronJob === undefined) return [];
  const namespace = cronJob.metadata.namespace;
  const changes: Change[] = [];
  if (old === undefined || JSON.stringify(old.spec) !== JSON.stringify(cronJob.spec))
    changes.push({ kind: 'CronJob', key: { namespace, name: cronJob.metadata.name } });
  const before = new Set((old?.status.active ?? []).map((ref) => ref.uid));
  for (const ref of cronJob.status.active)
    if (!before.has(ref.uid))
      changes.push({ kind: 'Job', key: { namespace: ref.namespace ?? namespace, name: ref.name } });
  return changes;
}

function podChanges(pod: Pod | undefined, old: Pod | undefined): Change[] {
  if (pod === undefined || old === undefined) return [];
  const restarts = (p: Pod) => p.status.containerStatuses?.[0]?.restartCount ?? 0;
  if (pod.status.phase === old.status.phase && restarts(pod) === restarts(old)) return [];
  const jobName = pod.metadata.labels?.['job-name'];
  return jobName === undefined ? [] : [{ kind: 'Job', key: { namespace: pod.metadata.namespace, name: jobName } }];
}

function image(attributes: Record<string, AttributeValue> | undefined): StoredImage | undefined {
  return attributes === undefined ? undefined : (unmarshall(attributes) as StoredImage);
}
