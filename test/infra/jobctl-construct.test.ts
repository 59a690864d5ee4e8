import { existsSync } from 'node:fs';
import { RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { scheduleNameFor, SCHEDULED_TIME_ATTRIBUTE } from '../../infra/jobctl-construct.ts';
import { JobctlStack } from '../../infra/jobctl-stack.ts';
import { JOBCTL_ENV } from '../../infra/lambda-env.ts';
import { stateTableDefinition } from '../../src/adapters/dynamodb/state-table.ts';
import {
  actionsOf,
  EXAMPLES,
  fastApp,
  FIXTURES,
  policyStatements,
  resourcesOf,
  STUB_ENTRY,
  synthJobctl,
} from './synth.ts';

const examples = synthJobctl();

function scheduleNamed(template: ReturnType<typeof synthJobctl>['template'], name: string): Record<string, unknown> {
  const found = Object.values(template.findResources('AWS::Scheduler::Schedule', { Properties: { Name: name } }));
  expect(found, `schedule ${name}`).toHaveLength(1);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
}

/** The CronJobs' schedules (named), without the job controller's resync schedule. */
function cronJobSchedules(
  template: ReturnType<typeof synthJobctl>['template'],
): Array<{ DependsOn?: string[]; Properties: Record<string, unknown> }> {
  return Object.values(template.findResources('AWS::Scheduler::Schedule')).filter(
    (r) => (r as { Properties: { Name?: string } }).Properties.Name !== undefined,
  ) as Array<{
    DependsOn?: string[];
    Properties: Record<string, unknown>;
  }>;
}

describe('Jobctl schedules', () => {
  it('runs the hello CronJob every minute in UTC with the dispatcher payload', () => {
    const hello = scheduleNamed(examples.template, 'default.hello');
    expect(hello).toMatchObject({
      ScheduleExpression: 'cron(* * * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 } },
    });
    const input = JSON.parse((hello['Target'] as { Input: string }).Input) as unknown;
    expect(input).toEqual({
      cronJob: { namespace: 'default', name: 'hello' },
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    expect(SCHEDULED_TIME_ATTRIBUTE).toBe('<aws.scheduler.scheduled-time>');
  });

  it('keeps the report CronJob in Berlin time with retries bounded by its 600 s deadline', () => {
    expect(scheduleNamed(examples.template, 'default.nightly-report')).toMatchObject({
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: { RetryPolicy: { MaximumEventAgeInSeconds: 600 } },
    });
  });

  it('targets the dispatcher with the scheduler role, the DLQ and the stack group for every schedule', () => {
    const [groupId, group] = Object.entries(examples.template.findResources('AWS::Scheduler::ScheduleGroup'))[0]!;
    const schedules = cronJobSchedules(examples.template);
    expect(schedules).toHaveLength(2);
    for (const schedule of schedules) {
      expect(schedule.DependsOn).toContain(groupId);
      expect(schedule.Properties).toMatchObject({
        GroupName: (group as { Properties: { Name: string } }).Properties.Name,
        Target: {
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/Dispatcher/), 'Arn'] },
          RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/JobctlSchedulerRole/), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue/), 'Arn'] } },
        },
      });
    }
    examples.template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
  });

  it('warns on the schedule when EventBridge runs a repeated local time once', () => {
    const warnings = Annotations.fromStack(examples.stack).findWarning(
      '*',
      Match.stringLikeRegexp('Europe/Berlin the local times 02:00-02:59 occur twice'),
    );
    expect(warnings.map((w) => w.id)).toEqual([expect.stringContaining('default.nightly-report')]);
  });

  it('makes two schedules when day-of-month and day-of-week are both restricted', () => {
    const { template } = synthJobctl({ manifests: `${FIXTURES}/or-rule.yaml` });
    expect(cronJobSchedules(template)).toHaveLength(2);
    expect(scheduleNamed(template, 'default.payroll_1')['ScheduleExpression']).toBe('cron(0 9 1 * ? *)');
    expect(scheduleNamed(template, 'default.payroll_2')['ScheduleExpression']).toBe('cron(0 9 ? * MON *)');
  });

  it(
    'keeps the schedule of a suspended CronJob enabled (the dispatcher honours suspend from the table) and raises a ' +
      'deadline under 60 s to the API minimum',
    () => {
      const { template, stack } = synthJobctl({ manifests: `${FIXTURES}/suspended.yaml` });
      expect(scheduleNamed(template, 'default.paused')).toMatchObject({
        ScheduleExpression: 'cron(0/15 * * * ? *)',
        State: 'ENABLED',
        Target: { RetryPolicy: { MaximumEventAgeInSeconds: 60 } },
      });
      expect(
        Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('startingDeadlineSeconds 30')),
      ).toHaveLength(1);
    },
  );

  it('names schedules within 64 characters, hashing long names', () => {
    const long = scheduleNameFor(
      'a-very-long-namespace-name-for-the-finance-team',
      'nightly-report-with-a-long-name',
      1,
      2,
    );
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/-[0-9a-f]{8}_2$/);
  });

  it('fails when an @every interval is not a whole number of minutes', () => {
    expect(() => synthJobctl({ manifests: `${FIXTURES}/every-seconds.yaml` })).toThrow(
      /default\/too-often spec.schedule "@every 90s"/,
    );
  });

  it('sets maximumRetryAttempts from scheduleRetryAttempts', () => {
    const { template } = synthJobctl({ scheduleRetryAttempts: 3 });
    for (const schedule of cronJobSchedules(template))
      expect(schedule.Properties).toMatchObject({ Target: { RetryPolicy: { MaximumRetryAttempts: 3 } } });
    expect(() => synthJobctl({ scheduleRetryAttempts: 186 })).toThrow(/scheduleRetryAttempts 186/);
  });
});

describe('Jobctl manifests', () => {
  it(
    'writes the config file into the table on deploy through Custom::JobctlManifests, after the job ' + 'controller',
    () => {
      const resources = examples.template.findResources('Custom::JobctlManifests');
      const entries = Object.entries(resources) as Array<
        [string, { Properties: { StackName: string; Manifests: string }; DependsOn: string[] }]
      >;
      expect(entries).toHaveLength(1);
      const [id, resource] = entries[0]!;
      expect(id).toMatch(/Manifests/);
      expect(resource.Properties.StackName).toBe('Test');
      const manifests = JSON.parse(resource.Properties.Manifests) as Array<{
        kind: string;
        metadata: { name: string };
        spec: Record<string, unknown>;
      }>;
      expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
        'CronJob/hello',
        'CronJob/nightly-report',
        'Job/indexed-demo',
      ]);
      expect(manifests.find((m) => m.metadata.name === 'indexed-demo')?.spec).toMatchObject({
        completions: 5,
        completionMode: 'Indexed',
      });
      expect(resource.DependsOn.some((d: string) => /JobController/.test(d))).toBe(true);
      // Deleted before the cluster, so stack deletion can wait for the removed Jobs' tasks to stop.
      expect(resource.DependsOn.some((d: string) => /Cluster/.test(d))).toBe(true);
      // The manifests function may write the table.
      const writers = policyStatements(examples.template).filter(
        (s) => /ManifestsFunction/.test(s.policy) && actionsOf(s).includes('dynamodb:PutItem'),
      );
      expect(writers).toHaveLength(1);
    },
  );

  it("starts the config file's Jobs only once the tasks' subnets have their route out (AWS-AUDIT F5)", () => {
    const [manifests] = Object.values(examples.template.findResources('Custom::JobctlManifests')) as Array<{
      DependsOn: string[];
    }>;
    const routes = Object.keys(examples.template.findResources('AWS::EC2::Route')).filter((id) =>
      /tasksSubnet\dDefaultRoute/.test(id),
    );
    expect(routes).toHaveLength(2);
    expect(manifests!.DependsOn).toEqual(expect.arrayContaining(routes));
  });

  it(
    "warns at synth, at the manifest's line, about an image the tasks would pull anonymously from Docker Hub " +
      '(AWS-AUDIT F1)',
    () => {
      const { stack } = synthJobctl({ manifests: `${FIXTURES}/docker-hub-images.yaml` });
      const warnings = Annotations.fromStack(stack).findWarning(
        '*',
        Match.stringLikeRegexp('pulled anonymously from Docker Hub'),
      );
      expect(warnings.map((w) => String(w.entry.data))).toEqual([
        expect.stringMatching(
          new RegExp(
            /^test\/infra\/fixtures\/docker-hub-images\.yaml:22/.source +
              / spec\.jobTemplate\.spec\.template\.spec\.containers\[0\]\.image: image "bitnami\/kubectl:1\.30"/
                .source +
              / would be pulled anonymously from Docker Hub .*10 unauthenticated pulls per hour per IP address.*/
                .source +
              / \[ack: @jobctl\/infra:docker-hub-anonymous-pull\]$/.source,
          ),
        ),
      ]);
      // The default manifests run the seed's `busybox`, which the mirror serves: no warning.
      expect(
        Annotations.fromStack(examples.stack).findWarning('*', Match.stringLikeRegexp('pulled anonymously')),
      ).toEqual([]);
      // With the mirror off, busybox is pulled from Docker Hub too.
      const off = synthJobctl({ manifests: `${FIXTURES}/docker-hub-images.yaml`, dockerHubMirror: false });
      expect(
        Annotations.fromStack(off.stack).findWarning('*', Match.stringLikeRegexp('pulled anonymously from Docker Hub')),
      ).toHaveLength(2);
    },
  );

  it(
    'creates an encrypted SQS queue and dead-letter queue per WorkQueue manifest, and records its settings (and the ' +
      'ResourceQuotas) on deploy',
    () => {
      const { template } = synthJobctl({ manifests: `${FIXTURES}/work-queues.yaml` });
      const queues = Object.entries(template.findResources('AWS::SQS::Queue')).filter(([, r]) =>
        /^jobctl-fruits/.test(String((r as { Properties: { QueueName?: string } }).Properties.QueueName)),
      );
      const byName = Object.fromEntries(
        queues.map(([id, r]) => [
          (r as { Properties: { QueueName: string } }).Properties.QueueName,
          { id, props: (r as { Properties: Record<string, unknown> }).Properties },
        ]),
      );
      expect(Object.keys(byName).sort()).toEqual(['jobctl-fruits', 'jobctl-fruits-dlq']);
      expect(byName['jobctl-fruits']!.props).toMatchObject({
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 120,
        MessageRetentionPeriod: 1_209_600,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [byName['jobctl-fruits-dlq']!.id, 'Arn'] },
          maxReceiveCount: 7,
        },
      });
      expect(byName['jobctl-fruits-dlq']!.props).toMatchObject({ SqsManagedSseEnabled: true });
      // TLS only, on both.
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).map((p) => JSON.stringify(p));
      for (const { id } of Object.values(byName))
        expect(policies.some((p) => p.includes(id) && p.includes('"aws:SecureTransport":"false"'))).toBe(true);
      const [manifests] = Object.values(template.findResources('Custom::JobctlManifests')) as Array<{
        Properties: { Queues: string; Quotas: string };
        DependsOn: string[];
      }>;
      expect(JSON.parse(manifests!.Properties.Queues)).toEqual([
        {
          apiVersion: 'jobctl.dev/v1',
          kind: 'WorkQueue',
          metadata: { name: 'fruits', namespace: 'default' },
          spec: { maxReceiveCount: 3, leaseSeconds: 120 },
        },
      ]);
      expect(JSON.parse(manifests!.Properties.Quotas)).toEqual([
        {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: 'tasks', namespace: 'default' },
          spec: { hard: { pods: 50 } },
        },
      ]);
      expect(manifests!.DependsOn).toEqual(expect.arrayContaining([byName['jobctl-fruits']!.id]));
    },
  );

  it('resyncs everything every 10 minutes through the job controller', () => {
    const resync = Object.values(examples.template.findResources('AWS::Scheduler::Schedule'))
      .map((r) => (r as { Properties: Record<string, unknown> }).Properties)
      .filter((p) => p['Name'] === undefined);
    expect(resync).toEqual([
      expect.objectContaining({
        ScheduleExpression: 'rate(10 minutes)',
        State: 'ENABLED',
        Target: expect.objectContaining({
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/JobController/), 'Arn'] },
          Input: '{"resync":{"namespace":"default"}}',
        }),
      }),
    ]);
  });

  it('fails synth with file:line field for every error of a bad manifest', () => {
    expect(() => synthJobctl({ manifests: `${FIXTURES}/bad` })).toThrow(
      new RegExp(
        /test\/infra\/fixtures\/bad\/cronjob.yaml:6 spec.schedule: Invalid value: "61 \* \* \*/.source +
          / \*"[\s\S]*cronjob.yaml:14 spec.jobTemplate.spec.template.spec.restartPolicy/.source,
      ),
    );
  });

  it('fails naming the manifests prop when the path does not exist', () => {
    expect(() => synthJobctl({ manifests: 'no/such/dir' })).toThrow(
      'Jobctl: manifests "no/such/dir": no such file or folder',
    );
  });

  it('loads a folder recursively: the CronJobs and the Job of examples/', () => {
    expect(examples.jobctl.cronJobs.map((c) => c.metadata.name).sort()).toEqual(['hello', 'nightly-report']);
    expect(examples.jobctl.jobs.map((j) => j.metadata.name)).toEqual(['indexed-demo']);
  });
});

describe('Jobctl state table', () => {
  it('has exactly the keys and GSIs of stateTableDefinition', () => {
    const wanted = stateTableDefinition('x');
    examples.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: wanted.KeySchema,
      AttributeDefinitions: Match.arrayEquals(wanted.AttributeDefinitions!.map((a) => Match.objectEquals({ ...a }))),
      GlobalSecondaryIndexes: wanted.GlobalSecondaryIndexes!.map((i) => ({
        IndexName: i.IndexName,
        KeySchema: i.KeySchema,
        Projection: i.Projection,
      })),
    });
  });

  it('has TTL on expiresAt, PITR, a NEW_AND_OLD_IMAGES stream and encryption', () => {
    examples.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      // An AWS-owned key (no KMS charges): SSE off in CloudFormation's terms (AWS-AUDIT F13).
      SSESpecification: { SSEEnabled: false },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('feeds the table stream to the job controller with a DLQ on failure', () => {
    examples.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('JobController') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('StateTable'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
      },
    });
  });

  it('uses existingTable instead of creating one', () => {
    const { template } = synthJobctl({}, (stack) => ({
      existingTable: dynamodb.Table.fromTableAttributes(stack, 'Mine', {
        tableName: 'my-jobctl',
        tableStreamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/my-jobctl/stream/2024-01-01T00:00:00.000',
      }),
    }));
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [JOBCTL_ENV.tableName]: 'my-jobctl' }) },
    });
  });

  it(
    "lets every role use the customer-managed KMS key of an existingTable (DynamoDB uses it on the caller's " +
      'behalf)',
    () => {
      const { template } = synthJobctl({}, (stack) => ({
        existingTable: dynamodb.Table.fromTableAttributes(stack, 'Mine', {
          tableName: 'my-jobctl',
          tableStreamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/my-jobctl/stream/2024-01-01T00:00:00.000',
          encryptionKey: kms.Key.fromKeyArn(
            stack,
            'Key',
            'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          ),
        }),
      }));
      const kmsActions = (policy: RegExp) =>
        policyStatements(template)
          .filter((s) => policy.test(s.policy))
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('kms:'))
          .sort();
      expect(kmsActions(/DispatcherRoleDefaultPolicy/)).toEqual([
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey*',
        'kms:ReEncrypt*',
      ]);
      expect(kmsActions(/ManifestsFunctionRoleDefaultPolicy/)).toEqual(
        expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*']),
      );
      expect(kmsActions(/JobControllerRoleDefaultPolicy/)).toEqual(
        expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*']),
      );
      // The construct's own table uses an AWS-owned key: no KMS grant at all.
      expect(
        policyStatements(examples.template)
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('kms:')),
      ).toEqual([]);
    },
  );

  it('rejects an existingTable without a stream, naming the prop', () => {
    expect(() =>
      synthJobctl({}, (stack) => ({ existingTable: dynamodb.Table.fromTableName(stack, 'NoStream', 'plain') })),
    ).toThrow(/existingTable .* has no stream/);
  });

  it('retains the table and log groups by default and deletes them with removalPolicy DESTROY', () => {
    examples.template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    const { template } = synthJobctl({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });
});

describe('Jobctl dead-letter queue', () => {
  it('is encrypted and denies non-TLS access', () => {
    examples.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    examples.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('Jobctl failures (AWS-AUDIT F4)', () => {
  it(
    'sends an asynchronous invocation of the dispatcher or the job controller that failed three times to the ' +
      'dead-letter queue',
    () => {
      const configs = Object.values(examples.template.findResources('AWS::Lambda::EventInvokeConfig')).map(
        (r) => (r as { Properties: Record<string, unknown> }).Properties,
      );
      const functionsWithConfig = configs.map((c) => JSON.stringify(c['FunctionName']));
      expect(functionsWithConfig.sort()).toEqual(
        [expect.stringMatching(/Dispatcher/), expect.stringMatching(/JobController/)].sort((a, b) =>
          String(a).localeCompare(String(b)),
        ),
      );
      for (const config of configs) {
        expect(config).toMatchObject({
          Qualifier: '$LATEST',
          DestinationConfig: {
            OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue/), 'Arn'] } },
          },
        });
      }
      // Lambda sends the failure record with the function's role.
      for (const fn of ['Dispatcher', 'JobController']) {
        const send = policyStatements(examples.template).filter(
          (s) => new RegExp(`${fn}RoleDefaultPolicy`).test(s.policy) && actionsOf(s).includes('sqs:SendMessage'),
        );
        expect(send.flatMap(resourcesOf)).toContainEqual({
          'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue/), 'Arn'],
        });
      }
    },
  );

  it('raises an alarm while the dead-letter queue holds a message', () => {
    examples.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'QueueName'] } },
      ],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('Jobctl compute and logs', () => {
  /**
   * The dispatcher, job controller and manifests functions (the Provider framework's own has handler
   * `framework.onEvent`).
   */
  const jobctlFunctions = (template: ReturnType<typeof synthJobctl>['template']) =>
    Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } })).map(
      (r) => (r as { Properties: Record<string, unknown> }).Properties,
    );

  it('runs its three Lambdas on the newest Node.js runtime on arm64 by default', () => {
    const functions = jobctlFunctions(examples.template);
    expect(functions).toHaveLength(3);
    for (const fn of functions) expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
  });

  it('uses the architecture prop', () => {
    for (const fn of jobctlFunctions(synthJobctl({ architecture: lambda.Architecture.X86_64 }).template))
      expect(fn['Architectures']).toEqual(['x86_64']);
  });

  it(
    'gives the job controller every variable src/runtime/lambda/env.ts reads, and the dispatcher the table and its ' +
      "repeated-local-time schedules' variables",
    () => {
      const ref = Match.anyValue();
      examples.template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Environment: {
          Variables: Match.objectEquals({
            [JOBCTL_ENV.tableName]: ref,
            [JOBCTL_ENV.clusterArn]: ref,
            [JOBCTL_ENV.subnets]: ref,
            [JOBCTL_ENV.securityGroups]: ref,
            [JOBCTL_ENV.assignPublicIp]: 'DISABLED',
            [JOBCTL_ENV.taskCpuArchitecture]: 'X86_64',
            [JOBCTL_ENV.dockerHubMirror]: 'ecr-public',
            [JOBCTL_ENV.logGroupName]: ref,
            [JOBCTL_ENV.logStreamPrefix]: 'jobctl',
            [JOBCTL_ENV.taskExecutionRoleArn]: ref,
            [JOBCTL_ENV.taskRoleArn]: ref,
            [JOBCTL_ENV.taskFamilyPrefix]: 'jobctl',
            [JOBCTL_ENV.scheduleGroupName]: ref,
            [JOBCTL_ENV.schedulerRoleArn]: ref,
            [JOBCTL_ENV.deadLetterQueueArn]: ref,
            [JOBCTL_ENV.dispatcherArn]: { 'Fn::GetAtt': [Match.stringLikeRegexp('Dispatcher'), 'Arn'] },
            [JOBCTL_ENV.dispatchRoleArn]: { 'Fn::GetAtt': [Match.stringLikeRegexp('SchedulerRole'), 'Arn'] },
            [JOBCTL_ENV.scheduleRetryAttempts]: '185',
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      });
      examples.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectEquals({
            [JOBCTL_ENV.tableName]: ref,
            [JOBCTL_ENV.scheduleGroupName]: ref,
            [JOBCTL_ENV.dispatchRoleArn]: { 'Fn::GetAtt': [Match.stringLikeRegexp('SchedulerRole'), 'Arn'] },
            [JOBCTL_ENV.deadLetterQueueArn]: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] },
            [JOBCTL_ENV.scheduleRetryAttempts]: '185',
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      });
    },
  );

  it('sets assignPublicIp ENABLED only when asked, with a VPC brought by the caller', () => {
    const { template } = synthJobctl({}, (stack) => ({
      vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-1',
        availabilityZones: ['eu-west-1a'],
        publicSubnetIds: ['subnet-p'],
        privateSubnetIds: ['subnet-a'],
      }),
      subnets: { subnetType: ec2.SubnetType.PUBLIC },
      assignPublicIp: true,
    }));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [JOBCTL_ENV.assignPublicIp]: 'ENABLED', [JOBCTL_ENV.subnets]: 'subnet-p' }),
      },
    });
  });

  it(
    "lays the VPC out without a NAT gateway with network 'public': tasks in public subnets with a public IP, no " +
      'inbound rule',
    () => {
      const { template } = synthJobctl({ network: 'public' });
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.resourceCountIs('AWS::EC2::EIP', 0);
      template.resourceCountIs('AWS::EC2::Subnet', 2);
      template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ [JOBCTL_ENV.assignPublicIp]: 'ENABLED' }) },
      });
      const groups = Object.values(template.findResources('AWS::EC2::SecurityGroup')).map(
        (g) => (g as { Properties: Record<string, unknown> }).Properties,
      );
      expect(groups).toHaveLength(1);
      expect(groups[0]).not.toHaveProperty('SecurityGroupIngress');
      expect(() =>
        synthJobctl({ network: 'public' }, (stack) => ({
          vpc: ec2.Vpc.fromVpcAttributes(stack, 'V', { vpcId: 'vpc-1', availabilityZones: ['a'] }),
        })),
      ).toThrow('Jobctl: network lays out the VPC the construct creates');
    },
  );

  it(
    'passes the task architecture, the Docker Hub mirror switch and the Docker Hub credentials to the job ' +
      'controller',
    () => {
      const { template } = synthJobctl({ taskCpuArchitecture: 'ARM64', dockerHubMirror: false }, (stack) => ({
        dockerHubCredentials: secretsmanager.Secret.fromSecretCompleteArn(
          stack,
          'Hub',
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbCdEf',
        ),
      }));
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            [JOBCTL_ENV.taskCpuArchitecture]: 'ARM64',
            [JOBCTL_ENV.dockerHubMirror]: 'off',
            [JOBCTL_ENV.dockerHubCredentialsArn]:
              'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbCdEf',
          }),
        },
      });
      // The ECS agent reads the secret with the execution role.
      const read = policyStatements(template).find((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
      expect(read?.policy).toMatch(/TaskExecutionRole/);
      expect(resourcesOf(read!)).toEqual(['arn:aws:secretsmanager:eu-west-1:123456789012:secret:dockerhub-AbCdEf']);
    },
  );

  it('keeps logs one month by default and for logRetention when given', () => {
    examples.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    synthJobctl({ logRetention: logs.RetentionDays.ONE_WEEK }).template.allResourcesProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 7,
    });
  });

  it(
    'creates an ECS cluster without Container Insights (opt-in: AWS-AUDIT F8) in a private-subnet VPC by ' + 'default',
    () => {
      examples.template.hasResourceProperties('AWS::ECS::Cluster', {
        ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }],
      });
      synthJobctl({ containerInsights: true }).template.hasResourceProperties('AWS::ECS::Cluster', {
        ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
      });
      examples.template.resourceCountIs('AWS::EC2::VPC', 1);
      examples.template.resourceCountIs('AWS::EC2::NatGateway', 1);
      examples.template.resourceCountIs('AWS::EC2::FlowLog', 1);
    },
  );

  it('uses the vpc, subnets and securityGroups brought by the caller', () => {
    const { template } = synthJobctl({}, (stack: Stack) => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-1',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        privateSubnetIds: ['subnet-a', 'subnet-b'],
        isolatedSubnetIds: ['subnet-i1', 'subnet-i2'],
      });
      return {
        vpc,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-1')],
      };
    });
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [JOBCTL_ENV.subnets]: 'subnet-i1,subnet-i2',
          [JOBCTL_ENV.securityGroups]: 'sg-1',
        }),
      },
    });
  });

  it('rejects subnets or securityGroups without vpc, naming the prop', () => {
    expect(() => synthJobctl({ subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } })).toThrow(
      'Jobctl: subnets requires vpc',
    );
    expect(() =>
      synthJobctl({}, (stack) => ({ securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-1')] })),
    ).toThrow('Jobctl: securityGroups requires vpc');
  });

  it(
    'sends the RUNNING and STOPPED task state changes of its cluster to the job controller (the only ones it ' +
      'records)',
    () => {
      examples.template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.ecs'],
          'detail-type': ['ECS Task State Change'],
          detail: {
            clusterArn: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('Cluster'), 'Arn'] }],
            lastStatus: ['RUNNING', 'STOPPED'],
          },
        },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('JobController'), 'Arn'] } })],
      });
    },
  );

  it('uses the taskFamilyPrefix prop in RunTask permissions and the environment', () => {
    const { template } = synthJobctl({ taskFamilyPrefix: 'team-a' });
    const runTask = policyStatements(template).find((s) => actionsOf(s).includes('ecs:RunTask'));
    expect(JSON.stringify(runTask?.Resource)).toContain(':task-definition/team-a-*');
    expect(() => synthJobctl({ taskFamilyPrefix: 'bad prefix' })).toThrow('Jobctl: taskFamilyPrefix "bad prefix"');
  });

  it.skipIf(!existsSync('functions/dispatcher.ts') || !existsSync('functions/job-controller.ts'))(
    'defaults the entries to functions/dispatcher.ts and functions/job-controller.ts',
    () => {
      expect(() => synthJobctl({ dispatcherEntry: undefined, jobControllerEntry: undefined })).not.toThrow();
    },
  );
});

describe('Jobctl IAM', () => {
  const statements = policyStatements(examples.template);
  const ALLOWED_STAR_ACTIONS = new Set([
    'ecs:RegisterTaskDefinition',
    'ecs:DescribeTaskDefinition',
    'ecs:ListTasks',
    'ecr:GetAuthorizationToken',
  ]);

  it('has no "*" resource on DynamoDB, ECS or Scheduler actions except those AWS authorizes only on "*"', () => {
    const starred = statements.filter((s) => resourcesOf(s).includes('*'));
    expect(starred.flatMap(actionsOf).filter((a) => !ALLOWED_STAR_ACTIONS.has(a))).toEqual([]);
    expect(
      starred
        .flatMap(actionsOf)
        .filter((a) => /^(dynamodb|ecs|scheduler):/.test(a))
        .sort(),
    ).toEqual(['ecs:DescribeTaskDefinition', 'ecs:ListTasks', 'ecs:RegisterTaskDefinition']);
    // A cluster-wide ListTasks is authorized on "*" (AWS-AUDIT F2), scoped to this cluster by its condition key.
    expect(starred.find((s) => actionsOf(s).includes('ecs:ListTasks'))?.Condition).toEqual({
      ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/Cluster/), 'Arn'] } },
    });
  });

  it(
    'allows iam:PassRole only for the two task roles (to ECS), the requeue role and the dispatch role (to ' +
      'Scheduler)',
    () => {
      const passRole = statements.filter((s) =>
        actionsOf(s).some((a) => a === 'iam:PassRole' || a === 'iam:*' || a === '*'),
      );
      const toScheduler = { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } };
      expect(passRole.map((s) => [s.policy, s.Condition, resourcesOf(s)])).toEqual([
        // The dispatcher passes the dispatch role for its own dst.* one-time schedules (repeated local times).
        [
          expect.stringMatching(/DispatcherRoleDefaultPolicy/),
          toScheduler,
          [{ 'Fn::GetAtt': [expect.stringMatching(/JobctlSchedulerRole/), 'Arn'] }],
        ],
        [
          expect.stringMatching(/JobControllerRoleDefaultPolicy/),
          { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
          [
            { 'Fn::GetAtt': [expect.stringMatching(/TaskExecutionRole/), 'Arn'] },
            { 'Fn::GetAtt': [expect.stringMatching(/JobctlTaskRole/), 'Arn'] },
          ],
        ],
        [
          expect.stringMatching(/JobControllerRoleDefaultPolicy/),
          toScheduler,
          [{ 'Fn::GetAtt': [expect.stringMatching(/RequeueSchedulerRole/), 'Arn'] }],
        ],
        [
          expect.stringMatching(/JobControllerRoleDefaultPolicy/),
          toScheduler,
          [{ 'Fn::GetAtt': [expect.stringMatching(/JobctlSchedulerRole/), 'Arn'] }],
        ],
      ]);
    },
  );

  it(
    "lets the job controller change only the cli.* schedules of its group (the stack's stay CloudFormation's), and " +
      'the dispatcher create only dst.* ones',
    () => {
      const scheduleActions = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:')));
      const byAction = (policy: RegExp) =>
        Object.fromEntries(
          scheduleActions
            .filter((s) => policy.test(s.policy))
            .flatMap((s) => actionsOf(s).map((a) => [a, JSON.stringify(s.Resource)])),
        );
      const jobController = byAction(/JobController/);
      expect(Object.keys(jobController).sort()).toEqual([
        'scheduler:CreateSchedule',
        'scheduler:DeleteSchedule',
        'scheduler:GetSchedule',
        'scheduler:UpdateSchedule',
      ]);
      for (const action of ['scheduler:GetSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'])
        expect(jobController[action]).toMatch(/:schedule\/.*\/cli\.\*"/);
      const dispatcher = byAction(/Dispatcher/);
      expect(Object.keys(dispatcher)).toEqual(['scheduler:CreateSchedule']);
      expect(dispatcher['scheduler:CreateSchedule']).toMatch(/:schedule\/.*\/dst\.\*"/);
      expect(scheduleActions.every((s) => /JobController|Dispatcher/.test(s.policy))).toBe(true);
      expect(scheduleActions.filter((s) => /Dispatcher/.test(s.policy))).toHaveLength(1);
    },
  );

  it('scopes RunTask to the jobctl families on this cluster', () => {
    const runTask = statements.filter((s) => actionsOf(s).includes('ecs:RunTask'));
    expect(runTask).toHaveLength(1);
    expect(JSON.stringify(runTask[0]!.Resource)).toContain(':task-definition/jobctl-*');
    expect(runTask[0]!.Condition).toEqual({
      ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/Cluster/), 'Arn'] } },
    });
  });

  it('lets the scheduler role only invoke the dispatcher and send to the DLQ', () => {
    const scheduler = statements.filter((s) => /SchedulerRole/.test(s.policy) && !/Requeue/.test(s.policy));
    expect(scheduler.map((s) => [s.Action, s.Resource])).toEqual([
      ['lambda:InvokeFunction', { 'Fn::GetAtt': [expect.stringMatching(/Dispatcher/), 'Arn'] }],
      ['sqs:SendMessage', { 'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue/), 'Arn'] }],
    ]);
  });

  it('lets the job controller use only the jobctl-* SQS queues (work items), and create none', () => {
    const sqs = statements.filter(
      (s) => actionsOf(s).some((a) => a.startsWith('sqs:')) && /JobController/.test(s.policy),
    );
    // Besides the work queues, only the stack's own dead-letter queue (the stream mapping's on-failure destination).
    const workQueues = sqs.filter((s) => /jobctl-\*/.test(JSON.stringify(s.Resource)));
    expect(workQueues.flatMap(actionsOf).sort()).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
    for (const other of sqs.filter((s) => !workQueues.includes(s)))
      expect(JSON.stringify(other.Resource)).toMatch(/DeadLetterQueue/);
    expect(sqs.flatMap(actionsOf).filter((a) => /CreateQueue|DeleteQueue|\*/.test(a))).toEqual([]);
  });

  it('gives tasks the table and the jobctl-* queues only with tasksUseWorkQueues, and none by default', () => {
    const taskStatements = (template: ReturnType<typeof synthJobctl>['template']) =>
      policyStatements(template).filter((s) => /JobctlTaskRole(?!.*Execution)/.test(s.policy));
    expect(taskStatements(examples.template)).toEqual([]);
    const { template } = synthJobctl({ tasksUseWorkQueues: true });
    const actions = taskStatements(template).flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
      ]),
    );
    expect(actions.filter((a) => /^(ecs|iam|scheduler|lambda):/.test(a) || a === 'sqs:CreateQueue')).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [JOBCTL_ENV.tasksUseWorkQueues]: 'true' }) },
    });
  });

  it('gives the dispatcher no ECS permission, and of IAM only iam:PassRole for its dst.* schedules', () => {
    const dispatcher = statements.filter((s) => /DispatcherRole/.test(s.policy)).flatMap(actionsOf);
    expect(dispatcher.filter((a) => a.startsWith('ecs:') || a.startsWith('iam:'))).toEqual(['iam:PassRole']);
  });
});

describe('Jobctl with cdk-nag AwsSolutions', () => {
  it('synthesizes with no unacknowledged finding, each acknowledgement with a reason', () => {
    const app = fastApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new JobctlStack(app, 'Nagged', {
      manifests: `${EXAMPLES},${FIXTURES}/work-queues.yaml`,
      tasksUseWorkQueues: true,
      dispatcherEntry: STUB_ENTRY,
      jobControllerEntry: STUB_ENTRY,
    });
    expect(() => app.synth()).not.toThrow();

    const acknowledgements = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgements) expect(reason.length, id).toBeGreaterThan(20);
  });
});
