import { describe, expect, it } from 'vitest';
import {
  docRules,
  formatViolations,
  shapesReachableFrom,
  unsupportedPatternDetails,
  unsupportedPatterns,
  validateRequest,
  validateRequests,
  type ValidateOptions,
  type Violation,
} from '../../support/aws-rules/api-models.ts';
import type { RecordedRequest } from '../../support/aws-rules/recorded-request.ts';

function request(service: string, operation: string, input: Record<string, unknown>): RecordedRequest {
  return {
    role: 'JobctlJobControllerRoleABCD1234',
    service,
    operation,
    input,
    region: 'us-east-1',
    account: '123456789012',
  };
}

/** The violations as `rule @ path`, the part each test pins exactly. */
function found(
  service: string,
  operation: string,
  input: Record<string, unknown>,
  options?: ValidateOptions,
): string[] {
  return validateRequest(request(service, operation, input), options).map((v) => `${v.rule} @ ${v.path}`);
}

function expectValid(
  service: string,
  operation: string,
  input: Record<string, unknown>,
  options?: ValidateOptions,
): void {
  const violations = validateRequest(request(service, operation, input), options);
  expect(violations, formatViolations(violations)).toEqual([]);
}

function runTask(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/jobctl',
    taskDefinition: 'jobctl-hello:3',
    count: 1,
    launchType: 'FARGATE',
    networkConfiguration: {
      awsvpcConfiguration: { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
    },
    overrides: {
      containerOverrides: [
        {
          name: 'main',
          command: ['sh', '-c', 'echo hello'],
          environment: [{ name: 'JOB_COMPLETION_INDEX', value: '0' }],
        },
      ],
    },
    startedBy: 'default/hello-abcde/0',
    group: 'jobctl:default:hello:hello-abcde:0',
    tags: [
      { key: 'jobctl.dev/namespace', value: 'default' },
      { key: 'batch.kubernetes.io/job-name', value: 'hello' },
    ],
    clientToken: `jobctl-${'0123456789abcdef'.repeat(3)}01234567`,
    ...overrides,
  };
}

function createSchedule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: 'jobctl-requeue-default-hello',
    GroupName: 'jobctl',
    ScheduleExpression: 'at(2026-03-01T12:00:00)',
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    StartDate: new Date('2026-03-01T00:00:00Z'),
    Target: {
      Arn: 'arn:aws:lambda:us-east-1:123456789012:function:jobctl-dispatcher',
      RoleArn: 'arn:aws:iam::123456789012:role/jobctl-scheduler',
      Input: '{"kind":"requeue"}',
    },
    ...overrides,
  };
}

const S = (value: string) => ({ S: value });

function putItem(item: Record<string, unknown>): Record<string, unknown> {
  return { TableName: 'jobctl-state', Item: { PK: S('Job#default#hello'), SK: S('meta'), ...item } };
}

function writeRequests(count: number, table = 'jobctl-state'): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? { PutRequest: { Item: { PK: S(`${table}#${i}`), SK: S('meta') } } }
      : { DeleteRequest: { Key: { PK: S(`${table}#${i}`), SK: S('meta') } } },
  );
}

describe('the API model', () => {
  it('passes a valid RunTask', () => {
    expectValid('ecs', 'RunTask', runTask());
  });

  it('finds an unknown operation and an unknown service', () => {
    expect(found('ecs', 'RunTasks', {})).toEqual(['unknown-operation @ ']);
    expect(validateRequest(request('ecs', 'runTask', {}))[0]?.message).toContain('did you mean RunTask?');
    expect(found('batch', 'SubmitJob', {})).toEqual(['unknown-operation @ ']);
  });

  it('requires botocore-required members', () => {
    const { taskDefinition: _, ...input } = runTask();
    expect(found('ecs', 'RunTask', input)).toEqual(['required @ taskDefinition']);
    // undefined is "not set", as the SDK omits it.
    expect(found('ecs', 'RunTask', runTask({ taskDefinition: undefined }))).toEqual(['required @ taskDefinition']);
    // nested: an awsvpcConfiguration needs subnets.
    expect(
      found('ecs', 'RunTask', runTask({ networkConfiguration: { awsvpcConfiguration: { securityGroups: ['sg-1'] } } })),
    ).toEqual(['required @ networkConfiguration.awsvpcConfiguration.subnets']);
  });

  it('checks enums', () => {
    expect(found('ecs', 'RunTask', runTask({ launchType: 'FARGATEX' }))).toEqual(['enum @ launchType']);
    expect(found('scheduler', 'CreateSchedule', createSchedule({ FlexibleTimeWindow: { Mode: 'off' } }))).toEqual([
      'enum @ FlexibleTimeWindow.Mode',
    ]);
  });

  it('rejects members the model does not know, at any depth', () => {
    expect(
      found('ecs', 'RunTask', runTask({ taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/x:1' })),
    ).toEqual(['unknown-member @ taskDefinitionArn']);
    const overrides = { containerOverrides: [{ name: 'main', args: ['x'] }] };
    expect(found('ecs', 'RunTask', runTask({ overrides }))).toEqual([
      'unknown-member @ overrides.containerOverrides[0].args',
    ]);
    expect(validateRequest(request('ecs', 'RunTask', runTask({ Cluster: 'c' })))[0]?.message).toContain(
      'did you mean cluster?',
    );
    // An undefined member is not sent: not a violation.
    expectValid('ecs', 'RunTask', runTask({ notAMember: undefined }));
  });

  it('checks types: string, integer, boolean, timestamp, list, structure, null', () => {
    const command = { containerOverrides: [{ name: 'main', command: ['sh', '-c', 42] }] };
    expect(found('ecs', 'RunTask', runTask({ overrides: command }))).toEqual([
      'type @ overrides.containerOverrides[0].command[2]',
    ]);
    expect(found('ecs', 'RunTask', runTask({ count: 1.5 }))).toEqual(['type @ count']);
    expect(found('ecs', 'RunTask', runTask({ count: '1' }))).toEqual(['type @ count']);
    expect(found('ecs', 'RunTask', runTask({ enableExecuteCommand: 'true' }))).toEqual(['type @ enableExecuteCommand']);
    expect(found('ecs', 'RunTask', runTask({ tags: { key: 'a', value: 'b' } }))).toEqual(['type @ tags']);
    expect(found('ecs', 'RunTask', runTask({ networkConfiguration: 'awsvpc' }))).toEqual([
      'type @ networkConfiguration',
    ]);
    expect(found('ecs', 'RunTask', runTask({ group: null }))).toEqual(['type @ group']);
    expect(found('scheduler', 'CreateSchedule', createSchedule({ StartDate: '2026-03-01T00:00:00Z' }))).toEqual([
      'type @ StartDate',
    ]);
    expect(found('scheduler', 'CreateSchedule', createSchedule({ StartDate: new Date('not a date') }))).toEqual([
      'type @ StartDate',
    ]);
  });

  it('checks blobs as Uint8Array or string', () => {
    const message = (BinaryValue: unknown) => ({
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
      MessageBody: 'x',
      MessageAttributes: { trace: { DataType: 'Binary', BinaryValue } },
    });
    expectValid('sqs', 'SendMessage', message(new Uint8Array([1, 2, 3])));
    expectValid('sqs', 'SendMessage', message('AQID'));
    expect(found('sqs', 'SendMessage', message(123))).toEqual(['type @ MessageAttributes.trace.BinaryValue']);
  });

  it('checks min and max: string length, list length, numeric range', () => {
    expectValid('scheduler', 'CreateSchedule', createSchedule({ Name: 'n'.repeat(64) }));
    expect(found('scheduler', 'CreateSchedule', createSchedule({ Name: 'n'.repeat(65) }))).toEqual(['max @ Name']);
    expect(found('scheduler', 'CreateSchedule', createSchedule({ Name: '' }))).toEqual([
      'min @ Name',
      'pattern @ Name',
    ]);
    // TableName accepts a table ARN (TableArn, min 1); IndexName is an index name (min 3).
    expect(
      found('dynamodb', 'Query', { TableName: 'jobctl-state', IndexName: 'G1', KeyConditionExpression: 'a = :a' }),
    ).toEqual(['min @ IndexName']);
    const tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    expect(found('ecs', 'RunTask', runTask({ tags }))).toEqual(['max @ tags']);
    expect(found('ecs', 'RunTask', runTask({ tags: [{ key: 'k'.repeat(129), value: 'v' }] }))).toEqual([
      'max @ tags[0].key',
    ]);
    expect(
      found(
        'scheduler',
        'CreateSchedule',
        createSchedule({ FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1441 } }),
      ),
    ).toEqual(['max @ FlexibleTimeWindow.MaximumWindowInMinutes']);
    expect(
      found(
        'scheduler',
        'CreateSchedule',
        createSchedule({ FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 0 } }),
      ),
    ).toEqual(['min @ FlexibleTimeWindow.MaximumWindowInMinutes']);
  });

  it('counts string length in code points, as the models do', () => {
    // 64 characters outside the BMP are 128 UTF-16 units: within TagKey's max 128 either way; 65 are not.
    expectValid('ecs', 'RunTask', runTask({ tags: [{ key: '𝔞'.repeat(128), value: 'v' }] }));
    expect(found('ecs', 'RunTask', runTask({ tags: [{ key: '𝔞'.repeat(129), value: 'v' }] }))).toEqual([
      'max @ tags[0].key',
    ]);
  });

  it('checks patterns, in Unicode mode and unanchored as Smithy defines them', () => {
    expect(found('scheduler', 'CreateSchedule', createSchedule({ Name: 'bad name' }))).toEqual(['pattern @ Name']);
    expect(found('ecs', 'RunTask', runTask({ tags: [{ key: 'a!b', value: 'v' }] }))).toEqual(['pattern @ tags[0].key']);
    // \p{L} is a letter class only with the u flag.
    expectValid('ecs', 'RunTask', runTask({ tags: [{ key: 'ключ', value: 'значение' }] }));
    expect(
      found(
        'scheduler',
        'CreateSchedule',
        createSchedule({ Target: { ...(createSchedule().Target as object), RoleArn: 'arn:aws:iam::1234:role/x' } }),
      ),
    ).toEqual(['pattern @ Target.RoleArn']);
  });

  it('checks unions: DynamoDB AttributeValue has exactly one member set, recursively through M and L', () => {
    expectValid(
      'dynamodb',
      'PutItem',
      putItem({ spec: { M: { args: { L: [S('a'), { N: '1' }, { NULL: true }, { M: { deep: { BOOL: false } } }] } } } }),
    );
    expect(found('dynamodb', 'PutItem', putItem({ PK: { S: 'a', N: '1' } }))).toEqual(['union @ Item.PK']);
    expect(found('dynamodb', 'PutItem', putItem({ spec: { M: { args: { L: [{}] } } } }))).toEqual([
      'union @ Item.spec.M.args.L[0]',
    ]);
    expect(found('dynamodb', 'PutItem', putItem({ spec: { M: { deep: { M: { x: { S: 1 } } } } } }))).toEqual([
      'type @ Item.spec.M.deep.M.x.S',
    ]);
    // lib-dynamodb would have marshalled a plain value; an unmarshalled one is caught.
    expect(found('dynamodb', 'PutItem', putItem({ count: 3 }))).toEqual(['type @ Item.count']);
    expect(validateRequest(request('dynamodb', 'PutItem', putItem({ PK: { S: 'a', N: '1' } })))[0]?.source).toMatch(
      /^https:\/\/docs\.aws\.amazon\.com\//,
    );
  });

  it('checks map keys and values, naming keys that are not identifiers in brackets', () => {
    const update = {
      TableName: 'jobctl-state',
      Key: { PK: S('Pod#default#p'), SK: S('meta') },
      UpdateExpression: 'SET #s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': S('Running') },
    };
    expectValid('dynamodb', 'UpdateItem', update);
    expect(
      found('dynamodb', 'UpdateItem', { ...update, ExpressionAttributeValues: { ':s': { S: ['Running'] } } }),
    ).toEqual(['type @ ExpressionAttributeValues[":s"].S']);
    expect(found('dynamodb', 'UpdateItem', { ...update, ExpressionAttributeNames: { '#s': 7 } })).toEqual([
      'type @ ExpressionAttributeNames["#s"]',
    ]);
  });

  it('validates many requests at once', () => {
    const result = validateRequests([
      request('ecs', 'RunTask', runTask()),
      request('ecs', 'RunTask', runTask({ launchType: 'FARGATEX' })),
    ]);
    expect(result.checked).toBe(2);
    expect(result.violations.map((v: Violation) => `${v.operation} ${v.rule} @ ${v.path}`)).toEqual([
      'RunTask enum @ launchType',
    ]);
  });
});

describe('unsupported patterns', () => {
  it('lists every pattern of the vendored models that JavaScript cannot compile', () => {
    expect([...unsupportedPatterns].sort()).toEqual([
      'dynamodb#AutoScalingPolicyName',
      'dynamodb#ContributorInsightsRule',
      'events#ApiDestinationArn',
      'events#ArchiveArn',
      'events#ConnectionArn',
      'events#EndpointArn',
      'events#HealthCheck',
      'events#InputTransformerPathKey',
      'events#RedshiftSecretManagerArn',
      'events#ReplayArn',
      'events#SecretsManagerSecretArn',
      'logs#ResourceType',
    ]);
    expect(unsupportedPatternDetails.get('dynamodb#AutoScalingPolicyName')?.pattern).toBe('\\p{Print}+');
  });

  it('has none reachable from the operations jobctl calls', () => {
    const jobctlOperations: Record<string, string[]> = {
      dynamodb: [
        'PutItem',
        'GetItem',
        'UpdateItem',
        'DeleteItem',
        'Query',
        'Scan',
        'BatchWriteItem',
        'TransactWriteItems',
        'CreateTable',
        'DescribeTable',
      ],
      ecs: ['RunTask', 'StopTask', 'ListTasks', 'DescribeTasks', 'RegisterTaskDefinition', 'DescribeTaskDefinition'],
      scheduler: ['CreateSchedule', 'UpdateSchedule', 'GetSchedule', 'DeleteSchedule'],
      sqs: [
        'SendMessage',
        'SendMessageBatch',
        'ReceiveMessage',
        'DeleteMessage',
        'DeleteMessageBatch',
        'ChangeMessageVisibility',
        'ChangeMessageVisibilityBatch',
        'GetQueueUrl',
        'GetQueueAttributes',
        'SetQueueAttributes',
        'CreateQueue',
        'DeleteQueue',
      ],
      logs: ['GetLogEvents', 'CreateLogGroup', 'CreateLogStream', 'PutLogEvents'],
      lambda: ['Invoke'],
      cloudformation: ['DescribeStacks'],
      events: ['PutEvents'],
    };
    const reachable = Object.entries(jobctlOperations).flatMap(([service, operations]) => [
      ...shapesReachableFrom(service, operations),
    ]);
    expect(reachable.length).toBeGreaterThan(300);
    expect(reachable.filter((shape) => unsupportedPatterns.has(shape))).toEqual([]);
  });
});

describe('documentation rules', () => {
  it('each has a unique id, an AWS documentation URL, a quoted sentence and operations the model has', () => {
    expect(new Set(docRules.map((r) => r.id)).size).toBe(docRules.length);
    for (const rule of docRules) {
      expect(rule.source, rule.id).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(rule.quote.length, rule.id).toBeGreaterThan(20);
      for (const operation of rule.operations)
        expect(() => shapesReachableFrom(rule.service, [operation]), `${rule.id} ${operation}`).not.toThrow();
    }
  });

  it('ECS ListTasks: startedBy must be the only filter (cluster is the scope)', () => {
    expectValid('ecs', 'ListTasks', { cluster: 'jobctl', startedBy: 'default/p/0' });
    expectValid('ecs', 'ListTasks', { cluster: 'jobctl', family: 'jobctl-hello', desiredStatus: 'STOPPED' });
    expect(
      found('ecs', 'ListTasks', { cluster: 'jobctl', startedBy: 'default/p/0', desiredStatus: 'RUNNING' }),
    ).toEqual(['doc:ecs-list-tasks-started-by-alone @ startedBy']);
    const [violation] = validateRequest(request('ecs', 'ListTasks', { startedBy: 'x', family: 'f' }));
    expect(violation?.source).toBe(
      'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html#ECS-ListTasks-request-startedBy',
    );
    expect(violation?.message).toContain(
      'When you specify startedBy as the filter, it must be the only filter that you use.',
    );
  });

  it('ECS RunTask: overrides up to 8192 characters of JSON', () => {
    const sized = (characters: number) => {
      const base = { containerOverrides: [{ name: 'main', environment: [{ name: 'BIG', value: '' }] }] };
      const value = 'x'.repeat(characters - JSON.stringify(base).length);
      return { containerOverrides: [{ name: 'main', environment: [{ name: 'BIG', value }] }] };
    };
    expect(JSON.stringify(sized(8192)).length).toBe(8192);
    expectValid('ecs', 'RunTask', runTask({ overrides: sized(8192) }));
    expect(found('ecs', 'RunTask', runTask({ overrides: sized(8193) }))).toEqual([
      'doc:ecs-overrides-8192-characters @ overrides',
    ]);
  });

  it('ECS startedBy: 128 characters on RunTask, 36 on StartTask, letters, digits, - / _', () => {
    expectValid('ecs', 'RunTask', runTask({ startedBy: 'a'.repeat(128) }));
    expect(found('ecs', 'RunTask', runTask({ startedBy: 'a'.repeat(129) }))).toEqual([
      'doc:ecs-run-task-started-by @ startedBy',
    ]);
    expect(found('ecs', 'RunTask', runTask({ startedBy: 'default:p:0' }))).toEqual([
      'doc:ecs-run-task-started-by @ startedBy',
    ]);
    const startTask = { cluster: 'jobctl', taskDefinition: 'x:1', containerInstances: ['ci-1'] };
    expectValid('ecs', 'StartTask', { ...startTask, startedBy: 'a'.repeat(36) });
    expect(found('ecs', 'StartTask', { ...startTask, startedBy: 'a'.repeat(37) })).toEqual([
      'doc:ecs-start-task-started-by @ startedBy',
    ]);
  });

  it('ECS RunTask: count 1–10, clientToken up to 64 characters in 33–126, group up to 255, no aws: tags', () => {
    expectValid('ecs', 'RunTask', runTask({ count: 10 }));
    expect(found('ecs', 'RunTask', runTask({ count: 11 }))).toEqual(['doc:ecs-run-task-count @ count']);
    expect(found('ecs', 'RunTask', runTask({ count: 0 }))).toEqual(['doc:ecs-run-task-count @ count']);
    expectValid('ecs', 'RunTask', runTask({ clientToken: '!'.repeat(32) + '~'.repeat(32) }));
    expect(found('ecs', 'RunTask', runTask({ clientToken: 'a'.repeat(65) }))).toEqual([
      'doc:ecs-run-task-client-token @ clientToken',
    ]);
    expect(found('ecs', 'RunTask', runTask({ clientToken: 'a b' }))).toEqual([
      'doc:ecs-run-task-client-token @ clientToken',
    ]);
    expectValid('ecs', 'RunTask', runTask({ group: 'g'.repeat(255) }));
    expect(found('ecs', 'RunTask', runTask({ group: 'g'.repeat(256) }))).toEqual([
      'doc:ecs-task-group-255-characters @ group',
    ]);
    expect(found('ecs', 'RunTask', runTask({ tags: [{ key: 'AWS:owner', value: 'x' }] }))).toEqual([
      'doc:ecs-tags-no-aws-prefix @ tags[0].key',
    ]);
  });

  it('ECS StopTask reason up to 255 characters; DescribeTasks up to 100 tasks', () => {
    expectValid('ecs', 'StopTask', {
      cluster: 'jobctl',
      task: 'arn:aws:ecs:us-east-1:123456789012:task/jobctl/abc',
      reason: 'r'.repeat(255),
    });
    expect(found('ecs', 'StopTask', { cluster: 'jobctl', task: 't', reason: 'r'.repeat(256) })).toEqual([
      'doc:ecs-stop-task-reason-255-characters @ reason',
    ]);
    const tasks = (n: number) => Array.from({ length: n }, (_, i) => `task-${i}`);
    expectValid('ecs', 'DescribeTasks', { cluster: 'jobctl', tasks: tasks(100) });
    expect(found('ecs', 'DescribeTasks', { cluster: 'jobctl', tasks: tasks(101) })).toEqual([
      'doc:ecs-describe-tasks-100 @ tasks',
    ]);
  });

  it('Scheduler: at(yyyy-mm-ddThh:mm:ss), rate(value unit), cron(six fields)', () => {
    const expression = (ScheduleExpression: string) =>
      found('scheduler', 'CreateSchedule', createSchedule({ ScheduleExpression }));
    for (const ok of [
      'at(2026-03-01T12:00:00)',
      'at(2028-02-29T23:59:59)',
      'rate(1 minute)',
      'rate(5 minutes)',
      'rate(2 days)',
      'cron(0 12 * * ? *)',
      'cron(15 10 ? * 6L 2026-2030)',
    ]) {
      expect(expression(ok), ok).toEqual([]);
    }
    for (const bad of [
      'at(2026-03-01 12:00:00)',
      'at(2026-03-01T12:00)',
      'at(2026-03-01T12:00:00Z)',
      'at(2026-02-30T12:00:00)',
      'rate(0 minutes)',
      'rate(5 weeks)',
      'cron(0 12 * * ?)',
      'every 5 minutes',
    ]) {
      expect(expression(bad), bad).toEqual(['doc:scheduler-schedule-expression @ ScheduleExpression']);
    }
    expect(found('scheduler', 'UpdateSchedule', createSchedule({ ScheduleExpression: 'rate(5 weeks)' }))).toEqual([
      'doc:scheduler-schedule-expression @ ScheduleExpression',
    ]);
  });

  it('Scheduler: FLEXIBLE needs MaximumWindowInMinutes', () => {
    expectValid(
      'scheduler',
      'CreateSchedule',
      createSchedule({ FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 } }),
    );
    expect(found('scheduler', 'CreateSchedule', createSchedule({ FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }))).toEqual([
      'doc:scheduler-flexible-window-needs-maximum @ FlexibleTimeWindow.MaximumWindowInMinutes',
    ]);
  });

  it('DynamoDB BatchWriteItem: at most 25 requests in total, across tables', () => {
    expectValid('dynamodb', 'BatchWriteItem', {
      RequestItems: { a: writeRequests(13, 'a'), b: writeRequests(12, 'b') },
    });
    expect(
      found('dynamodb', 'BatchWriteItem', { RequestItems: { a: writeRequests(13, 'a'), b: writeRequests(13, 'b') } }),
    ).toEqual(['doc:dynamodb-batch-write-25-requests @ RequestItems']);
    // 26 for one table: the model's WriteRequests max holds that part too.
    expect(found('dynamodb', 'BatchWriteItem', { RequestItems: { 'jobctl-state': writeRequests(26) } })).toEqual([
      'max @ RequestItems["jobctl-state"]',
      'doc:dynamodb-batch-write-25-requests @ RequestItems',
    ]);
  });

  it('DynamoDB Query/Scan: no ConsistentRead on a global secondary index (GSI1, GSI2 by default)', () => {
    const query = {
      TableName: 'jobctl-state',
      KeyConditionExpression: 'GSI1PK = :k',
      ExpressionAttributeValues: { ':k': S('Job#default') },
    };
    expectValid('dynamodb', 'Query', { ...query, IndexName: 'GSI1' });
    expectValid('dynamodb', 'Query', { ...query, ConsistentRead: true });
    expect(found('dynamodb', 'Query', { ...query, IndexName: 'GSI1', ConsistentRead: true })).toEqual([
      'doc:dynamodb-query-consistent-read-gsi @ ConsistentRead',
    ]);
    expect(found('dynamodb', 'Scan', { TableName: 'jobctl-state', IndexName: 'GSI2', ConsistentRead: true })).toEqual([
      'doc:dynamodb-scan-consistent-read-gsi @ ConsistentRead',
    ]);
    // Another table's indexes: say which are global.
    const options = { globalSecondaryIndexes: ['ByOwner'] };
    expectValid('dynamodb', 'Query', { ...query, IndexName: 'GSI1', ConsistentRead: true }, options);
    expect(found('dynamodb', 'Query', { ...query, IndexName: 'ByOwner', ConsistentRead: true }, options)).toEqual([
      'doc:dynamodb-query-consistent-read-gsi @ ConsistentRead',
    ]);
  });

  it('DynamoDB: items up to 400 KB', () => {
    expectValid('dynamodb', 'PutItem', putItem({ body: S('x'.repeat(400 * 1024 - 100)) }));
    expect(found('dynamodb', 'PutItem', putItem({ body: S('x'.repeat(400 * 1024)) }))).toEqual([
      'doc:dynamodb-item-400-kb @ Item',
    ]);
    const big = { PutRequest: { Item: { PK: S('a'), SK: S('b'), body: { L: [S('é'.repeat(210_000))] } } } };
    expect(found('dynamodb', 'BatchWriteItem', { RequestItems: { t1: [big] } })).toEqual([
      'doc:dynamodb-item-400-kb @ RequestItems.t1[0].PutRequest.Item',
    ]);
  });

  it('SQS batches: 1 to 10 entries with unique, well-formed Ids', () => {
    const queue = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobctl-work';
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `m${i}`, MessageBody: `{"i":${i}}` }));
    expectValid('sqs', 'SendMessageBatch', { QueueUrl: queue, Entries: entries(10) });
    expect(found('sqs', 'SendMessageBatch', { QueueUrl: queue, Entries: entries(11) })).toEqual([
      'doc:sqs-send-message-batch-entries @ Entries',
    ]);
    expect(found('sqs', 'SendMessageBatch', { QueueUrl: queue, Entries: [] })).toEqual([
      'doc:sqs-send-message-batch-entries @ Entries',
    ]);
    expect(
      found('sqs', 'SendMessageBatch', {
        QueueUrl: queue,
        Entries: [...entries(2), { Id: 'm0', MessageBody: 'again' }],
      }),
    ).toEqual(['doc:sqs-batch-ids-unique @ Entries[2].Id']);
    expect(
      found('sqs', 'SendMessageBatch', { QueueUrl: queue, Entries: [{ Id: 'default/p', MessageBody: 'x' }] }),
    ).toEqual(['doc:sqs-batch-id-format @ Entries[0].Id']);
    const handles = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `h${i}`, ReceiptHandle: `rh-${i}` }));
    expectValid('sqs', 'DeleteMessageBatch', { QueueUrl: queue, Entries: handles(10) });
    expect(found('sqs', 'DeleteMessageBatch', { QueueUrl: queue, Entries: handles(11) })).toEqual([
      'doc:sqs-delete-message-batch-entries @ Entries',
    ]);
    const visibility = (n: number, VisibilityTimeout = 30) => handles(n).map((h) => ({ ...h, VisibilityTimeout }));
    expectValid('sqs', 'ChangeMessageVisibilityBatch', { QueueUrl: queue, Entries: visibility(10) });
    expect(found('sqs', 'ChangeMessageVisibilityBatch', { QueueUrl: queue, Entries: visibility(11) })).toEqual([
      'doc:sqs-change-message-visibility-batch-entries @ Entries',
    ]);
    expect(found('sqs', 'ChangeMessageVisibilityBatch', { QueueUrl: queue, Entries: visibility(1, 43_201) })).toEqual([
      'doc:sqs-visibility-timeout @ Entries[0].VisibilityTimeout',
    ]);
  });

  it('SQS ReceiveMessage: MaxNumberOfMessages 1–10, WaitTimeSeconds 0–20, VisibilityTimeout 0–43200', () => {
    const receive = {
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 20,
      VisibilityTimeout: 43_200,
    };
    expectValid('sqs', 'ReceiveMessage', receive);
    expectValid('sqs', 'ReceiveMessage', {
      ...receive,
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: 0,
      VisibilityTimeout: 0,
    });
    expect(found('sqs', 'ReceiveMessage', { ...receive, MaxNumberOfMessages: 11 })).toEqual([
      'doc:sqs-receive-max-number-of-messages @ MaxNumberOfMessages',
    ]);
    expect(found('sqs', 'ReceiveMessage', { ...receive, MaxNumberOfMessages: 0 })).toEqual([
      'doc:sqs-receive-max-number-of-messages @ MaxNumberOfMessages',
    ]);
    expect(found('sqs', 'ReceiveMessage', { ...receive, WaitTimeSeconds: 21 })).toEqual([
      'doc:sqs-receive-wait-time-seconds @ WaitTimeSeconds',
    ]);
    expect(found('sqs', 'ReceiveMessage', { ...receive, VisibilityTimeout: 43_201 })).toEqual([
      'doc:sqs-visibility-timeout @ VisibilityTimeout',
    ]);
    expect(
      found('sqs', 'ChangeMessageVisibility', {
        QueueUrl: receive.QueueUrl,
        ReceiptHandle: 'rh',
        VisibilityTimeout: -1,
      }),
    ).toEqual(['doc:sqs-visibility-timeout @ VisibilityTimeout']);
  });

  it('SQS messages: 1 character to 1 MiB with attributes, batches up to 1 MiB in total, DelaySeconds 0–900', () => {
    const queue = 'https://sqs.us-east-1.amazonaws.com/123456789012/q';
    expectValid('sqs', 'SendMessage', { QueueUrl: queue, MessageBody: 'x'.repeat(1_048_576), DelaySeconds: 900 });
    expect(found('sqs', 'SendMessage', { QueueUrl: queue, MessageBody: 'x'.repeat(1_048_577) })).toEqual([
      'doc:sqs-message-size @ MessageBody',
    ]);
    const withAttribute = {
      QueueUrl: queue,
      MessageBody: 'x'.repeat(1_048_576 - 10),
      MessageAttributes: { trace: { DataType: 'String', StringValue: 'abcdef' } },
    };
    expect(found('sqs', 'SendMessage', withAttribute)).toEqual(['doc:sqs-message-size @ MessageBody']);
    expect(found('sqs', 'SendMessage', { QueueUrl: queue, MessageBody: '' })).toEqual([
      'doc:sqs-message-body-not-empty @ MessageBody',
    ]);
    expect(found('sqs', 'SendMessage', { QueueUrl: queue, MessageBody: 'x', DelaySeconds: 901 })).toEqual([
      'doc:sqs-delay-seconds @ DelaySeconds',
    ]);
    const half = 'y'.repeat(600_000);
    expect(
      found('sqs', 'SendMessageBatch', {
        QueueUrl: queue,
        Entries: [
          { Id: 'a', MessageBody: half },
          { Id: 'b', MessageBody: half, DelaySeconds: 901 },
        ],
      }),
    ).toEqual(['doc:sqs-delay-seconds @ Entries[1].DelaySeconds', 'doc:sqs-message-size @ Entries']);
  });
});
