import { fileURLToPath } from 'node:url';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IEventSourceDlq } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

// Added to the Jobctl construct's own scope, so the resources keep their logical IDs (see state-table.ts).

/** What sets the construct's Lambdas apart: the rest (runtime, memory, bundling) is the same for all. */
export interface FunctionSettings {
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly architecture: lambda.Architecture;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly environment: Readonly<Record<string, string>>;
}

/** `<id>`, with its log group `<id>Logs` and role `<id>Role`. */
export function createFunction(scope: Construct, id: string, settings: FunctionSettings): NodejsFunction {
  // An explicit log group and role: retention without the LogRetention custom resource, and log writes granted
  // on this group only instead of the AWSLambdaBasicExecutionRole managed policy.
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: settings.logRetention,
    removalPolicy: settings.removalPolicy,
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: settings.description,
  });
  logGroup.grantWrite(role);
  return new NodejsFunction(scope, id, {
    entry: settings.entry,
    handler: 'handler',
    // The newest Node.js runtime of aws-cdk-lib 2.276 (cdk-nag AwsSolutions-L1 asks for the latest).
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: settings.architecture,
    memorySize: 512,
    timeout: settings.timeout,
    description: settings.description,
    role,
    logGroup,
    environment: { ...settings.environment },
    bundling: {
      forceDockerBundling: false,
      format: OutputFormat.ESM,
      target: 'node24',
      minify: true,
      sourceMap: true,
      mainFields: ['module', 'main'],
      // The SDK is bundled, pinned to package-lock.json, not taken from the runtime.
      externalModules: [],
      // CommonJS dependencies bundled into an ES module still call require().
      banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
}

/** The entry file of this repository's Lambda `name` (`functions/<name>.ts`). */
export function defaultEntry(name: 'dispatcher' | 'job-controller' | 'manifests'): string {
  return fileURLToPath(new URL(`../functions/${name}.ts`, import.meta.url));
}

/**
 * Where Lambda sends what failed for good (an asynchronous invocation after its retries, a stream batch after its
 * retries): the dead-letter queue. Lambda sends with the function's role, which needs `sqs:SendMessage` there and
 * nothing else (aws-cdk-lib's SqsDestination and SqsDlq also grant GetQueueAttributes and GetQueueUrl).
 */
export function failureDestination(deadLetterQueue: sqs.IQueue): lambda.IDestination {
  return {
    bind: (_scope: Construct, fn: lambda.IFunction) => ({ destination: grantFailureSend(fn, deadLetterQueue) }),
  };
}

/** The same for a stream event source mapping's on-failure destination. */
export function streamFailureDestination(deadLetterQueue: sqs.IQueue): IEventSourceDlq {
  return {
    bind: (_mapping: lambda.IEventSourceMapping, fn: lambda.IFunction) => ({
      destination: grantFailureSend(fn, deadLetterQueue),
    }),
  };
}

function grantFailureSend(fn: lambda.IFunction, deadLetterQueue: sqs.IQueue): string {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn] }));
  return deadLetterQueue.queueArn;
}
