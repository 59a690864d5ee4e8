import { beforeAll, describe, expect, it } from 'vitest';
import { synthJobctl } from '../../infra/synth.ts';
import {
  authorizationsFor,
  checkRequests,
  ECS_LIST_TASKS_CLUSTER_WIDE,
  evaluate,
  HarnessError,
  roleGrants,
  rolePolicies,
  sessionArnOf,
  validateAuthorization,
  type Authorization,
  type PolicyStatement,
  type ResolvedPolicy,
} from '../../support/aws-rules/iam.ts';
import type { RecordedRequest } from '../../support/aws-rules/recorded-request.ts';
import { deployedTemplate, TemplateError, type DeployedTemplate } from '../../support/aws-rules/template.ts';

const ACCOUNT = '111122223333';
const REGION = 'us-west-2';
const CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/jobctl`;
const OTHER_CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other`;
const PRINCIPAL = `arn:aws:sts::${ACCOUNT}:assumed-role/controller/controller-fn`;
const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;

function request(service: string, operation: string, input: Record<string, unknown>, role = 'Role'): RecordedRequest {
  return { role, service, operation, input, region: REGION, account: ACCOUNT };
}

function policy(...statements: PolicyStatement[]): ResolvedPolicy[] {
  return [{ name: 'test', kind: 'inline', document: { Version: '2012-10-17', Statement: statements } }];
}

/** A statement that grants something unrelated, so the statements under test are not at index 0. */
const LOGS: PolicyStatement = {
  Effect: 'Allow',
  Action: 'logs:PutLogEvents',
  Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:x:*`,
};

async function only(policies: ResolvedPolicy[], authorization: Authorization | undefined): ReturnType<typeof evaluate> {
  if (authorization === undefined) throw new Error('no authorization');
  return evaluate(policies, PRINCIPAL, authorization);
}

describe('authorizations evaluated by iam-simulate against handwritten policies', () => {
  it(
    'a cluster-wide ListTasks is authorized on "*": a container-instance statement denies it, "*" + ArnEquals ' +
      'ecs:cluster allows it',
    async () => {
      const [listTasks, ...rest] = authorizationsFor(
        request('ecs', 'ListTasks', { cluster: CLUSTER, desiredStatus: 'RUNNING' }),
      );
      expect(rest).toEqual([]);
      expect(listTasks).toEqual({
        action: 'ecs:ListTasks',
        resource: '*',
        context: { 'ecs:cluster': CLUSTER },
        note: ECS_LIST_TASKS_CLUSTER_WIDE.note,
      });

      // The grant an audit found: what the IAM data suggests, and what AWS never matches for a cluster-wide list.
      const audited = policy(LOGS, {
        Effect: 'Allow',
        Action: 'ecs:ListTasks',
        Resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/jobctl/*`,
        Condition: { ArnEquals: { 'ecs:cluster': CLUSTER } },
      });
      const denied = await only(audited, listTasks);
      expect(denied.allowed).toBe(false);
      expect(denied.explain).toContain('never matches a request on "*"');

      const fixed = policy(LOGS, {
        Effect: 'Allow',
        Action: 'ecs:ListTasks',
        Resource: '*',
        Condition: { ArnEquals: { 'ecs:cluster': CLUSTER } },
      });
      const allowed = await only(fixed, listTasks);
      expect(allowed.allowed).toBe(true);
      expect(allowed.allowedBy).toEqual([{ policy: 'test', statement: 1, resources: ['*'] }]);

      const [otherCluster] = authorizationsFor(request('ecs', 'ListTasks', { cluster: OTHER_CLUSTER }));
      expect((await only(fixed, otherCluster)).allowed).toBe(false);

      // With a containerInstance the IAM data is right: the container-instance ARN is what AWS checks.
      const [perInstance] = authorizationsFor(
        request('ecs', 'ListTasks', { cluster: CLUSTER, containerInstance: 'abc123' }),
      );
      expect(perInstance?.resource).toBe(`arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/jobctl/abc123`);
      expect((await only(audited, perInstance)).allowed).toBe(true);
    },
  );

  it(
    'RunTask is allowed on task-definition/jobctl-* with the cluster condition, and denied on another ' + 'cluster',
    async () => {
      const grants = policy(LOGS, {
        Effect: 'Allow',
        Action: 'ecs:RunTask',
        Resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/jobctl-*`,
        Condition: { ArnEquals: { 'ecs:cluster': CLUSTER } },
      });
      const [runTask] = authorizationsFor(
        request('ecs', 'RunTask', { cluster: CLUSTER, taskDefinition: 'jobctl-busybox-1a2b', launchType: 'FARGATE' }),
      );
      // A bare family runs its latest revision: a concrete revision ARN stands for it, and the note says so.
      expect(runTask).toMatchObject({
        action: 'ecs:RunTask',
        resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/jobctl-busybox-1a2b:1`,
        context: { 'ecs:cluster': CLUSTER },
      });
      expect(runTask?.note).toContain('latest ACTIVE revision');
      const allowed = await only(grants, runTask);
      expect(allowed).toMatchObject({ allowed: true, allowedBy: [{ policy: 'test', statement: 1 }] });

      const [elsewhere] = authorizationsFor(
        request('ecs', 'RunTask', { cluster: 'other', taskDefinition: 'jobctl-busybox-1a2b:7' }),
      );
      expect(elsewhere?.context).toEqual({ 'ecs:cluster': OTHER_CLUSTER });
      const denied = await only(grants, elsewhere);
      expect(denied.allowed).toBe(false);
      expect(denied.explain).toContain('ArnEquals ecs:cluster');

      const [otherFamily] = authorizationsFor(
        request('ecs', 'RunTask', {
          cluster: CLUSTER,
          taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/payroll:3`,
        }),
      );
      expect((await only(grants, otherFamily)).allowed).toBe(false);
    },
  );

  it(
    "RunTask with tags implies ecs:TagResource (ecs:CreateAction=RunTask) and PassRole of the task definition's " +
      'roles',
    async () => {
      const auths = authorizationsFor(
        request('ecs', 'RunTask', {
          cluster: CLUSTER,
          taskDefinition: 'jobctl-a',
          tags: [{ key: 'job', value: 'j1' }],
        }),
        {
          taskDefinitionRoles: (family) =>
            family === 'jobctl-a' ? { taskRoleArn: roleArn('task'), executionRoleArn: roleArn('exec') } : undefined,
        },
      );
      expect(auths.map((a) => [a.action, a.resource])).toEqual([
        ['ecs:RunTask', `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/jobctl-a:1`],
        [
          'ecs:TagResource',
          expect.stringMatching(new RegExp(`^arn:aws:ecs:${REGION}:${ACCOUNT}:task/jobctl/[0-9a-f]{32}$`)),
        ],
        ['iam:PassRole', roleArn('task')],
        ['iam:PassRole', roleArn('exec')],
      ]);
      expect(auths[1]?.context).toEqual({
        'ecs:CreateAction': 'RunTask',
        'aws:RequestTag/job': 'j1',
        'aws:TagKeys': ['job'],
      });
      expect(auths[2]?.context).toEqual({ 'iam:PassedToService': 'ecs-tasks.amazonaws.com' });
      for (const a of auths) await validateAuthorization(a);
    },
  );

  it("CreateSchedule's implied PassRole is denied when the PassRole statement names another role", async () => {
    const input = {
      Name: 'rq.default.job-1',
      GroupName: 'jobctl',
      Target: { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:controller`, RoleArn: roleArn('requeue') },
    };
    const [create, pass] = authorizationsFor(request('scheduler', 'CreateSchedule', input));
    expect(create).toMatchObject({
      action: 'scheduler:CreateSchedule',
      resource: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/jobctl/rq.default.job-1`,
    });
    expect(pass).toMatchObject({
      action: 'iam:PassRole',
      resource: roleArn('requeue'),
      context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
    });

    const createGrant: PolicyStatement = {
      Effect: 'Allow',
      Action: 'scheduler:CreateSchedule',
      Resource: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/jobctl/*`,
    };
    const passGrant = (role: string, service: string): PolicyStatement => ({
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: roleArn(role),
      Condition: { StringEquals: { 'iam:PassedToService': service } },
    });
    const wrongRole = policy(createGrant, passGrant('dispatch', 'scheduler.amazonaws.com'));
    expect((await only(wrongRole, create)).allowed).toBe(true);
    const denied = await only(wrongRole, pass);
    expect(denied.allowed).toBe(false);
    expect(denied.explain).toContain('do not match');
    expect((await only(policy(createGrant, passGrant('requeue', 'ecs-tasks.amazonaws.com')), pass)).allowed).toBe(
      false,
    );
    expect((await only(policy(createGrant, passGrant('requeue', 'scheduler.amazonaws.com')), pass)).allowedBy).toEqual([
      { policy: 'test', statement: 1, resources: [roleArn('requeue')] },
    ]);

    const [inDefault] = authorizationsFor(request('scheduler', 'GetSchedule', { Name: 'x' }));
    expect(inDefault?.resource).toBe(`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/x`);
  });

  it(
    'SQS batch actions are authorized as their single-message action, on the queue of the URL (a local ' +
      'server too)',
    async () => {
      const queueUrl = `http://127.0.0.1:9324/${ACCOUNT}/jobctl-work`;
      const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:jobctl-work`;
      const batches: Array<[string, string]> = [
        ['SendMessageBatch', 'sqs:SendMessage'],
        ['DeleteMessageBatch', 'sqs:DeleteMessage'],
        ['ChangeMessageVisibilityBatch', 'sqs:ChangeMessageVisibility'],
      ];
      const grants = policy({
        Effect: 'Allow',
        Action: [
          'sqs:SendMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:ReceiveMessage',
          'sqs:GetQueueUrl',
        ],
        Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:jobctl-*`,
      });
      for (const [operation, action] of batches) {
        const auths = authorizationsFor(request('sqs', operation, { QueueUrl: queueUrl, Entries: [] }));
        expect(auths.map((a) => [a.action, a.resource])).toEqual([[action, queueArn]]);
        expect((await only(grants, auths[0])).allowed).toBe(true);
      }
      const [byName] = authorizationsFor(
        request('sqs', 'GetQueueUrl', { QueueName: 'jobctl-work', QueueOwnerAWSAccountId: '444455556666' }),
      );
      expect(byName?.resource).toBe(`arn:aws:sqs:${REGION}:444455556666:jobctl-work`);
      const [real] = authorizationsFor(
        request('sqs', 'ReceiveMessage', { QueueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/jobctl-work` }),
      );
      expect(real?.resource).toBe(`arn:aws:sqs:eu-west-1:${ACCOUNT}:jobctl-work`);
      expect((await only(grants, real)).allowed).toBe(false);
    },
  );

  it('an operation the harness does not know throws instead of passing', () => {
    expect(() => authorizationsFor(request('ecs', 'DeleteCluster', { cluster: CLUSTER }))).toThrow(HarnessError);
    expect(() => authorizationsFor(request('s3', 'GetObject', { Bucket: 'b', Key: 'k' }))).toThrow(/does not know/);
  });
});

describe("authorizations are checked against AWS's IAM data (a mismatch is a harness error, not a denial)", () => {
  const anything = policy({ Effect: 'Allow', Action: '*', Resource: '*' });

  it('RunTask on an S3 ARN does not match the ARN format of its resource type', async () => {
    const wrong: Authorization = { action: 'ecs:RunTask', resource: 'arn:aws:s3:::bucket/key', context: {} };
    await expect(validateAuthorization(wrong)).rejects.toThrow(HarnessError);
    await expect(validateAuthorization(wrong)).rejects.toThrow(/task-definition\/\$\{TaskDefinitionFamilyName\}/);
    await expect(evaluate(anything, PRINCIPAL, wrong)).rejects.toThrow(/not the ARN format/);
  });

  it('"*" is only right for actions without resource types, and for the documented ListTasks exception', async () => {
    await expect(validateAuthorization({ action: 'ecs:StopTask', resource: '*', context: {} })).rejects.toThrow(
      /authorizes on task/,
    );
    await validateAuthorization({ action: 'ecs:DescribeTaskDefinition', resource: '*', context: {} });
    await validateAuthorization({ action: 'ecs:ListTasks', resource: '*', context: { 'ecs:cluster': CLUSTER } });
    await expect(
      validateAuthorization({
        action: 'dynamodb:ListStreams',
        resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/t/stream/x`,
        context: {},
      }),
    ).rejects.toThrow(/no resource types/);
  });

  it('context keys must be supported by the action or resource type (or be global); actions must exist', async () => {
    const queue = `arn:aws:sqs:${REGION}:${ACCOUNT}:q`;
    await expect(
      validateAuthorization({ action: 'sqs:SendMessage', resource: queue, context: { 'ecs:cluster': CLUSTER } }),
    ).rejects.toThrow(/context key ecs:cluster/);
    await validateAuthorization({
      action: 'sqs:SendMessage',
      resource: queue,
      context: { 'aws:SourceVpce': 'vpce-1' },
    });
    await expect(
      validateAuthorization({ action: 'sqs:SendMessageBatch', resource: queue, context: {} }),
    ).rejects.toThrow(/no such action/);
  });

  it(
    'marks grants the IAM data says can never apply (a stream action on a table, a "*"-only action on ' + 'an ARN)',
    async () => {
      const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/t`;
      const grants = await roleGrants(
        policy({
          Effect: 'Allow',
          Action: ['dynamodb:GetRecords', 'dynamodb:ListStreams', 'dynamodb:Query'],
          Resource: [table, `${table}/stream/*`],
        }),
        'R',
      );
      const verdicts = grants.map((g) => [
        g.action,
        g.resource,
        g.ineffective === undefined ? 'effective' : 'ineffective',
      ]);
      expect(verdicts).toEqual(
        expect.arrayContaining([
          ['dynamodb:GetRecords', table, 'ineffective'],
          ['dynamodb:GetRecords', `${table}/stream/*`, 'effective'],
          ['dynamodb:ListStreams', table, 'ineffective'],
          ['dynamodb:ListStreams', `${table}/stream/*`, 'ineffective'],
          ['dynamodb:Query', table, 'effective'],
        ]),
      );
      expect(grants).toHaveLength(6);
    },
  );

  it('every authorization derived from the supported operations matches the IAM data', async () => {
    const table = 'jobctl-state';
    const requests = [
      request('dynamodb', 'Query', { TableName: table, IndexName: 'GSI1' }),
      request('dynamodb', 'BatchWriteItem', { RequestItems: { [table]: [] } }),
      request('dynamodb', 'TransactWriteItems', {
        TransactItems: [{ Put: { TableName: table } }, { ConditionCheck: { TableName: table } }],
      }),
      request('ecs', 'StopTask', { cluster: CLUSTER, task: 'abc' }),
      request('ecs', 'DescribeTasks', {
        cluster: CLUSTER,
        tasks: ['abc', `arn:aws:ecs:${REGION}:${ACCOUNT}:task/jobctl/def`],
      }),
      request('ecs', 'RegisterTaskDefinition', {
        family: 'jobctl-x',
        cpu: '256',
        memory: '512',
        requiresCompatibilities: ['FARGATE'],
        taskRoleArn: roleArn('t'),
        tags: [{ key: 'k', value: 'v' }],
      }),
      request('ecs', 'DescribeTaskDefinition', { taskDefinition: 'jobctl-x' }),
      request('scheduler', 'DeleteSchedule', { Name: 'x', GroupName: 'g' }),
      request('scheduler', 'UpdateSchedule', {
        Name: 'x',
        GroupName: 'g',
        Target: { Arn: 'arn:aws:lambda:us-west-2:111122223333:function:f', RoleArn: roleArn('s') },
      }),
      request('lambda', 'Invoke', { FunctionName: 'f', Qualifier: 'live' }),
      request('logs', 'GetLogEvents', { logGroupName: '/jobctl/tasks', logStreamName: 'jobctl/c/1' }),
      request('logs', 'FilterLogEvents', { logGroupName: '/jobctl/tasks' }),
      request('cloudformation', 'DescribeStacks', { StackName: 'Jobctl' }),
    ];
    const auths = requests.flatMap((r) => authorizationsFor(r));
    expect(auths.length).toBeGreaterThan(requests.length);
    for (const a of auths) await validateAuthorization(a);
    // Each is a question iam-simulate accepts: an allow-all policy allows it.
    for (const a of auths) expect((await evaluate(anything, PRINCIPAL, a)).allowed).toBe(true);
  });
});

/** A small template: one function, its role and policy (statement 0: DynamoDB, 1: SQS, 2: Logs), a table, a queue. */
function smallTemplate(): Record<string, unknown> {
  return {
    Parameters: { Prefix: { Type: 'String', Default: 'jobctl' } },
    Conditions: {
      WithQueue: { 'Fn::Equals': [{ Ref: 'Prefix' }, 'jobctl'] },
      Never: { 'Fn::Not': [{ Condition: 'WithQueue' }] },
    },
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: { 'Fn::Sub': '${Prefix}-state' },
          StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        },
      },
      Queue: { Type: 'AWS::SQS::Queue', Condition: 'WithQueue', Properties: {} },
      Logs: {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: { 'Fn::Join': ['/', ['', { Ref: 'Prefix' }, 'fn']] } },
      },
      Unused: { Type: 'AWS::SNS::Topic', Condition: 'Never', Properties: {} },
      FnRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {}, Path: '/service/' } },
      FnPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'p',
          Roles: [{ Ref: 'FnRole' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
                Resource: { 'Fn::GetAtt': ['Table', 'Arn'] },
              },
              {
                Effect: 'Allow',
                Action: 'sqs:SendMessage',
                Resource: { 'Fn::If': ['WithQueue', { 'Fn::GetAtt': 'Queue.Arn' }, { Ref: 'AWS::NoValue' }] },
              },
              { Effect: 'Allow', Action: 'logs:*Log?vents', Resource: { 'Fn::GetAtt': ['Logs', 'Arn'] } },
            ],
          },
        },
      },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] },
          Environment: {
            Variables: {
              TABLE: { Ref: 'Table' },
              QUEUE_URL: { Ref: 'Queue' },
              STREAM: { 'Fn::Sub': ['${S}', { S: { 'Fn::GetAtt': ['Table', 'StreamArn'] } }] },
              HOST: { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'Queue' }] }] },
              WHERE: {
                'Fn::Sub':
                  '${AWS::Partition}:${AWS::Region}:${AWS::AccountId}:${AWS::URLSuffix}:' +
                  '${AWS::StackName}:${!Literal}:${Fn.Arn}',
              },
              AZ: { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] },
            },
          },
        },
      },
    },
  };
}

describe('the deployed-looking template view', () => {
  it('gives physical ids and resolves intrinsics as CloudFormation does', () => {
    const d = deployedTemplate(smallTemplate(), { stackName: 'Jobs' });
    expect(d.physicalId('Table')).toBe('jobctl-state');
    const queueName = d.attribute('Queue', 'QueueName') as string;
    expect(queueName).toMatch(/^Jobs-Queue-[A-Z0-9]{12}$/);
    expect(d.physicalId('Queue')).toBe(`https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${queueName}`);
    expect(d.attribute('Queue', 'Arn')).toBe(`arn:aws:sqs:${REGION}:${ACCOUNT}:${queueName}`);
    expect(d.attribute('Logs', 'Arn')).toBe(`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/jobctl/fn:*`);
    expect(d.attribute('FnRole', 'Arn')).toMatch(
      new RegExp(`^arn:aws:iam::${ACCOUNT}:role/service/Jobs-FnRole-[A-Z0-9]{12}$`),
    );
    const fnName = d.physicalId('Fn');
    expect(d.functionEnvironment('Fn')).toEqual({
      TABLE: 'jobctl-state',
      QUEUE_URL: d.physicalId('Queue'),
      STREAM: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/jobctl-state/stream/2024-01-01T00:00:00.000`,
      HOST: `sqs.${REGION}.amazonaws.com`,
      WHERE:
        `aws:${REGION}:${ACCOUNT}:amazonaws.com:Jobs:\${Literal}:arn:aws:lambda:${REGION}:${ACCOUNT}` +
        `:function:${fnName}`,
      AZ: `${REGION}b`,
    });
    expect(d.functionRole('Fn')).toBe('FnRole');
    expect(d.logicalIdsOfType('AWS::SNS::Topic')).toEqual([]);
    expect(() => d.physicalId('Unused')).toThrow(/not created/);
    expect(d.findFunction('Fn')).toBe('Fn');
    expect(() => d.findFunction('Dispatcher')).toThrow(TemplateError);
  });

  it('throws, naming them, on intrinsics, resource types and attributes it does not know', () => {
    const withCidr = {
      Resources: { V: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: { 'Fn::Cidr': ['10.0.0.0/16', 2, 8] } } } },
    };
    expect(() => deployedTemplate(withCidr).resources).toThrow(/unsupported intrinsic function Fn::Cidr/);
    expect(() => deployedTemplate({ Resources: { B: { Type: 'AWS::Backup::BackupVault', Properties: {} } } })).toThrow(
      /AWS::Backup::BackupVault \(B\)/,
    );
    const custom = deployedTemplate({
      Resources: { C: { Type: 'Custom::Thing', Properties: {} }, Q: { Type: 'AWS::SQS::Queue' } },
    });
    expect(() => custom.attribute('C', 'Value')).toThrow(/custom resource/);
    expect(() => custom.attribute('Q', 'Nope')).toThrow(/AWS::SQS::Queue has no attribute Nope/);
    expect(() => custom.resolve({ Ref: 'Missing' })).toThrow(/no such parameter, pseudo parameter or resource/);
  });

  it('unused-grant detection finds the statement no request used; justified grants are reported apart', async () => {
    const d = deployedTemplate(smallTemplate());
    expect(rolePolicies(d, 'FnRole').map((p) => p.name)).toEqual(['FnPolicy']);
    const env = d.functionEnvironment('Fn');
    const getItem = request('dynamodb', 'GetItem', { TableName: env['TABLE'], Key: { PK: { S: 'a' } } }, 'FnRole');
    const report = await checkRequests(d, [getItem], {
      justified: [{ role: 'FnRole', action: 'logs:*', why: 'the Lambda runtime writes the function logs' }],
    });
    expect(report).toMatchObject({ recorded: 1, authorizations: 1, allowed: 1, denied: [] });
    expect(report.results[0]?.evaluation.allowedBy).toEqual([
      { policy: 'FnPolicy', statement: 0, resources: [d.attribute('Table', 'Arn')] },
    ]);
    // The principal is the function's session of the role.
    expect(sessionArnOf(d, 'FnRole').principal).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/${d.physicalId('FnRole')}/${d.physicalId('Fn')}`,
    );
    expect(report.unusedGrants.map((g) => [g.statement, g.action])).toEqual([
      [0, 'dynamodb:PutItem'],
      [1, 'sqs:SendMessage'],
    ]);
    // logs:*Log?vents expands, with the IAM data, to the actions it grants.
    expect(report.justified.map((g) => g.action).sort()).toEqual([
      'logs:FilterLogEvents',
      'logs:GetLogEvents',
      'logs:PutLogEvents',
    ]);

    const denied = await checkRequests(d, [
      request('dynamodb', 'DeleteItem', { TableName: env['TABLE'], Key: {} }, 'FnRole'),
    ]);
    expect(denied.denied).toHaveLength(1);
    expect(denied.denied[0]?.why).toMatch(/no statement .* grants dynamodb:DeleteItem/);
  });
});

describe('the synthesized construct', () => {
  let d: DeployedTemplate;
  let tableName: string;
  let clusterArn: string;
  let taskRoles: string[];

  beforeAll(() => {
    d = deployedTemplate(synthJobctl().template.toJSON());
    const tables = [...d.logicalIdsOfType('AWS::DynamoDB::GlobalTable'), ...d.logicalIdsOfType('AWS::DynamoDB::Table')];
    expect(tables).toHaveLength(1);
    tableName = d.physicalId(tables[0]!);
    const clusters = d.logicalIdsOfType('AWS::ECS::Cluster');
    expect(clusters).toHaveLength(1);
    clusterArn = String(d.attribute(clusters[0]!, 'Arn'));
    // The task and execution roles: the roles ECS tasks assume.
    taskRoles = d
      .logicalIdsOfType('AWS::IAM::Role')
      .filter((id) =>
        JSON.stringify(d.resources[id]!.properties['AssumeRolePolicyDocument']).includes('ecs-tasks.amazonaws.com'),
      )
      .map((id) => String(d.attribute(id, 'Arn')));
    expect(taskRoles).toHaveLength(2);
  }, 20_000);

  const from = (
    fn: 'dispatcher' | 'jobController',
    service: string,
    operation: string,
    input: Record<string, unknown>,
  ): RecordedRequest => ({
    role: d.functionRole(d.functionsByEntryHint[fn]),
    service,
    operation,
    input,
    region: d.region,
    account: d.account,
  });

  it("resolves the roles' identity policies; the jobctl function roles have no managed policy", () => {
    for (const fn of Object.values(d.functionsByEntryHint)) {
      const policies = rolePolicies(d, d.functionRole(fn));
      expect(policies.length).toBeGreaterThan(0);
      expect(policies.filter((p) => p.kind === 'managed')).toEqual([]);
    }
    const unknownManaged = deployedTemplate({
      Resources: {
        R: {
          Type: 'AWS::IAM::Role',
          Properties: { ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] },
        },
      },
    });
    expect(() => rolePolicies(unknownManaged, 'R')).toThrow(/AdministratorAccess .* statements are unknown/);
  });

  it("gives the functions the table's real name", () => {
    expect(d.functionEnvironment(d.functionsByEntryHint.dispatcher)['JOBCTL_TABLE_NAME']).toBe(tableName);
    expect(d.functionsByEntryHint.manifests).toContain('ManifestsFunction');
  });

  it('the dispatcher role may PutItem on the state table', async () => {
    const report = await checkRequests(d, [
      from('dispatcher', 'dynamodb', 'PutItem', { TableName: tableName, Item: { PK: { S: 'x' } } }),
    ]);
    expect(report.denied).toEqual([]);
    expect(report.allowed).toBe(1);
  });

  it('the dispatcher role may not RunTask', async () => {
    const report = await checkRequests(d, [
      from('dispatcher', 'ecs', 'RunTask', { cluster: clusterArn, taskDefinition: 'jobctl-busybox-0a1b2c3d' }),
    ]);
    expect(report.denied.map((x) => x.authorization.action)).toEqual(['ecs:RunTask']);
    expect(report.denied[0]?.why).toMatch(/implicitly denied/);
  });

  it(
    "the job-controller role may RunTask a jobctl-* family on the stack's cluster, with tags, passing the two task " +
      'roles',
    async () => {
      const [taskRoleArn, executionRoleArn] = taskRoles as [string, string];
      const run = from('jobController', 'ecs', 'RunTask', {
        cluster: clusterArn,
        taskDefinition: 'jobctl-busybox-0a1b2c3d',
        count: 1,
        launchType: 'FARGATE',
        startedBy: 'default/hello-1-abcde/0',
        tags: [{ key: 'jobctl.io/job-name', value: 'hello-1' }],
      });
      const report = await checkRequests(d, [run], { taskDefinitionRoles: () => ({ taskRoleArn, executionRoleArn }) });
      expect(report.denied).toEqual([]);
      expect(report.results.map((r) => [r.authorization.action, r.evaluation.allowed])).toEqual([
        ['ecs:RunTask', true],
        ['ecs:TagResource', true],
        ['iam:PassRole', true],
        ['iam:PassRole', true],
      ]);
      expect(
        report.results
          .filter((r) => r.authorization.action === 'iam:PassRole')
          .map((r) => r.authorization.resource)
          .sort(),
      ).toEqual([...taskRoles].sort());

      const elsewhere = await checkRequests(d, [{ ...run, input: { ...run.input, cluster: 'default', tags: [] } }], {
        taskDefinitionRoles: () => ({}),
      });
      expect(elsewhere.denied.map((x) => x.authorization.action)).toEqual(['ecs:RunTask']);
    },
  );
});
