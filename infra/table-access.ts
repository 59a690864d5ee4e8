import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { stateTableKeys } from '../src/adapters/dynamodb/state-table.ts';

/** The state-table actions one role sends, and the GSIs it queries. */
export interface TableAccess {
  readonly actions: readonly string[];
  readonly indexes: ReadonlyArray<'byKind' | 'byOwner'>;
}

/**
 * The state-table actions each role sends, no more: what `DynamoDbStateStore`, `DynamoDbResourceQuotas` and the work
 * queues' tables send on that role's code paths, and what test/integration/aws-world.test.ts measures (it fails on a
 * denied request and on a grant no request used).
 */
export const TABLE_ACCESS: Record<'dispatcher' | 'jobController' | 'manifests' | 'worker', TableAccess> = {
  /**
   * The CronJob controller: the CronJob (GetItem), its Jobs (Query on GSI2), Job creation, status, events (PutItem),
   * and its slot ledger: the latest entry (Query of the `Slots#` partition, one item) and each slot's record (PutItem).
   */
  dispatcher: { actions: ['GetItem', 'PutItem', 'Query'], indexes: ['byOwner'] },
  /**
   * The Job controller: objects and pods (GetItem, PutItem, Query of a Job's partition), quota ledgers and work-queue
   * records (UpdateItem), partitions removed (BatchWriteItem, DeleteItem), the resync's lists (GSI1) and a CronJob's
   * Jobs (GSI2).
   */
  jobController: {
    actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'Query'],
    indexes: ['byKind', 'byOwner'],
  },
  /** `cdk deploy`: the config file's objects, queue settings and quotas written, and removed from a deleted stack. */
  manifests: {
    actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'Query'],
    indexes: ['byKind', 'byOwner'],
  },
  /** `jobctl worker` in a task (tasksUseWorkQueues): leases, completions and counts of the work queues' records. */
  worker: {
    actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'Query'],
    indexes: ['byKind'],
  },
};

/**
 * `access.actions` on the state table and Query on the GSIs it names: exactly what the role's adapters send
 * (TABLE_ACCESS), not `grantReadWriteData`'s dozen (Scan, BatchGetItem, ConditionCheckItem, DescribeTable, stream
 * reads on the table ARN, item actions on index ARNs where they never apply).
 */
export function grantTable(table: dynamodb.ITable, grantee: NodejsFunction | iam.Role, access: TableAccess): void {
  const add = (statement: iam.PolicyStatement) =>
    grantee instanceof iam.Role ? grantee.addToPrincipalPolicy(statement) : grantee.addToRolePolicy(statement);
  add(new iam.PolicyStatement({ actions: access.actions.map((a) => `dynamodb:${a}`), resources: [table.tableArn] }));
  if (access.indexes.length > 0) {
    const indexes = access.indexes.map((i) => `${table.tableArn}/index/${stateTableKeys[i].indexName}`);
    add(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: indexes }));
  }
  // An existingTable encrypted with a customer-managed key: DynamoDB uses the key on the caller's behalf (the
  // actions grantReadWriteData grants; found in review). The construct's own table uses an AWS-owned key.
  const writes = access.actions.some((a) => a !== 'GetItem' && a !== 'Query');
  const kmsActions = [
    'kms:Decrypt',
    'kms:DescribeKey',
    ...(writes ? ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'] : []),
  ];
  table.encryptionKey?.grant(grantee, ...kmsActions);
}
