import { createHash } from 'node:crypto';

/**
 * A deployed-looking view of a synthesized CloudFormation template: every resource gets a deterministic, realistic
 * physical id (a generated name where the template sets none, an explicit `TableName`/`QueueName`/`Name`/… as given),
 * and intrinsics resolve to what CloudFormation would give, so the IAM policies of the template can be evaluated
 * against the exact ARNs and names the Lambda functions receive in their environment.
 *
 * Ref and Fn::GetAtt follow each type's "Return values" in the CloudFormation template reference
 * (docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-*.html); the attribute names were
 * cross-checked with the `@cloudformationAttribute` list of aws-cdk-lib's generated L1 classes. Notable ones:
 * `AWS::Logs::LogGroup` Arn ends in `:*`; `AWS::SQS::Queue` Ref is the queue URL; `AWS::SNS::Topic` and
 * `AWS::IAM::ManagedPolicy` Ref is the ARN; `AWS::EC2::EIP` Ref is the public IP; `AWS::Events::Rule` Ref is
 * `BUS|NAME` on a custom event bus.
 *
 * Anything this view does not know — an intrinsic, a resource type, an attribute, a parameter without a value — throws
 * a {@link TemplateError} naming it: a harness that guessed would prove nothing.
 */

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  [key: string]: unknown;
}

export interface TemplateJson {
  Resources: Record<string, TemplateResource>;
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  [key: string]: unknown;
}

export interface DeployOptions {
  /** @default '111122223333' */
  account?: string;
  /** @default 'us-west-2' */
  region?: string;
  /** @default from the region: `aws`, `aws-cn` or `aws-us-gov` */
  partition?: string;
  /** @default 'Test' (the stack test/infra/synth.ts synthesizes) */
  stackName?: string;
  /** Values of template parameters; a parameter without one uses its Default, unless it is an SSM parameter type. */
  parameters?: Record<string, string | string[]>;
  /** Fn::GetAtt values of custom resources (their handler decides them, so they cannot be derived). */
  customResourceAttributes?: Record<string, Record<string, unknown>>;
}

/** The template uses something this view cannot resolve the way CloudFormation would. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

export interface ResolvedResource {
  type: string;
  /** The resource's Properties with every intrinsic resolved (`AWS::NoValue` removed). */
  properties: Record<string, unknown>;
}

export interface JobctlFunctions {
  dispatcher: string;
  jobController: string;
  manifests: string;
}

export interface DeployedTemplate {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly urlSuffix: string;
  readonly stackName: string;
  readonly template: TemplateJson;
  /** Resolves every intrinsic in `value` (any part of the template, or a value built from its references). */
  resolve(value: unknown): unknown;
  /** What `Ref` returns for the resource (its physical id: a name, an id, a URL or an ARN depending on the type). */
  physicalId(logicalId: string): string;
  /** What `Fn::GetAtt` returns; `name` may be dotted (`SnapStartResponse.ApplyOn`). */
  attribute(logicalId: string, name: string): unknown;
  resourceType(logicalId: string): string;
  /** Logical ids of the resources of a type that exist (their Condition, if any, holds). */
  logicalIdsOfType(type: string): string[];
  /** Every resource with its resolved properties (resolved on first access). */
  readonly resources: Readonly<Record<string, ResolvedResource>>;
  /** The resolved `Environment.Variables` of an `AWS::Lambda::Function`. */
  functionEnvironment(functionLogicalId: string): Record<string, string>;
  /** The logical id of the `AWS::IAM::Role` a function runs with. */
  functionRole(functionLogicalId: string): string;
  /** The one `AWS::Lambda::Function` whose logical id contains `hint` (throws when none or several do). */
  findFunction(hint: string): string;
  /** The jobctl functions, found by their logical ids (`Dispatcher`, `JobController`, `ManifestsFunction`). */
  readonly functionsByEntryHint: JobctlFunctions;
  /** The functions whose role is `roleLogicalId`. */
  functionsWithRole(roleLogicalId: string): string[];
}

const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

type Env = {
  account: string;
  region: string;
  partition: string;
  urlSuffix: string;
  stackName: string;
  stackId: string;
};

/** What a resource type's handler sees. */
interface Ctx {
  readonly logicalId: string;
  readonly env: Env;
  /** A resolved property (undefined when absent). */
  prop(name: string): unknown;
  /** A resolved string property; throws if present and not a string. */
  stringProp(name: string): string | undefined;
  /** The explicit name in `property`, or the name CloudFormation generates: `STACK-LOGICALID-SUFFIX`. */
  name(property: string | undefined, maxLength: number, options?: { lowercase?: boolean; suffix?: string }): string;
  /** A deterministic id: `prefix` followed by `length` hex digits (EC2 style). */
  hexId(prefix: string, length?: number, salt?: string): string;
  alnum(length: number, salt?: string): string;
  uuid(salt?: string): string;
  arn(service: string, resource: string, options?: { region?: string; account?: string }): string;
}

interface TypeSpec {
  /** Ref. */
  ref(ctx: Ctx): string;
  /** Fn::GetAtt, by attribute name. */
  attributes: Record<string, (ctx: Ctx) => unknown>;
}

type NamedAttribute = (ctx: Ctx, name: string) => unknown;

/** A type whose Ref is its name (explicit in `nameProperty`, else generated); `attributes` get the name too. */
function named(
  nameProperty: string | undefined,
  maxLength: number,
  attributes: Record<string, NamedAttribute> = {},
): TypeSpec {
  const nameOf = (ctx: Ctx): string => ctx.name(nameProperty, maxLength);
  return {
    ref: nameOf,
    attributes: Object.fromEntries(
      Object.entries(attributes).map(([key, get]) => [key, (ctx: Ctx) => get(ctx, nameOf(ctx))]),
    ),
  };
}

function idType(prefix: string, attributes: Record<string, (ctx: Ctx) => unknown> = {}, length = 17): TypeSpec {
  return { ref: (ctx) => ctx.hexId(prefix, length), attributes };
}

function generatedId(ctx: Ctx): string {
  // The shape CloudFormation gives resources without a natural name (e.g. AWS::IAM::Policy):
  // `Test-Jobct-1A2B3C4D5E6F7`.
  return `${ctx.env.stackName.slice(0, 5)}-${ctx.logicalId.slice(0, 5)}-${ctx.alnum(13)}`;
}

const FIXED_TIME = '2024-01-01T00:00:00.000Z';
const STREAM_LABEL = '2024-01-01T00:00:00.000';

function lastSegment(value: string, separator: string): string {
  return value.split(separator).at(-1) ?? value;
}

function regionAzId(region: string, index: number): string {
  // us-west-2 -> usw2-az1
  const parts = region.split('-');
  const abbrev =
    parts.length === 3
      ? `${parts[0]}${(parts[1] ?? '').replace(/(north|south|east|west|central)/g, (m) => m[0] ?? '')}${parts[2]}`
      : region;
  return `${abbrev}-az${index + 1}`;
}

const lambdaFunctionArn = (ctx: Ctx, functionName: string): string =>
  functionName.startsWith('arn:') ? functionName : ctx.arn('lambda', `function:${functionName}`);

const TYPES: Record<string, TypeSpec> = {
  // ---- DynamoDB
  'AWS::DynamoDB::Table': named('TableName', 255, {
    Arn: (ctx, name) => ctx.arn('dynamodb', `table/${name}`),
    StreamArn: (ctx, name) => {
      if (ctx.prop('StreamSpecification') === undefined)
        throw new TemplateError(`${ctx.logicalId}: Fn::GetAtt StreamArn of a table without StreamSpecification`);
      return ctx.arn('dynamodb', `table/${name}/stream/${STREAM_LABEL}`);
    },
  }),
  'AWS::DynamoDB::GlobalTable': named('TableName', 255, {
    Arn: (ctx, name) => ctx.arn('dynamodb', `table/${name}`),
    StreamArn: (ctx, name) => {
      if (ctx.prop('StreamSpecification') === undefined)
        throw new TemplateError(`${ctx.logicalId}: Fn::GetAtt StreamArn of a global table without StreamSpecification`);
      return ctx.arn('dynamodb', `table/${name}/stream/${STREAM_LABEL}`);
    },
    TableId: (ctx) => ctx.uuid('TableId'),
  }),
  // ---- ECS
  'AWS::ECS::Cluster': named('ClusterName', 255, { Arn: (ctx, name) => ctx.arn('ecs', `cluster/${name}`) }),
  'AWS::ECS::TaskDefinition': {
    ref: (ctx) => ctx.arn('ecs', `task-definition/${taskDefinitionFamily(ctx)}:1`),
    attributes: { TaskDefinitionArn: (ctx) => ctx.arn('ecs', `task-definition/${taskDefinitionFamily(ctx)}:1`) },
  },
  'AWS::ECS::Service': {
    ref: (ctx) => ecsServiceArn(ctx),
    attributes: { ServiceArn: (ctx) => ecsServiceArn(ctx), Name: (ctx) => ctx.name('ServiceName', 255) },
  },
  'AWS::ECS::ClusterCapacityProviderAssociations': { ref: (ctx) => ctx.name(undefined, 255), attributes: {} },
  // ---- IAM
  'AWS::IAM::Role': named('RoleName', 64, {
    Arn: (ctx, name) => ctx.arn('iam', `role${ctx.stringProp('Path') ?? '/'}${name}`, { region: '' }),
    RoleId: (ctx) => `AROA${ctx.alnum(17, 'RoleId')}`,
  }),
  'AWS::IAM::Policy': { ref: generatedId, attributes: { Id: generatedId } },
  'AWS::IAM::ManagedPolicy': {
    ref: (ctx) => managedPolicyArn(ctx),
    attributes: {
      PolicyArn: (ctx) => managedPolicyArn(ctx),
      PolicyId: (ctx) => `ANPA${ctx.alnum(17, 'PolicyId')}`,
      DefaultVersionId: () => 'v1',
      IsAttachable: () => true,
      AttachmentCount: () => 1,
      PermissionsBoundaryUsageCount: () => 0,
      CreateDate: () => FIXED_TIME,
      UpdateDate: () => FIXED_TIME,
    },
  },
  'AWS::IAM::InstanceProfile': named('InstanceProfileName', 128, {
    Arn: (ctx, name) => ctx.arn('iam', `instance-profile${ctx.stringProp('Path') ?? '/'}${name}`, { region: '' }),
  }),
  // ---- Lambda
  'AWS::Lambda::Function': named('FunctionName', 64, {
    Arn: (ctx, name) => ctx.arn('lambda', `function:${name}`),
    'SnapStartResponse.ApplyOn': () => 'None',
    'SnapStartResponse.OptimizationStatus': () => 'Off',
  }),
  'AWS::Lambda::Version': {
    ref: (ctx) => `${lambdaFunctionArn(ctx, requiredString(ctx, 'FunctionName'))}:1`,
    attributes: {
      Version: () => '1',
      FunctionArn: (ctx) => `${lambdaFunctionArn(ctx, requiredString(ctx, 'FunctionName'))}:1`,
    },
  },
  'AWS::Lambda::Alias': {
    ref: (ctx) => `${lambdaFunctionArn(ctx, requiredString(ctx, 'FunctionName'))}:${requiredString(ctx, 'Name')}`,
    attributes: {
      AliasArn: (ctx) =>
        `${lambdaFunctionArn(ctx, requiredString(ctx, 'FunctionName'))}:${requiredString(ctx, 'Name')}`,
    },
  },
  'AWS::Lambda::EventSourceMapping': {
    ref: (ctx) => ctx.uuid(),
    attributes: {
      Id: (ctx) => ctx.uuid(),
      EventSourceMappingArn: (ctx) => ctx.arn('lambda', `event-source-mapping:${ctx.uuid()}`),
    },
  },
  'AWS::Lambda::Permission': { ref: generatedId, attributes: { Id: generatedId } },
  'AWS::Lambda::EventInvokeConfig': { ref: generatedId, attributes: {} },
  'AWS::Lambda::LayerVersion': {
    ref: (ctx) => ctx.arn('lambda', `layer:${ctx.name('LayerName', 140)}:1`),
    attributes: { LayerVersionArn: (ctx) => ctx.arn('lambda', `layer:${ctx.name('LayerName', 140)}:1`) },
  },
  // ---- SQS
  'AWS::SQS::Queue': {
    ref: (ctx) => queueUrl(ctx),
    attributes: {
      Arn: (ctx) => ctx.arn('sqs', queueName(ctx)),
      QueueName: (ctx) => queueName(ctx),
      QueueUrl: (ctx) => queueUrl(ctx),
    },
  },
  'AWS::SQS::QueuePolicy': { ref: generatedId, attributes: { Id: generatedId } },
  // ---- SNS
  'AWS::SNS::Topic': {
    ref: (ctx) => ctx.arn('sns', topicName(ctx)),
    attributes: { TopicArn: (ctx) => ctx.arn('sns', topicName(ctx)), TopicName: (ctx) => topicName(ctx) },
  },
  'AWS::SNS::Subscription': {
    ref: (ctx) => `${requiredString(ctx, 'TopicArn')}:${ctx.uuid()}`,
    attributes: { Arn: (ctx) => `${requiredString(ctx, 'TopicArn')}:${ctx.uuid()}` },
  },
  'AWS::SNS::TopicPolicy': { ref: generatedId, attributes: { Id: generatedId } },
  // ---- CloudWatch Logs
  'AWS::Logs::LogGroup': named('LogGroupName', 512, { Arn: (ctx, name) => ctx.arn('logs', `log-group:${name}:*`) }),
  'AWS::Logs::LogStream': named('LogStreamName', 512),
  'AWS::Logs::MetricFilter': named('FilterName', 512),
  'AWS::Logs::SubscriptionFilter': named('FilterName', 512),
  // ---- EventBridge Scheduler
  'AWS::Scheduler::ScheduleGroup': named('Name', 64, {
    Arn: (ctx, name) => ctx.arn('scheduler', `schedule-group/${name}`),
    State: () => 'ACTIVE',
    CreationDate: () => FIXED_TIME,
    LastModificationDate: () => FIXED_TIME,
  }),
  'AWS::Scheduler::Schedule': named('Name', 64, {
    Arn: (ctx, name) => ctx.arn('scheduler', `schedule/${ctx.stringProp('GroupName') ?? 'default'}/${name}`),
  }),
  // ---- EventBridge
  'AWS::Events::Rule': {
    ref: (ctx) => {
      const bus = eventBusName(ctx);
      return bus === undefined ? ctx.name('Name', 64) : `${bus}|${ctx.name('Name', 64)}`;
    },
    attributes: {
      Arn: (ctx) => {
        const bus = eventBusName(ctx);
        return ctx.arn('events', `rule/${bus === undefined ? '' : `${bus}/`}${ctx.name('Name', 64)}`);
      },
      RuleName: (ctx) => ctx.name('Name', 64),
    },
  },
  'AWS::Events::EventBus': named('Name', 256, {
    Arn: (ctx, name) => ctx.arn('events', `event-bus/${name}`),
    Name: (_ctx, name) => name,
  }),
  'AWS::Pipes::Pipe': named('Name', 64, {
    Arn: (ctx, name) => ctx.arn('pipes', `pipe/${name}`),
    CurrentState: () => 'RUNNING',
    CreationTime: () => FIXED_TIME,
    LastModifiedTime: () => FIXED_TIME,
    StateReason: () => '',
  }),
  // ---- CloudWatch
  'AWS::CloudWatch::Alarm': named('AlarmName', 255, { Arn: (ctx, name) => ctx.arn('cloudwatch', `alarm:${name}`) }),
  'AWS::CloudWatch::CompositeAlarm': named('AlarmName', 255, {
    Arn: (ctx, name) => ctx.arn('cloudwatch', `alarm:${name}`),
  }),
  'AWS::CloudWatch::Dashboard': named('DashboardName', 255),
  // ---- KMS, S3, SSM
  'AWS::KMS::Key': {
    ref: (ctx) => ctx.uuid(),
    attributes: { Arn: (ctx) => ctx.arn('kms', `key/${ctx.uuid()}`), KeyId: (ctx) => ctx.uuid() },
  },
  'AWS::KMS::Alias': { ref: (ctx) => requiredString(ctx, 'AliasName'), attributes: {} },
  'AWS::S3::Bucket': {
    ref: (ctx) => bucketName(ctx),
    attributes: {
      Arn: (ctx) => ctx.arn('s3', bucketName(ctx), { region: '', account: '' }),
      DomainName: (ctx) => `${bucketName(ctx)}.s3.${ctx.env.urlSuffix}`,
      RegionalDomainName: (ctx) => `${bucketName(ctx)}.s3.${ctx.env.region}.${ctx.env.urlSuffix}`,
      DualStackDomainName: (ctx) => `${bucketName(ctx)}.s3.dualstack.${ctx.env.region}.${ctx.env.urlSuffix}`,
      WebsiteURL: (ctx) => `http://${bucketName(ctx)}.s3-website-${ctx.env.region}.${ctx.env.urlSuffix}`,
    },
  },
  'AWS::S3::BucketPolicy': { ref: generatedId, attributes: {} },
  'AWS::SSM::Parameter': {
    ref: (ctx) => ssmParameterName(ctx),
    attributes: {
      Arn: (ctx) => ctx.arn('ssm', `parameter/${ssmParameterName(ctx).replace(/^\//, '')}`),
      Type: (ctx) => ctx.prop('Type'),
      Value: (ctx) => ctx.prop('Value'),
    },
  },
  // ---- EC2 (ids: prefix + 17 hex digits)
  'AWS::EC2::VPC': idType('vpc-', {
    VpcId: (ctx) => ctx.hexId('vpc-'),
    CidrBlock: (ctx) => ctx.prop('CidrBlock'),
    CidrBlockAssociations: (ctx) => [ctx.hexId('vpc-cidr-assoc-', 17, 'cidr')],
    DefaultNetworkAcl: (ctx) => ctx.hexId('acl-', 17, 'acl'),
    DefaultSecurityGroup: (ctx) => ctx.hexId('sg-', 17, 'sg'),
    Ipv6CidrBlocks: () => [],
  }),
  'AWS::EC2::Subnet': idType('subnet-', {
    SubnetId: (ctx) => ctx.hexId('subnet-'),
    VpcId: (ctx) => ctx.prop('VpcId'),
    AvailabilityZone: (ctx) => ctx.prop('AvailabilityZone'),
    AvailabilityZoneId: (ctx) => {
      const az = ctx.stringProp('AvailabilityZone') ?? `${ctx.env.region}a`;
      return regionAzId(ctx.env.region, Math.max(0, (az.at(-1) ?? 'a').charCodeAt(0) - 'a'.charCodeAt(0)));
    },
    CidrBlock: (ctx) => ctx.prop('CidrBlock'),
    Ipv6CidrBlocks: () => [],
    NetworkAclAssociationId: (ctx) => ctx.hexId('aclassoc-', 17, 'aclassoc'),
    OutpostArn: () => '',
  }),
  'AWS::EC2::RouteTable': idType('rtb-', { RouteTableId: (ctx) => ctx.hexId('rtb-') }),
  'AWS::EC2::SubnetRouteTableAssociation': idType('rtbassoc-', { Id: (ctx) => ctx.hexId('rtbassoc-') }),
  'AWS::EC2::Route': {
    ref: (ctx) =>
      `${requiredString(ctx, 'RouteTableId')}` +
      `|${ctx.stringProp('DestinationCidrBlock') ?? ctx.stringProp('DestinationIpv6CidrBlock') ?? ''}`,
    attributes: { CidrBlock: (ctx) => ctx.prop('DestinationCidrBlock') },
  },
  'AWS::EC2::EIP': {
    ref: (ctx) => eipAddress(ctx),
    attributes: { PublicIp: (ctx) => eipAddress(ctx), AllocationId: (ctx) => ctx.hexId('eipalloc-') },
  },
  'AWS::EC2::NatGateway': idType('nat-', {
    NatGatewayId: (ctx) => ctx.hexId('nat-'),
    EniId: (ctx) => ctx.hexId('eni-', 17, 'eni'),
  }),
  'AWS::EC2::InternetGateway': idType('igw-', { InternetGatewayId: (ctx) => ctx.hexId('igw-') }),
  'AWS::EC2::VPCGatewayAttachment': {
    ref: (ctx) => `${ctx.prop('InternetGatewayId') !== undefined ? 'IGW' : 'VGW'}|${requiredString(ctx, 'VpcId')}`,
    attributes: { AttachmentType: (ctx) => (ctx.prop('InternetGatewayId') !== undefined ? 'igw' : 'vgw') },
  },
  'AWS::EC2::FlowLog': idType('fl-', { Id: (ctx) => ctx.hexId('fl-') }),
  'AWS::EC2::SecurityGroup': idType('sg-', {
    GroupId: (ctx) => ctx.hexId('sg-'),
    Id: (ctx) => ctx.hexId('sg-'),
    VpcId: (ctx) => ctx.prop('VpcId'),
  }),
  'AWS::EC2::SecurityGroupIngress': idType('sgr-', { Id: (ctx) => ctx.hexId('sgr-') }),
  'AWS::EC2::SecurityGroupEgress': idType('sgr-', { Id: (ctx) => ctx.hexId('sgr-') }),
  'AWS::EC2::VPCEndpoint': idType('vpce-', {
    Id: (ctx) => ctx.hexId('vpce-'),
    CreationTimestamp: () => FIXED_TIME,
    DnsEntries: () => [],
    NetworkInterfaceIds: () => [],
  }),
  'AWS::EC2::NetworkAcl': idType('acl-', { Id: (ctx) => ctx.hexId('acl-') }),
  'AWS::EC2::NetworkAclEntry': { ref: generatedId, attributes: {} },
  'AWS::EC2::SubnetNetworkAclAssociation': idType('aclassoc-', { AssociationId: (ctx) => ctx.hexId('aclassoc-') }),
  // ---- CDK bookkeeping
  'AWS::CDK::Metadata': { ref: generatedId, attributes: {} },
};

/** Custom resources: Ref is whatever physical id the handler returns; their attributes come from the handler too. */
const CUSTOM_RESOURCE: TypeSpec = { ref: generatedId, attributes: {} };

function requiredString(ctx: Ctx, name: string): string {
  const value = ctx.stringProp(name);
  if (value === undefined) throw new TemplateError(`${ctx.logicalId}: property ${name} is required here`);
  return value;
}

function taskDefinitionFamily(ctx: Ctx): string {
  return ctx.stringProp('Family') ?? `${ctx.env.stackName}${ctx.logicalId}${ctx.hexId('', 8, 'family').toUpperCase()}`;
}

function ecsServiceArn(ctx: Ctx): string {
  const cluster = ctx.stringProp('Cluster') ?? 'default';
  const clusterName = cluster.startsWith('arn:') ? lastSegment(cluster, '/') : cluster;
  return ctx.arn('ecs', `service/${clusterName}/${ctx.name('ServiceName', 255)}`);
}

function managedPolicyArn(ctx: Ctx): string {
  return ctx.arn('iam', `policy${ctx.stringProp('Path') ?? '/'}${ctx.name('ManagedPolicyName', 128)}`, { region: '' });
}

function queueName(ctx: Ctx): string {
  const fifo = ctx.prop('FifoQueue') === true || ctx.prop('FifoQueue') === 'true';
  return ctx.name('QueueName', 80, fifo ? { suffix: '.fifo' } : {});
}

function queueUrl(ctx: Ctx): string {
  return `https://sqs.${ctx.env.region}.${ctx.env.urlSuffix}/${ctx.env.account}/${queueName(ctx)}`;
}

function topicName(ctx: Ctx): string {
  const fifo = ctx.prop('FifoTopic') === true || ctx.prop('FifoTopic') === 'true';
  return ctx.name('TopicName', 256, fifo ? { suffix: '.fifo' } : {});
}

function bucketName(ctx: Ctx): string {
  return ctx.name('BucketName', 63, { lowercase: true });
}

function ssmParameterName(ctx: Ctx): string {
  return ctx.stringProp('Name') ?? `CFN-${ctx.logicalId}-${ctx.alnum(12)}`;
}

function eventBusName(ctx: Ctx): string | undefined {
  const bus = ctx.stringProp('EventBusName');
  if (bus === undefined) return undefined;
  const name = bus.startsWith('arn:') ? lastSegment(bus, '/') : bus;
  return name === 'default' ? undefined : name;
}

function eipAddress(ctx: Ctx): string {
  // TEST-NET-2 (RFC 5737): realistic, never routable.
  const n = parseInt(ctx.hexId('', 2, 'ip'), 16) % 254;
  return `198.51.100.${n + 1}`;
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

function urlSuffixOf(partition: string): string {
  if (partition === 'aws-cn') return 'amazonaws.com.cn';
  if (partition === 'aws-iso') return 'c2s.ic.gov';
  if (partition === 'aws-iso-b') return 'sc2s.sgov.gov';
  return 'amazonaws.com';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${where}: expected a string, got ${JSON.stringify(value)}`);
}

function asList(value: unknown, where: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new TemplateError(`${where}: expected a list, got ${JSON.stringify(value)}`);
}

/** Builds the view. `json` is `Template.toJSON()` (or any CloudFormation template as JSON). */
export function deployedTemplate(json: unknown, options: DeployOptions = {}): DeployedTemplate {
  if (!isObject(json) || !isObject(json['Resources']))
    throw new TemplateError('not a CloudFormation template: no Resources');
  const template = json as TemplateJson;
  const region = options.region ?? 'us-west-2';
  const partition = options.partition ?? partitionOf(region);
  const account = options.account ?? '111122223333';
  const stackName = options.stackName ?? 'Test';
  const hash = (salt: string): Buffer => createHash('sha256').update(`${stackName}\0${salt}`).digest();
  const env: Env = {
    account,
    region,
    partition,
    urlSuffix: urlSuffixOf(partition),
    stackName,
    stackId: `arn:${partition}:cloudformation:${region}:${account}:stack/${stackName}/${uuidFrom(hash('StackId'))}`,
  };

  const resources = template.Resources;
  const unknownTypes = Object.entries(resources)
    .filter(([, r]) => !(r.Type in TYPES) && !isCustomType(r.Type))
    .map(([id, r]) => `${r.Type} (${id})`);
  if (unknownTypes.length > 0) {
    throw new TemplateError(
      `resource types this view does not know, so it cannot say what Ref/Fn::GetAtt return: ` +
        `${unknownTypes.join(', ')}. ` +
        'Add them to TYPES in test/support/aws-rules/template.ts from their CloudFormation "Return values".',
    );
  }

  const conditionCache = new Map<string, boolean>();
  const inProgress = new Set<string>();
  const memo = new Map<string, unknown>();

  function memoized<T>(key: string, compute: () => T): T {
    if (memo.has(key)) return memo.get(key) as T;
    if (inProgress.has(key)) throw new TemplateError(`circular reference while resolving ${key}`);
    inProgress.add(key);
    try {
      const value = compute();
      memo.set(key, value);
      return value;
    } finally {
      inProgress.delete(key);
    }
  }

  function resource(logicalId: string, where: string): TemplateResource {
    const r = resources[logicalId];
    if (r === undefined) throw new TemplateError(`${where}: no resource ${logicalId} in the template`);
    if (r.Condition !== undefined && !condition(r.Condition, `${logicalId}.Condition`)) {
      throw new TemplateError(`${where}: resource ${logicalId} is not created (condition ${r.Condition} is false)`);
    }
    return r;
  }

  function specOf(logicalId: string): TypeSpec {
    const type = resource(logicalId, logicalId).Type;
    const spec = TYPES[type] ?? (isCustomType(type) ? CUSTOM_RESOURCE : undefined);
    if (spec === undefined) throw new TemplateError(`unknown resource type ${type} (${logicalId})`);
    return spec;
  }

  function ctxFor(logicalId: string): Ctx {
    const r = resource(logicalId, logicalId);
    const ctx: Ctx = {
      logicalId,
      env,
      prop: (name) => {
        const raw = r.Properties?.[name];
        if (raw === undefined) return undefined;
        return memoized(`${logicalId}.Properties.${name}`, () => {
          const value = resolveValue(raw, `${logicalId}.Properties.${name}`);
          return value === NO_VALUE ? undefined : value;
        });
      },
      stringProp: (name) => {
        const value = ctx.prop(name);
        return value === undefined ? undefined : asString(value, `${logicalId}.Properties.${name}`);
      },
      name: (property, maxLength, nameOptions = {}) => {
        const explicit = property === undefined ? undefined : ctx.stringProp(property);
        if (explicit !== undefined) return explicit;
        const suffix = nameOptions.suffix ?? '';
        const random = ctx.alnum(12, 'name');
        const budget = maxLength - random.length - 1 - suffix.length;
        let base = `${stackName}-${logicalId}`;
        if (base.length > budget) base = base.slice(0, budget);
        const generated = `${base}-${random}${suffix}`;
        return nameOptions.lowercase === true ? generated.toLowerCase() : generated;
      },
      hexId: (prefix, length = 17, salt = '') =>
        `${prefix}${hash(`${logicalId}\0hex\0${salt}`).toString('hex').slice(0, length)}`,
      alnum: (length, salt = '') => {
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
        const bytes = hash(`${logicalId}\0alnum\0${salt}`);
        let out = '';
        for (let i = 0; i < length; i++) out += alphabet[(bytes[i % bytes.length] ?? 0) % alphabet.length];
        return out;
      },
      uuid: (salt = '') => uuidFrom(hash(`${logicalId}\0uuid\0${salt}`)),
      arn: (service, resourcePart, arnOptions = {}) =>
        `arn:${partition}:${service}:${arnOptions.region ?? region}:${arnOptions.account ?? account}:${resourcePart}`,
    };
    return ctx;
  }

  function physicalId(logicalId: string): string {
    return memoized(`Ref:${logicalId}`, () => specOf(logicalId).ref(ctxFor(logicalId)));
  }

  function attribute(logicalId: string, name: string): unknown {
    return memoized(`GetAtt:${logicalId}.${name}`, () => {
      const type = resource(logicalId, logicalId).Type;
      if (isCustomType(type)) {
        const attrs = options.customResourceAttributes?.[logicalId];
        if (attrs === undefined || !(name in attrs)) {
          throw new TemplateError(
            `Fn::GetAtt ${logicalId}.${name}: ${type} is a custom resource, its attributes come from its handler; ` +
              `pass them in options.customResourceAttributes`,
          );
        }
        return attrs[name];
      }
      const getter = specOf(logicalId).attributes[name];
      if (getter === undefined) {
        const known = Object.keys(specOf(logicalId).attributes);
        throw new TemplateError(
          `Fn::GetAtt ${logicalId}.${name}: ${type} has no attribute ${name} here (known: ` +
            `${known.join(', ') || 'none'})`,
        );
      }
      return getter(ctxFor(logicalId));
    });
  }

  function parameter(name: string, where: string): unknown {
    const given = options.parameters?.[name];
    if (given !== undefined) return given;
    const declared = template.Parameters?.[name];
    if (declared === undefined)
      throw new TemplateError(`${where}: Ref ${name}: no such parameter, pseudo parameter or resource`);
    if (declared.Type.startsWith('AWS::SSM::Parameter::Value')) {
      throw new TemplateError(
        `${where}: Ref ${name}: an SSM parameter (${declared.Type}) resolves at deploy time; pass its value in ` +
          `options.parameters`,
      );
    }
    if (declared.Default === undefined)
      throw new TemplateError(`${where}: Ref ${name}: the parameter has no Default; pass it in options.parameters`);
    if (declared.Type === 'CommaDelimitedList' || declared.Type.startsWith('List<'))
      return asString(declared.Default, where).split(',');
    return declared.Default;
  }

  function ref(name: string, where: string): unknown {
    switch (name) {
      case 'AWS::AccountId':
        return account;
      case 'AWS::Region':
        return region;
      case 'AWS::Partition':
        return partition;
      case 'AWS::URLSuffix':
        return env.urlSuffix;
      case 'AWS::StackName':
        return stackName;
      case 'AWS::StackId':
        return env.stackId;
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
    }
    if (name.startsWith('AWS::')) throw new TemplateError(`${where}: unknown pseudo parameter ${name}`);
    if (name in resources) return physicalId(name);
    return parameter(name, where);
  }

  function getAtt(arg: unknown, where: string): unknown {
    let logicalId: string;
    let attr: string;
    if (typeof arg === 'string') {
      const dot = arg.indexOf('.');
      if (dot < 0) throw new TemplateError(`${where}: Fn::GetAtt "${arg}" has no attribute`);
      logicalId = arg.slice(0, dot);
      attr = arg.slice(dot + 1);
    } else {
      const list = asList(arg, `${where}: Fn::GetAtt`);
      logicalId = asString(list[0], `${where}: Fn::GetAtt logical id`);
      attr = asString(resolveValue(list[1], `${where}: Fn::GetAtt attribute`), `${where}: Fn::GetAtt attribute`);
    }
    return attribute(logicalId, attr);
  }

  function sub(arg: unknown, where: string): string {
    let text: string;
    let vars: Record<string, unknown> = {};
    if (typeof arg === 'string') text = arg;
    else {
      const list = asList(arg, `${where}: Fn::Sub`);
      text = asString(list[0], `${where}: Fn::Sub template`);
      const rawVars = list[1];
      if (rawVars !== undefined) {
        if (!isObject(rawVars)) throw new TemplateError(`${where}: Fn::Sub variables must be a map`);
        vars = Object.fromEntries(
          Object.entries(rawVars).map(([k, v]) => [k, resolveValue(v, `${where}: Fn::Sub \${${k}}`)]),
        );
      }
    }
    return text.replace(/\$\{([^}]*)\}/g, (_match, body: string) => {
      if (body.startsWith('!')) return `\${${body.slice(1)}}`;
      const name = body.trim();
      if (name in vars) return asString(vars[name], `${where}: Fn::Sub \${${name}}`);
      if (name.includes('.') && !name.startsWith('AWS::'))
        return asString(getAtt(name, where), `${where}: Fn::Sub \${${name}}`);
      const value = ref(name, where);
      if (value === NO_VALUE) throw new TemplateError(`${where}: Fn::Sub \${AWS::NoValue}`);
      return asString(value, `${where}: Fn::Sub \${${name}}`);
    });
  }

  function condition(name: string, where: string): boolean {
    const cached = conditionCache.get(name);
    if (cached !== undefined) return cached;
    const expr = template.Conditions?.[name];
    if (expr === undefined) throw new TemplateError(`${where}: no condition ${name} in the template`);
    const value = memoized(`Condition:${name}`, () => evalCondition(expr, `Conditions.${name}`));
    conditionCache.set(name, value);
    return value;
  }

  function evalCondition(expr: unknown, where: string): boolean {
    if (!isObject(expr) || Object.keys(expr).length !== 1)
      throw new TemplateError(`${where}: not a condition: ${JSON.stringify(expr)}`);
    const [key, arg] = Object.entries(expr)[0]!;
    switch (key) {
      case 'Condition':
        return condition(asString(arg, where), where);
      case 'Fn::Equals': {
        const [a, b] = asList(arg, where).map((v) => resolveValue(v, where));
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::And':
        return asList(arg, where).every((c) => evalCondition(c, where));
      case 'Fn::Or':
        return asList(arg, where).some((c) => evalCondition(c, where));
      case 'Fn::Not':
        return !evalCondition(asList(arg, where)[0], where);
      default:
        throw new TemplateError(`${where}: unknown condition function ${key}`);
    }
  }

  function intrinsic(key: string, arg: unknown, where: string): unknown {
    switch (key) {
      case 'Ref':
        return ref(asString(arg, `${where}: Ref`), where);
      case 'Fn::GetAtt':
        return getAtt(arg, where);
      case 'Fn::Join': {
        const [delimiter, list] = asList(arg, `${where}: Fn::Join`);
        const items = asList(resolveValue(list, `${where}: Fn::Join`), `${where}: Fn::Join list`);
        return items
          .map((item, i) => asString(item, `${where}: Fn::Join item ${i}`))
          .join(asString(delimiter, `${where}: Fn::Join delimiter`));
      }
      case 'Fn::Sub':
        return sub(arg, where);
      case 'Fn::Select': {
        const [index, list] = asList(arg, `${where}: Fn::Select`);
        const i = Number(asString(resolveValue(index, where), `${where}: Fn::Select index`));
        const items = asList(resolveValue(list, where), `${where}: Fn::Select list`);
        if (!Number.isInteger(i) || i < 0 || i >= items.length)
          throw new TemplateError(`${where}: Fn::Select index ${i} outside a list of ${items.length}`);
        return items[i];
      }
      case 'Fn::Split': {
        const [delimiter, text] = asList(arg, `${where}: Fn::Split`);
        return asString(resolveValue(text, where), `${where}: Fn::Split source`).split(
          asString(delimiter, `${where}: Fn::Split delimiter`),
        );
      }
      case 'Fn::GetAZs': {
        const r = asString(resolveValue(arg, where), `${where}: Fn::GetAZs`) || region;
        return [`${r}a`, `${r}b`, `${r}c`];
      }
      case 'Fn::Base64':
        return Buffer.from(asString(resolveValue(arg, where), `${where}: Fn::Base64`)).toString('base64');
      case 'Fn::FindInMap': {
        const [map, top, second] = asList(arg, `${where}: Fn::FindInMap`).map((v) =>
          asString(resolveValue(v, where), `${where}: Fn::FindInMap`),
        );
        const value = template.Mappings?.[map!]?.[top!]?.[second!];
        if (value === undefined)
          throw new TemplateError(`${where}: Fn::FindInMap ${map}/${top}/${second} not in Mappings`);
        return value;
      }
      case 'Fn::If': {
        const [cond, whenTrue, whenFalse] = asList(arg, `${where}: Fn::If`);
        return condition(asString(cond, `${where}: Fn::If condition`), where)
          ? resolveValue(whenTrue, where)
          : resolveValue(whenFalse, where);
      }
      default:
        throw new TemplateError(
          `${where}: unsupported intrinsic function ${key} (this view resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, ` +
            `Fn::Select, Fn::Split, Fn::GetAZs, Fn::Base64, Fn::FindInMap, Fn::If)`,
        );
    }
  }

  function resolveValue(value: unknown, where: string): unknown {
    if (Array.isArray(value)) {
      return value.map((v, i) => resolveValue(v, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
    }
    if (isObject(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1) {
        const key = keys[0]!;
        if (key === 'Ref' || key.startsWith('Fn::')) return intrinsic(key, value[key], where);
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const resolved = resolveValue(value[key], `${where}.${key}`);
        if (resolved !== NO_VALUE) out[key] = resolved;
      }
      return out;
    }
    return value;
  }

  const exists = (logicalId: string): boolean => {
    const r = resources[logicalId];
    return r !== undefined && (r.Condition === undefined || condition(r.Condition, `${logicalId}.Condition`));
  };

  let resolvedResources: Record<string, ResolvedResource> | undefined;

  function functionsOfType(): string[] {
    return Object.keys(resources).filter((id) => exists(id) && resources[id]!.Type === 'AWS::Lambda::Function');
  }

  function requireFunction(logicalId: string): TemplateResource {
    const r = resource(logicalId, logicalId);
    if (r.Type !== 'AWS::Lambda::Function')
      throw new TemplateError(`${logicalId} is a ${r.Type}, not an AWS::Lambda::Function`);
    return r;
  }

  const view: DeployedTemplate = {
    account,
    region,
    partition,
    urlSuffix: env.urlSuffix,
    stackName,
    template,
    resolve: (value) => {
      const resolved = resolveValue(value, 'resolve()');
      return resolved === NO_VALUE ? undefined : resolved;
    },
    physicalId,
    attribute,
    resourceType: (logicalId) => resource(logicalId, logicalId).Type,
    logicalIdsOfType: (type) => Object.keys(resources).filter((id) => exists(id) && resources[id]!.Type === type),
    get resources() {
      if (resolvedResources === undefined) {
        const out: Record<string, ResolvedResource> = {};
        for (const [id, r] of Object.entries(resources)) {
          if (!exists(id)) continue;
          const properties = resolveValue(r.Properties ?? {}, `${id}.Properties`);
          out[id] = { type: r.Type, properties: isObject(properties) ? properties : {} };
        }
        resolvedResources = out;
      }
      return resolvedResources;
    },
    functionEnvironment: (functionLogicalId) => {
      const r = requireFunction(functionLogicalId);
      const raw = (r.Properties?.['Environment'] as Record<string, unknown> | undefined)?.['Variables'] ?? {};
      const resolved = resolveValue(raw, `${functionLogicalId}.Properties.Environment.Variables`);
      if (!isObject(resolved)) throw new TemplateError(`${functionLogicalId}: Environment.Variables is not a map`);
      return Object.fromEntries(
        Object.entries(resolved).map(([k, v]) => [k, asString(v, `${functionLogicalId} environment ${k}`)]),
      );
    },
    functionRole: (functionLogicalId) => {
      const r = requireFunction(functionLogicalId);
      const role = r.Properties?.['Role'];
      const getAttArg = isObject(role) ? role['Fn::GetAtt'] : undefined;
      const target = Array.isArray(getAttArg)
        ? getAttArg[0]
        : typeof getAttArg === 'string'
          ? getAttArg.split('.')[0]
          : undefined;
      if (typeof target !== 'string' || resources[target]?.Type !== 'AWS::IAM::Role') {
        throw new TemplateError(
          `${functionLogicalId}: Role is not the Arn of an AWS::IAM::Role of this template: ${JSON.stringify(role)}`,
        );
      }
      return target;
    },
    findFunction: (hint) => {
      const matches = functionsOfType().filter((id) => id.includes(hint));
      if (matches.length !== 1) {
        throw new TemplateError(
          `expected one AWS::Lambda::Function whose logical id contains "${hint}", found ${matches.length}: ` +
            `${matches.join(', ') || 'none'}`,
        );
      }
      return matches[0]!;
    },
    get functionsByEntryHint() {
      return {
        dispatcher: view.findFunction('Dispatcher'),
        jobController: view.findFunction('JobController'),
        manifests: view.findFunction('ManifestsFunction'),
      };
    },
    functionsWithRole: (roleLogicalId) =>
      functionsOfType().filter((id) => {
        try {
          return view.functionRole(id) === roleLogicalId;
        } catch {
          return false;
        }
      }),
  };
  return view;
}

function isCustomType(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

function uuidFrom(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return (
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}` +
    `-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
  );
}
