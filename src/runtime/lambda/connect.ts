import { DynamoDbResourceQuotas } from '../../adapters/dynamodb/dynamodb-resource-quotas.ts';
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { JobctlError } from '../../errors.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Connection } from '../../ports/connection.ts';
import type { TaskLauncher } from '../../ports/task-launcher.ts';
import { wellKnown } from '../../spec/types.ts';
import { CloudWatchLogSink } from '../../adapters/cloudwatch/cloudwatch-log-sink.ts';
import { DynamoDbSlotLedger } from '../../adapters/dynamodb/dynamodb-slot-ledger.ts';
import { DynamoDbStateStore } from '../../adapters/dynamodb/dynamodb-state-store.ts';
import { SqsWorkQueue } from '../../adapters/sqs/sqs-work-queue.ts';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DeadLetterQueue } from '../../adapters/sqs/dead-letters.ts';

/** The deployed stack's resources the CLI works on. */
export interface AwsTarget {
  stackName: string;
  tableName: string;
  logGroup: string;
  /** The dead-letter queue (`jobctl failures`) and the functions a redrive may invoke. */
  failures?: { queueUrl: string; functions: string[] };
}

/** Stack outputs `JobctlStack` declares (infra/jobctl-stack.ts) that the CLI reads. */
const OUTPUT_TABLE = 'TableName';
const OUTPUT_LOG_GROUP = 'TaskLogGroupName';
const OUTPUT_DEAD_LETTER_QUEUE = 'DeadLetterQueueUrl';
const OUTPUT_FUNCTIONS = ['DispatcherFunctionName', 'JobControllerFunctionName'];
export const DEFAULT_STACK_NAME = 'Jobctl';

/**
 * Finds the stack `jobctl --context aws` works on: `JOBCTL_TABLE_NAME` and `JOBCTL_LOG_GROUP` when both are set (no
 * CloudFormation call; for a Jobctl construct inside your own stack), else the outputs of stack `stackName`
 * (`--stack`, `JOBCTL_STACK`, default `Jobctl`) from DescribeStacks in the SDK's region.
 *
 * @throws JobctlError naming the stack and what to do when it does not exist, lacks an output, or no credentials.
 */
export async function resolveAwsTarget(
  env: Readonly<Record<string, string | undefined>>,
  cloudFormation: CloudFormationClient,
  stackOption?: string,
): Promise<AwsTarget> {
  const stackName = stackOption ?? env['JOBCTL_STACK'] ?? DEFAULT_STACK_NAME;
  const tableName = env['JOBCTL_TABLE_NAME'];
  const logGroup = env['JOBCTL_LOG_GROUP'];
  if (tableName && logGroup) {
    const queueUrl = env['JOBCTL_DEAD_LETTER_QUEUE_URL'];
    const functions = (env['JOBCTL_FUNCTIONS'] ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '');
    return { stackName, tableName, logGroup, ...(queueUrl ? { failures: { queueUrl, functions } } : {}) };
  }
  let outputs: Map<string, string>;
  try {
    const answer = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = new Map((answer.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    const e = error as Error & { name?: string };
    if (e.name === 'ValidationError' && /does not exist/.test(e.message)) {
      throw new JobctlError(
        'NotFound',
        `error: CloudFormation stack "${stackName}" does not exist in this region: deploy it with \`npx cdk ` +
          `deploy\`, or name yours with --stack NAME (JOBCTL_STACK)`,
        { cause: error },
      );
    }
    if (e.name === 'CredentialsProviderError') {
      throw new JobctlError(
        'Validation',
        `error: no AWS credentials for --context aws: ${e.message} (set AWS_PROFILE, or run aws configure / aws sso ` +
          `login)`,
        { cause: error },
      );
    }
    throw new JobctlError('Conflict', `error: reading stack "${stackName}": ${e.name}: ${e.message}`, { cause: error });
  }
  const output = (key: string, variable: string): string => {
    const value = outputs.get(key);
    if (!value)
      throw new JobctlError(
        'NotFound',
        `error: stack "${stackName}" has no output ${key}: is it a jobctl stack (infra/jobctl-stack.ts)? Otherwise ` +
          `set ${variable}`,
      );
    return value;
  };
  const queueUrl = outputs.get(OUTPUT_DEAD_LETTER_QUEUE);
  const functions = OUTPUT_FUNCTIONS.map((key) => outputs.get(key)).filter(
    (f): f is string => f !== undefined && f !== '',
  );
  return {
    stackName,
    tableName: tableName || output(OUTPUT_TABLE, 'JOBCTL_TABLE_NAME'),
    logGroup: logGroup || output(OUTPUT_LOG_GROUP, 'JOBCTL_LOG_GROUP'),
    ...(queueUrl ? { failures: { queueUrl, functions } } : {}),
  };
}

/** The CLI never launches or stops a task on AWS: it asks for deletion, and the job controller Lambda does the rest. */
const controllersOnly: TaskLauncher = {
  launch: () => Promise.reject(new Error('on AWS the job controller Lambda launches tasks')),
  stop: () => Promise.reject(new Error('on AWS the job controller Lambda stops tasks')),
};

/**
 * A CLI connection to a deployed stack: the state table through DynamoDB, logs from CloudWatch Logs. Writes reach the
 * controllers through the table's stream, so `notify` has nothing to do and the runtime always "runs".
 */
export function connectAws(
  target: AwsTarget,
  options: {
    clock: Clock;
    dynamodb?: DynamoDBClient;
    logs?: CloudWatchLogsClient;
    sqs?: SQSClient;
    lambda?: LambdaClient;
    pollMs?: number /** The dead-letter queue's long poll (tests: 0). @default 1 */;
    failuresWaitSeconds?: number;
  },
): Connection {
  // Adaptive: the SDK's standard retries with jittered back-off, plus its client-side rate limiter, which slows a bulk
  // apply down when DynamoDB answers ThrottlingException / ProvisionedThroughputExceededException.
  const dynamodb = options.dynamodb ?? new DynamoDBClient({ maxAttempts: 8, retryMode: 'adaptive' });
  const logsClient = options.logs ?? new CloudWatchLogsClient({ maxAttempts: 8 });
  const sqs = options.sqs ?? new SQSClient({ maxAttempts: 8 });
  const lambda = options.lambda ?? new LambdaClient({ maxAttempts: 4 });
  const store = new DynamoDbStateStore({
    client: dynamodb,
    tableName: target.tableName,
    now: () => options.clock.now(),
  });
  const logs = new CloudWatchLogSink({
    client: logsClient,
    logGroup: target.logGroup,
    refresh: (pod) =>
      store.getPod(
        { namespace: pod.metadata.namespace, name: pod.metadata.labels?.[wellKnown.jobName] ?? '' },
        pod.metadata.name,
      ),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  return {
    store,
    queues: new SqsWorkQueue({ sqs, dynamodb, tableName: target.tableName, now: () => options.clock.now() }),
    quotas: new DynamoDbResourceQuotas({
      client: dynamodb,
      tableName: target.tableName,
      now: () => options.clock.now(),
    }),
    logs,
    slots: new DynamoDbSlotLedger({ client: dynamodb, tableName: target.tableName, now: () => options.clock.now() }),
    ...(target.failures === undefined
      ? {}
      : {
          failures: new DeadLetterQueue({
            sqs,
            lambda,
            queueUrl: target.failures.queueUrl,
            functions: target.failures.functions,
            ...(options.failuresWaitSeconds === undefined ? {} : { waitSeconds: options.failuresWaitSeconds }),
          }),
        }),
    launcher: controllersOnly,
    clock: options.clock,
    isRuntimeRunning: true,
    notify: async () => {},
    // The awslogs driver ships lines within seconds; keep reading a little after the task stopped.
    logsSettleMs: 5_000,
    async close() {
      if (options.dynamodb === undefined) dynamodb.destroy();
      if (options.logs === undefined) logsClient.destroy();
      if (options.sqs === undefined) sqs.destroy();
      if (options.lambda === undefined) lambda.destroy();
    },
  };
}
