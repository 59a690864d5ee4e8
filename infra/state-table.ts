import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { stateTableKeys } from '../src/adapters/dynamodb/state-table.ts';

/*
 * Parts of the Jobctl construct, each added to the construct's own scope (not a child construct) so that every
 * resource keeps the logical ID it had when they were methods: a deployed stack updates in place.
 */

/** The state table: objects, pods, events, queue items and quota records (docs/state-table.md). */
export function createStateTable(scope: Construct, removalPolicy: RemovalPolicy): dynamodb.TableV2 {
  const { partitionKey, sortKey, byKind, byOwner, timeToLiveAttribute } = stateTableKeys;
  const string = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
  return new dynamodb.TableV2(scope, 'StateTable', {
    partitionKey: string(partitionKey),
    sortKey: string(sortKey),
    billing: dynamodb.Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute,
    dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    // An AWS-owned key: no KMS requests billed, unlike the AWS-managed key (AWS-AUDIT.md F13).
    encryption: dynamodb.TableEncryptionV2.dynamoOwnedKey(),
    removalPolicy,
    deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    // The same indexes as `stateTableDefinition` (src/adapters/dynamodb/state-table.ts): `list` reads whole objects, so
    // ALL.
    globalSecondaryIndexes: [byKind, byOwner].map((index) => ({
      indexName: index.indexName,
      partitionKey: string(index.partitionKey),
      sortKey: string(index.sortKey),
      projectionType: dynamodb.ProjectionType.ALL,
    })),
  });
}
