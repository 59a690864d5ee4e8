/**
 * The `cost` benchmark section (`npm run bench -- --only cost`): what a deployed stack costs in us-east-1 at public
 * list prices (bench/prices.ts), itemised — idle per month for the synthesized template of each network choice, and
 * the control plane of one scheduled run, measured through the Lambda entry points with the template's environment
 * (test/support/aws-world: dynalite, local-aws-sqs, in-process ECS and Scheduler). DynamoDB capacity is what dynalite
 * reports per request (ReturnConsumedCapacity) for the table, plus the GSI writes the items' keys imply.
 */
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { synthJobctl } from '../test/infra/synth.ts';
import { AwsWorld } from '../test/support/aws-world/world.ts';
import type { MiddlewareOptions, RecordableClient } from '../test/support/aws-rules/recorder.ts';
import type { JobctlProps } from '../infra/jobctl-construct.ts';
import { HOURS_PER_MONTH, PRICES } from './prices.ts';

export interface CostBenchOptions {
  /** Scheduled runs of the seed's `hello`; the steady average starts at the first run that deletes history (4). */
  runs: number;
}

/** The stack's default config file (cdk.json). */
const DEFAULT_MANIFESTS = 'examples/hello,examples/cronjobs,examples/jobs';
const T0 = Date.parse('2026-03-02T10:00:00Z');
const MINUTE = 60_000;
/** The resync schedule's rate (infra/jobctl-construct.ts RESYNC_MINUTES): 30 × 24 × 6 = 4,380 a month (730 h). */
const RESYNCS_PER_MONTH = (HOURS_PER_MONTH * 60) / 10;
/** GSIs of the state table, by the attribute that puts an item in them. */
const GSI_KEYS = ['GSI1PK', 'GSI2PK'];
/**
 * Lambda's billed duration, modelled (in-process timings say nothing of AWS latencies): 25 ms of handler work per
 * invocation, 8 ms per DynamoDB request, 150 ms per RunTask, 50 ms per other AWS request (ECS, Scheduler, SQS).
 */
const DURATION_MODEL = { baseMs: 25, dynamoDbMs: 8, runTaskMs: 150, otherMs: 50 };
/** Lambda writes START, END and REPORT lines per invocation (~260 bytes), plus the handler's own lines. */
const LOG_BYTES_PER_INVOCATION = 300;

const money = (n: number) => (n === 0 ? '$0' : n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`);

/** Read and write units per request, as the table bills them (the meter's tally). */
interface Capacity {
  readUnits: number;
  writeUnits: number;
}

/**
 * Adds `ReturnConsumedCapacity: TOTAL` to each DynamoDB request of a handler and tallies what dynalite reports, plus
 * the writes to the GSIs that the item's keys before and after imply (dynalite reports the base table only).
 */
function meterDynamoDb(client: RecordableClient, reader: DynamoDBClient, tableName: string, tally: Capacity): void {
  const middleware =
    (next: (args: unknown) => Promise<{ output: Record<string, unknown> }>, context: { commandName?: string }) =>
    async (args: { input: Record<string, unknown> }) => {
      const op = (context.commandName ?? '').replace(/Command$/, '');
      const keys = writtenKeys(op, args.input);
      const before = await Promise.all(keys.map((key) => readItem(reader, tableName, key)));
      const result = await next(args);
      const consumed = result.output['ConsumedCapacity'];
      const units = (Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed]).reduce(
        (sum: number, c: { CapacityUnits?: number }) => sum + (c.CapacityUnits ?? 0),
        0,
      );
      if (keys.length === 0) tally.readUnits += units;
      else {
        tally.writeUnits += units;
        const after = await Promise.all(keys.map((key) => readItem(reader, tableName, key)));
        keys.forEach((_, i) => {
          tally.writeUnits += gsiWriteUnits(before[i], after[i]);
        });
      }
      return result;
    };
  // Asked for before serialization; read after it, where lib-dynamodb has marshalled the keys.
  const ask = (next: (args: unknown) => Promise<unknown>) => async (args: { input: Record<string, unknown> }) =>
    next({ ...args, input: { ...args.input, ReturnConsumedCapacity: 'TOTAL' } });
  client.middlewareStack.add(
    ask as never,
    { step: 'initialize', name: 'jobctlCostMeterAsk', priority: 'high' } satisfies MiddlewareOptions as never,
  );
  client.middlewareStack.add(
    middleware as never,
    { step: 'build', name: 'jobctlCostMeter', priority: 'high' } satisfies MiddlewareOptions as never,
  );
}

function writtenKeys(op: string, input: Record<string, unknown>): Array<Record<string, AttributeValue>> {
  const keyOf = (item: Record<string, AttributeValue>) => ({ PK: item['PK']!, SK: item['SK']! });
  switch (op) {
    case 'PutItem':
      return [keyOf(input['Item'] as Record<string, AttributeValue>)];
    case 'UpdateItem':
    case 'DeleteItem':
      return [input['Key'] as Record<string, AttributeValue>];
    case 'BatchWriteItem':
      return Object.values(
        input['RequestItems'] as Record<
          string,
          Array<{
            PutRequest?: { Item: Record<string, AttributeValue> };
            DeleteRequest?: { Key: Record<string, AttributeValue> };
          }>
        >,
      )
        .flat()
        .map((r) => (r.PutRequest !== undefined ? keyOf(r.PutRequest.Item) : r.DeleteRequest!.Key));
    default:
      return [];
  }
}

async function readItem(
  reader: DynamoDBClient,
  tableName: string,
  key: Record<string, AttributeValue>,
): Promise<Record<string, AttributeValue> | undefined> {
  return (await reader.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
}

/** A write's cost in each GSI (projection ALL): an index item put, replaced or deleted, 1 unit per KB. */
function gsiWriteUnits(
  before: Record<string, AttributeValue> | undefined,
  after: Record<string, AttributeValue> | undefined,
): number {
  let units = 0;
  for (const gsi of GSI_KEYS) {
    const was = before?.[gsi]?.S;
    const is = after?.[gsi]?.S;
    if (was === undefined && is === undefined) continue;
    if (was !== undefined && is !== undefined && was === is) units += kb(after!);
    else units += (was === undefined ? 0 : kb(before!)) + (is === undefined ? 0 : kb(after!));
  }
  return units;
}

/**
 * DynamoDB's item size: attribute names plus values
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html), in 1-KB write
 * units.
 */
function kb(item: Record<string, AttributeValue>): number {
  return Math.max(
    1,
    Math.ceil(
      Object.entries(item).reduce((n, [name, value]) => n + Buffer.byteLength(name) + valueBytes(value), 0) / 1024,
    ),
  );
}

function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/^-/, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.L !== undefined) return 3 + v.L.reduce((n, e) => n + 1 + valueBytes(e), 0);
  if (v.M !== undefined)
    return 3 + Object.entries(v.M).reduce((n, [k, e]) => n + 1 + Buffer.byteLength(k) + valueBytes(e), 0);
  if (v.SS !== undefined) return v.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  return 0;
}

/** What a stretch of the world's work cost, measured. */
interface Measured {
  invocations: number;
  billedMs: number;
  readUnits: number;
  writeUnits: number;
  requests: Map<string, number>;
}

function measure(
  world: AwsWorld,
  capacity: Capacity,
  since: { invocations: number; requests: number; capacity: Capacity },
): Measured {
  const invocations = world.invocations.slice(since.invocations);
  const requests = world.requests.slice(since.requests);
  const byOp = new Map<string, number>();
  for (const r of requests) byOp.set(`${r.service}:${r.operation}`, (byOp.get(`${r.service}:${r.operation}`) ?? 0) + 1);
  // Requests in order, so each invocation's share is known for the duration model.
  let cursor = since.requests;
  let billedMs = 0;
  for (const inv of invocations) {
    const mine = world.requests.slice(cursor, cursor + inv.requests);
    cursor += inv.requests;
    billedMs +=
      DURATION_MODEL.baseMs +
      mine.reduce(
        (ms, r) =>
          ms +
          (r.service === 'dynamodb'
            ? DURATION_MODEL.dynamoDbMs
            : r.operation === 'RunTask'
              ? DURATION_MODEL.runTaskMs
              : DURATION_MODEL.otherMs),
        0,
      );
  }
  return {
    invocations: invocations.length,
    billedMs,
    readUnits: capacity.readUnits - since.capacity.readUnits,
    writeUnits: capacity.writeUnits - since.capacity.writeUnits,
    requests: byOp,
  };
}

/** The control-plane dollars of `m`, itemised. */
function controlPlaneCost(m: Measured, memoryGb: number, schedulerInvocations: number): Array<[string, number]> {
  return [
    [`DynamoDB writes (${m.writeUnits.toFixed(1)} WRU)`, (m.writeUnits * PRICES.dynamoDbPerMillionWriteUnits) / 1e6],
    [`DynamoDB reads (${m.readUnits.toFixed(1)} RRU)`, (m.readUnits * PRICES.dynamoDbPerMillionReadUnits) / 1e6],
    [`Lambda requests (${m.invocations} invocations)`, (m.invocations * PRICES.lambdaPerMillionRequests) / 1e6],
    [
      `Lambda duration (~${Math.round(m.billedMs)} ms × ${memoryGb} GB, modelled)`,
      (m.billedMs / 1000) * memoryGb * PRICES.lambdaArmPerGbSecond,
    ],
    [
      `Scheduler (${schedulerInvocations} invocation${schedulerInvocations === 1 ? '' : 's'}, list price beyond the ` +
        `free 14 M/month)`,
      (schedulerInvocations * PRICES.schedulerPerMillionInvocations) / 1e6,
    ],
    [
      `CloudWatch Logs (~${m.invocations * LOG_BYTES_PER_INVOCATION} bytes)`,
      ((m.invocations * LOG_BYTES_PER_INVOCATION) / 1024 ** 3) * PRICES.logsPerGbIngested,
    ],
  ];
}

async function meteredWorld(
  manifests: string,
  props: Partial<JobctlProps> = {},
): Promise<{ world: AwsWorld; capacity: Capacity }> {
  const capacity: Capacity = { readUnits: 0, writeUnits: 0 };
  const pending: RecordableClient[] = [];
  const world = await AwsWorld.start({
    manifests,
    props,
    startMs: T0,
    onClient: (client, name) => void (name === 'DynamoDBClient' && pending.push(client)),
  });
  for (const client of pending) meterDynamoDb(client, world.db.client, world.tableName, capacity);
  return { world, capacity };
}

function templateCounts(props: Partial<JobctlProps>): { counts: Map<string, number>; memoryGb: number } {
  const json = synthJobctl({ manifests: DEFAULT_MANIFESTS, ...props }).template.toJSON() as {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  };
  const counts = new Map<string, number>();
  for (const r of Object.values(json.Resources)) counts.set(r.Type, (counts.get(r.Type) ?? 0) + 1);
  const memory = Object.values(json.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.['Handler'] === 'index.handler',
  )?.Properties?.['MemorySize'];
  return { counts, memoryGb: Number(memory ?? 512) / 1024 };
}

/**
 * The `cost` section.
 *
 * @example
 * await benchCost({ runs: 8 });
 */
export async function benchCost(options: CostBenchOptions): Promise<void> {
  const firstSteady = 4;
  if (!(options.runs >= firstSteady))
    throw new RangeError(`bench cost: --cost-runs: invalid value "${options.runs}": must be at least ${firstSteady}`);

  // The resync of an idle stack (deployed, nothing firing), measured once; it is the same with either network.
  const idle = await meteredWorld(DEFAULT_MANIFESTS);
  let resync: Measured;
  let memoryGb: number;
  try {
    await idle.world.deploy();
    await idle.world.settle();
    for (const task of idle.world.ecs.allTasks()) idle.world.ecs.exit(task.taskArn!, 0);
    await idle.world.settle();
    for (let i = 0; i < 5; i++) {
      for (const task of idle.world.ecs.allTasks().filter((t) => t.lastStatus !== 'STOPPED'))
        idle.world.ecs.exit(task.taskArn!, 0);
      await idle.world.settle();
    }
    idle.world.clock.advance(30 * MINUTE);
    const since = {
      invocations: idle.world.invocations.length,
      requests: idle.world.requests.length,
      capacity: { ...idle.capacity },
    };
    await idle.world.resync();
    resync = measure(idle.world, idle.capacity, since);
    memoryGb = templateCounts({}).memoryGb;
  } finally {
    await idle.world.stop();
  }
  const resyncMonthly = controlPlaneCost(resync, memoryGb, 1).reduce((n, [, d]) => n + d, 0) * RESYNCS_PER_MONTH;

  console.log(
    '\n## Cost: an idle stack, per month (us-east-1 list prices, bench/prices.ts), from the synthesized template',
  );
  const variants: Array<[string, Partial<JobctlProps>]> = [
    ['network nat (default)', {}],
    ["network 'public'", { network: 'public' }],
    ['nat + containerInsights', { containerInsights: true }],
  ];
  const rows: Array<[string, ...number[]]> = [];
  const totals = variants.map(() => 0);
  const itemsOf = (props: Partial<JobctlProps>) => {
    const { counts } = templateCounts(props);
    const n = (type: string) => counts.get(type) ?? 0;
    return [
      [`NAT gateway hours (${HOURS_PER_MONTH} h)`, n('AWS::EC2::NatGateway') * PRICES.natGatewayHour * HOURS_PER_MONTH],
      ['public IPv4 of the NAT gateway', n('AWS::EC2::EIP') * PRICES.publicIpv4Hour * HOURS_PER_MONTH],
      [`CloudWatch alarms (${n('AWS::CloudWatch::Alarm')})`, n('AWS::CloudWatch::Alarm') * PRICES.alarmMonth],
      [
        `resync every 10 min (${RESYNCS_PER_MONTH.toLocaleString('en-US')} × ${resync.invocations} invocation, ` +
          `${resync.requests.size === 0 ? 0 : [...resync.requests.values()].reduce((a, b) => a + b, 0)} requests each)`,
        resyncMonthly,
      ],
      [
        'Container Insights cluster metrics, if published (≤ 15 × $0.30)',
        props.containerInsights === true ? 15 * PRICES.customMetricMonth : 0,
      ],
    ] as Array<[string, number]>;
  };
  variants.forEach(([, props], v) => {
    for (const [label, dollars] of itemsOf(props)) {
      let row = rows.find((r) => r[0] === label);
      if (row === undefined) {
        row = [label, ...variants.map(() => 0)];
        rows.push(row);
      }
      row[v + 1] = dollars;
      totals[v] = totals[v]! + dollars;
    }
  });
  console.log(`| item | ${variants.map(([name]) => name).join(' | ')} |`);
  console.log(`|---|${variants.map(() => '---:').join('|')}|`);
  for (const [label, ...dollars] of rows) console.log(`| ${label} | ${dollars.map(money).join(' | ')} |`);
  console.log(`| **total** | ${totals.map((t) => `**${money(t)}**`).join(' | ')} |`);
  console.log(
    'Not in the totals: DynamoDB storage and PITR of a KB-sized table (~$0), flow logs of the VPC ' +
      '(traffic-dependent: $0.50/GB), log storage; ' +
      `with network 'public' each running task pays its own public IPv4 ($${PRICES.publicIpv4Hour}/h, prorated), ` +
      `with nat tasks pay $${PRICES.natGatewayPerGb}/GB of image pulls and egress.`,
  );

  // One plain scheduled run of the seed's hello, measured at steady state (history limits reached).
  console.log(
    `\n## Cost: the control plane of one scheduled run (the seed's hello, runs ${firstSteady}..${options.runs} ` +
      `averaged)`,
  );
  const run = await meteredWorld('examples/hello');
  const perRun: Measured[] = [];
  try {
    await run.world.deploy();
    await run.world.settle();
    for (let n = 1; n <= options.runs; n++) {
      const slot = T0 + n * MINUTE;
      run.world.clock.advanceTo(slot + 800);
      const since = {
        invocations: run.world.invocations.length,
        requests: run.world.requests.length,
        capacity: { ...run.capacity },
      };
      await run.world.fireStackSchedule('hello', slot);
      await run.world.settle();
      for (const task of run.world.ecs.allTasks().filter((t) => t.lastStatus !== 'STOPPED')) {
        run.world.ecs.start(task.taskArn!);
        await run.world.settle();
        run.world.clock.advance(5_000);
        run.world.ecs.exit(task.taskArn!, 0);
      }
      await run.world.settle();
      perRun.push(measure(run.world, run.capacity, since));
    }
  } finally {
    await run.world.stop();
  }
  const steady = perRun.slice(firstSteady - 1);
  const avg = (pick: (m: Measured) => number) => steady.reduce((n, m) => n + pick(m), 0) / steady.length;
  const mean: Measured = {
    invocations: avg((m) => m.invocations),
    billedMs: avg((m) => m.billedMs),
    readUnits: avg((m) => m.readUnits),
    writeUnits: avg((m) => m.writeUnits),
    requests: new Map(
      [...new Set(steady.flatMap((m) => [...m.requests.keys()]))].map((op) => [
        op,
        avg((m) => m.requests.get(op) ?? 0),
      ]),
    ),
  };
  const items = controlPlaneCost(mean, memoryGb, 1);
  const perRunDollars = items.reduce((n, [, d]) => n + d, 0);
  console.log('| item | per run | per million runs |');
  console.log('|---|---:|---:|');
  for (const [label, dollars] of items) console.log(`| ${label} | ${money(dollars)} | ${money(dollars * 1e6)} |`);
  console.log(`| **control plane** | **${money(perRunDollars)}** | **${money(perRunDollars * 1e6)}** |`);
  console.log(`requests per run: ${[...mean.requests].map(([op, n]) => `${op} ${n.toFixed(1)}`).join(', ')}`);
  const fargate = (vcpu: number, gb: number, arm: boolean) =>
    (arm
      ? vcpu * PRICES.fargateArmVcpuHour + gb * PRICES.fargateArmGbHour
      : vcpu * PRICES.fargateX86VcpuHour + gb * PRICES.fargateX86GbHour) / 60;
  console.log(
    `for comparison, the data plane of the same run: the smallest Fargate task (0.25 vCPU, 0.5 GB) billed its ` +
      `1-minute minimum costs ${money(fargate(0.25, 0.5, false))} ` +
      `(X86_64, the default) or ${money(fargate(0.25, 0.5, true))} (ARM64): the control plane is ` +
      `${((perRunDollars / fargate(0.25, 0.5, false)) * 100).toFixed(0)}% of a minimal x86 run. ` +
      `Duration is modelled (${DURATION_MODEL.baseMs} ms per invocation, ${DURATION_MODEL.dynamoDbMs} ms per ` +
      `DynamoDB request, ${DURATION_MODEL.runTaskMs} ms per RunTask, ${DURATION_MODEL.otherMs} ms per other ` +
      `request); ` +
      'ECS task events on the default bus, their rule, RunTask and stream reads are free.',
  );
}
