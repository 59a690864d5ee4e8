import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { connectAws } from '../../../src/runtime/lambda/connect.ts';
import type { Connection } from '../../../src/ports/connection.ts';
import { createSqsServer } from 'local-aws-sqs';
import { loadDispatcherEnv, loadJobControllerEnv } from '../../../src/runtime/lambda/env.ts';
import type { DispatchResult } from '../../../src/runtime/lambda/dispatcher.ts';
import type { JobControllerResult, LambdaContextLike } from '../../../src/runtime/lambda/job-controller.ts';
import type { ManifestsEvent, ManifestsResult } from '../../../src/runtime/lambda/manifests.ts';
import { ensureStateTable } from '../../../src/adapters/dynamodb/state-table.ts';
import { DynamoDbStateStore } from '../../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { ManualClock } from '../../../src/adapters/clock/clock.ts';
import type { JobctlProps } from '../../../infra/jobctl-construct.ts';
import { StreamSimulator } from '../lambda-harness.ts';
import { startTestDynalite, type TestDynalite } from '../dynalite.ts';
import { synthJobctl } from '../../infra/synth.ts';
import type { RecordedRequest } from '../aws-rules/recorded-request.ts';
import { recordRequests, type RecordableClient } from '../aws-rules/recorder.ts';
import { expectDocumentedShape } from '../aws-rules/event-shapes.ts';
import { deployedTemplate, type DeployedTemplate } from '../aws-rules/template.ts';
import { FakeEcsService } from './fake-ecs-service.ts';
import { EmfMetricsSink } from '../../../src/adapters/cloudwatch/emf-metrics.ts';
import { FakeSchedulerService, withScheduledTime } from './fake-scheduler-service.ts';

const CREDENTIALS = { accessKeyId: 'AKIDWORLD', secretAccessKey: 'world' };

/** An injected failure: the next `times` requests of `role` to `service` fail. */
interface Fault {
  role: string;
  service: string;
  times: number;
  error: () => Error;
}

/**
 * A deployed jobctl stack, in-process: the construct is synthesized, the template's resources get the physical ids
 * CloudFormation would give them, and the three Lambdas are built by their own entry points' wiring
 * (`functions/*.ts`) from the environment **the template sets**, with one recording middleware on every SDK client
 * (`recordRequests`, attributed to the function's IAM role in the template). DynamoDB is dynalite, SQS is
 * local-aws-sqs (both real protocol servers), ECS and Scheduler are in-process fakes with the behaviour AWS documents.
 * The clock is a {@link ManualClock}: nothing waits on the real one.
 *
 * What it records — every request each role made — is what the IAM and API-model checks judge
 * (test/integration/aws-world.test.ts).
 */
export class AwsWorld {
  readonly requests: RecordedRequest[] = [];
  /** Structured log lines of the job controller (e.g. the resync's ECS reconcile counts). */
  readonly logs: Record<string, unknown>[] = [];
  readonly stream: StreamSimulator;
  /** The table as the tests read it (its requests are not recorded: no handler made them). */
  readonly store: DynamoDbStateStore;
  private deploys = 0;
  /** Injected failures of handler requests, consumed in order. */
  private faults: Fault[] = [];

  private constructor(
    readonly deployed: DeployedTemplate,
    readonly clock: ManualClock,
    readonly db: TestDynalite,
    private readonly sqsServer: Server,
    /** local-aws-sqs, whose queue URLs carry the stack's account. */
    readonly sqsEndpoint: string,
    readonly ecs: FakeEcsService,
    readonly scheduler: FakeSchedulerService,
    readonly tableName: string,
    private readonly handlers: {
      dispatcher: (event: unknown, context?: LambdaContextLike) => Promise<DispatchResult>;
      jobController: (event: unknown, context?: LambdaContextLike) => Promise<JobControllerResult>;
      manifests: (event: ManifestsEvent) => Promise<ManifestsResult>;
    },
    readonly functionArns: { dispatcher: string; jobController: string },
  ) {
    this.publishedEvents = [];
    this.stream = new StreamSimulator(db, tableName);
    this.store = new DynamoDbStateStore({ client: db.client, tableName, now: () => clock.now() });
  }

  /** Every event the handlers put on EventBridge (PutEvents entries), oldest first: the health notifications. */
  publishedEvents: Array<Record<string, unknown>>;
  /** The embedded-metric-format lines the handlers wrote (on AWS, to their log groups). */
  emfLines: string[] = [];

  /**
   * @param options.onClient - called with each SDK client a handler builds, after the recorder (the cost benchmark adds
   *   its meter there)
   */
  static async start(options: {
    manifests: string;
    props?: Partial<JobctlProps>;
    startMs: number;
    onClient?: (client: RecordableClient, service: string, fn: 'dispatcher' | 'jobController' | 'manifests') => void;
  }): Promise<AwsWorld> {
    const { template } = synthJobctl({ manifests: options.manifests, ...options.props });
    const deployed = deployedTemplate(template.toJSON());
    const { account, region } = deployed;
    const clock = new ManualClock(options.startMs);
    const db = await startTestDynalite();
    const tableId = deployed.logicalIdsOfType('AWS::DynamoDB::GlobalTable')[0]!;
    const tableName = deployed.physicalId(tableId);
    await ensureStateTable(db.client, tableName);
    const sqsServer: Server = await createSqsServer({ port: 0, hostname: '127.0.0.1', accountId: account, region });
    const sqsEndpoint = `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`;
    // The stack's work queues exist, as CloudFormation creates them.
    const admin = new SQSClient({ endpoint: sqsEndpoint, region, credentials: CREDENTIALS });
    for (const id of deployed.logicalIdsOfType('AWS::SQS::Queue')) {
      await admin.send(new CreateQueueCommand({ QueueName: String(deployed.attribute(id, 'QueueName')) }));
    }
    admin.destroy();

    const fns = deployed.functionsByEntryHint;
    // The entry points build their production handler at module scope from the environment: they load with the
    // template's (the job controller's is a superset of the others'); the world then wires its own from each
    // function's.
    const envOf = (fn: string) => ({ ...deployed.functionEnvironment(fn), AWS_REGION: region });
    for (const [name, value] of Object.entries(envOf(fns.jobController))) process.env[name] ??= value;
    const {
      dispatcherClients,
      dispatcherDeps,
      createHandler: createDispatcherHandler,
    } = await import('../../../functions/dispatcher.ts');
    const {
      createHandler: createJobControllerHandler,
      jobControllerClients,
      jobControllerDeps,
    } = await import('../../../functions/job-controller.ts');
    const { createHandler: createManifestsHandler, manifestsClient } = await import('../../../functions/manifests.ts');
    const clusterArn = String(deployed.attribute(deployed.logicalIdsOfType('AWS::ECS::Cluster')[0]!, 'Arn'));
    const ecs = new FakeEcsService({ clusterArn, account, region, clock });
    const scheduler = new FakeSchedulerService(`arn:${deployed.partition}:scheduler:${region}:${account}`);
    const requests: RecordedRequest[] = [];
    const faults: Fault[] = [];
    const fault = (request: RecordedRequest): Error | undefined => {
      const i = faults.findIndex((f) => f.role === request.role && f.service === request.service && f.times > 0);
      if (i < 0) return undefined;
      faults[i]!.times--;
      return faults[i]!.error();
    };
    const roleFn = (fn: string) =>
      (fn === fns.dispatcher ? 'dispatcher' : fn === fns.jobController ? 'jobController' : 'manifests') as
        | 'dispatcher'
        | 'jobController'
        | 'manifests';
    const record = (client: RecordableClient, fn: string, fake?: Parameters<typeof recordRequests>[1]['fake']) => {
      recordRequests(client, {
        role: deployed.functionRole(fn),
        account,
        region,
        sink: requests,
        fault,
        ...(fake === undefined ? {} : { fake }),
      });
      options.onClient?.(client, (client as { constructor: { name: string } }).constructor.name, roleFn(fn));
    };
    const common = { region, credentials: CREDENTIALS };

    const jc = jobControllerClients({
      dynamodb: { ...common, endpoint: db.endpoint },
      ecs: common,
      scheduler: common,
      sqs: { ...common, endpoint: sqsEndpoint },
      events: common,
    });
    // EventBridge's PutEvents: every event the handlers publish, kept (the health notifications).
    const published: Array<Record<string, unknown>> = [];
    const putEvents = (operation: string, input: Record<string, unknown>) => {
      if (operation !== 'PutEvents') throw new Error(`fake EventBridge: ${operation} is not served`);
      const entries = input['Entries'] as Array<Record<string, unknown>>;
      published.push(...entries);
      return { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `event-${published.length + i}` })) };
    };
    record(jc.dynamodb, fns.jobController);
    record(jc.ecs, fns.jobController, ecs.handle);
    record(jc.scheduler, fns.jobController, scheduler.handle);
    record(jc.sqs, fns.jobController);
    record(jc.events, fns.jobController, putEvents);
    const logs: Record<string, unknown>[] = [];
    // The handlers' embedded-metric-format lines, kept rather than printed (test/support/aws-rules/emf.ts checks them).
    const emf: string[] = [];
    const metrics = new EmfMetricsSink({ write: (line) => void emf.push(line) });
    const jobController = createJobControllerHandler({
      ...jobControllerDeps(loadJobControllerEnv(envOf(fns.jobController)), {
        clients: jc,
        clock,
        sleep: async (ms) => clock.advance(ms),
      }),
      metrics,
      log: (line) => void logs.push(line),
    });

    const dc = dispatcherClients({ dynamodb: { ...common, endpoint: db.endpoint }, scheduler: common, events: common });
    record(dc.dynamodb, fns.dispatcher);
    record(dc.events, fns.dispatcher, putEvents);
    record(dc.scheduler, fns.dispatcher, scheduler.handle);
    const dispatcher = createDispatcherHandler({
      ...dispatcherDeps(loadDispatcherEnv(envOf(fns.dispatcher)), { clients: dc, clock }),
      metrics,
      log: () => {},
    });

    const mc = manifestsClient({ ...common, endpoint: db.endpoint });
    record(mc, fns.manifests);
    // Stack deletion waits for the job controller to remove the stack's Jobs: here each wait lets the world run.
    let settle: () => Promise<void> = async () => {};
    const manifests = createManifestsHandler(loadDispatcherEnv(envOf(fns.manifests)), {
      dynamodb: mc,
      clock,
      log: (line) => void logs.push(line),
      sleep: async (ms) => {
        clock.advance(ms);
        await settle();
      },
    });

    const world = new AwsWorld(
      deployed,
      clock,
      db,
      sqsServer,
      sqsEndpoint,
      ecs,
      scheduler,
      tableName,
      { dispatcher, jobController, manifests },
      {
        dispatcher: String(deployed.attribute(fns.dispatcher, 'Arn')),
        jobController: String(deployed.attribute(fns.jobController, 'Arn')),
      },
    );
    settle = async () => {
      world.ecs.settleStops();
      await world.settle();
    };
    world.faults = faults;
    world.publishedEvents = published;
    world.emfLines = emf;
    world.requests.push(...requests.splice(0));
    // Later requests go straight to the world's list.
    Object.defineProperty(world, 'requests', { value: requests });
    Object.defineProperty(world, 'logs', { value: logs });
    return world;
  }

  /** The manifests resource's properties in the template (what `cdk deploy` sends the Provider framework). */
  manifestsProperties(): ManifestsEvent['ResourceProperties'] {
    const id = this.deployed.logicalIdsOfType('Custom::JobctlManifests')[0]!;
    return structuredClone(this.deployed.resources[id]!.properties) as unknown as ManifestsEvent['ResourceProperties'];
  }

  /**
   * `cdk deploy`: the Provider framework calls the manifests function (Create, then Update or Delete) with
   * CloudFormation's custom resource request, checked against its documented shape.
   */
  async deploy(event: Partial<ManifestsEvent> = {}): Promise<ManifestsResult> {
    const id = this.deployed.logicalIdsOfType('Custom::JobctlManifests')[0]!;
    const request: ManifestsEvent = {
      RequestType: 'Create',
      RequestId: `request-${++this.deploys}`,
      StackId:
        `arn:${this.deployed.partition}:cloudformation:${this.deployed.region}:${this.deployed.account}` +
        `:stack/${this.deployed.stackName}/5b5b3e10-0000-4000-8000-000000000000`,
      ResponseURL: 'https://cloudformation-custom-resource-response-uswest2.s3.amazonaws.com/pre-signed',
      ResourceType: 'Custom::JobctlManifests',
      LogicalResourceId: id,
      ResourceProperties: this.manifestsProperties(),
      ...event,
    };
    expectDocumentedShape('cloudformation-custom-resource-request', request);
    return this.call('manifests', () => this.handlers.manifests(request));
  }

  /** The invocation context Lambda gives the job controller. */
  private context(arn: string): LambdaContextLike {
    return { invokedFunctionArn: arn, getRemainingTimeInMillis: () => 900_000 };
  }

  /** Delivers the table's stream to the job controller until nothing changes; throws on a failed record. */
  async drain(): Promise<number> {
    let batches = 0;
    for (let i = 0; i < 30; i++) {
      const records = await this.stream.records();
      if (records.length === 0) return batches;
      batches++;
      const batch = { Records: records };
      expectDocumentedShape('dynamodb-stream-event', batch);
      const result = await this.call('jobController', () =>
        this.handlers.jobController(batch, this.context(this.functionArns.jobController)),
      );
      if ('batchItemFailures' in result && result.batchItemFailures.length > 0)
        throw new Error(`stream batch failed: ${JSON.stringify(result)} ${JSON.stringify(this.logs.slice(-5))}`);
    }
    throw new Error('the stream did not drain in 30 batches');
  }

  /** Delivers the ECS events emitted since the last call; `drop` loses the ones it returns true for. */
  async deliverTaskEvents(drop: (event: Record<string, unknown>) => boolean = () => false): Promise<number> {
    const events = this.ecs.takeEvents();
    for (const event of events) {
      expectDocumentedShape('ecs-task-state-change', event);
      if (!drop(event))
        await this.call('jobController', () =>
          this.handlers.jobController(event, this.context(this.functionArns.jobController)),
        );
    }
    return events.length;
  }

  /** Fires the one-time schedules (requeues, `dst.*` runs) due now at their targets. */
  async fireDueSchedules(): Promise<number> {
    const due = this.scheduler.takeDue(this.clock.now());
    for (const run of due) await this.invoke(run.targetArn, run.input);
    return due.length;
  }

  /**
   * The CronJob schedule(s) for `name` fire at `scheduledMs`: the stack's (the template's own Target.Input, templated),
   * else the recurring ones the job controller created for a CronJob made with jobctl (`cli.<namespace>.<name>`).
   */
  async fireStackSchedule(name: string, scheduledMs: number): Promise<DispatchResult[]> {
    const results: DispatchResult[] = [];
    const targets = this.deployed
      .logicalIdsOfType('AWS::Scheduler::Schedule')
      .map((id) => this.deployed.resources[id]!.properties['Target'] as { Arn: string; Input: string });
    const runtime = [...this.scheduler.schedules.values()]
      .filter((s) => s.ScheduleExpression?.startsWith('cron(') && s.Target?.Input !== undefined)
      .map((s) => ({ Arn: s.Target!.Arn!, Input: s.Target!.Input! }));
    for (const target of [...targets, ...runtime]) {
      const input = JSON.parse(withScheduledTime(target.Input, scheduledMs)) as { cronJob?: { name: string } };
      if (input.cronJob?.name !== name) continue;
      results.push((await this.invoke(target.Arn, input)) as DispatchResult);
    }
    if (results.length === 0) throw new Error(`no schedule for CronJob ${name}`);
    return results;
  }

  /** The periodic resync, with the input the template's resync schedule delivers. */
  async resync(): Promise<JobControllerResult> {
    const id = this.deployed.logicalIdsOfType('AWS::Scheduler::Schedule').find((s) => /Resync/.test(s))!;
    const target = this.deployed.resources[id]!.properties['Target'] as { Arn: string; Input: string };
    return (await this.invoke(target.Arn, JSON.parse(target.Input))) as JobControllerResult;
  }

  /** Invokes the function `arn` names with `event`, as Scheduler or EventBridge would. */
  async invoke(arn: string, event: unknown): Promise<unknown> {
    expectDocumentedShape('scheduler-target-input', event);
    if (arn === this.functionArns.dispatcher)
      return this.call('dispatcher', () => this.handlers.dispatcher(event, this.context(arn)));
    if (arn === this.functionArns.jobController)
      return this.call('jobController', () => this.handlers.jobController(event, this.context(arn)));
    throw new Error(`no function ${arn} in this stack`);
  }

  /** Every handler invocation, with the requests it made (for the cost benchmark). */
  readonly invocations: Array<{ fn: 'dispatcher' | 'jobController' | 'manifests'; requests: number }> = [];

  private async call<T>(fn: 'dispatcher' | 'jobController' | 'manifests', invocation: () => Promise<T>): Promise<T> {
    const before = this.requests.length;
    try {
      return await invocation();
    } finally {
      this.invocations.push({ fn, requests: this.requests.length - before });
    }
  }

  /** Requests `jobctl --context aws` made through {@link userConnection} (not the handlers': no role of the stack). */
  readonly userRequests: RecordedRequest[] = [];

  /**
   * The CLI's connection to this stack, as `connectAws` builds it from the stack's outputs, with the user's clients:
   * DynamoDB and SQS on the real servers, Lambda's Invoke answered by invoking the function asynchronously here.
   */
  userConnection(): Connection {
    const { region, account } = this.deployed;
    const credentials = { accessKeyId: 'AKIDUSER', secretAccessKey: 'user' };
    const lambda = new LambdaClient({ region, credentials });
    recordRequests(lambda, {
      role: 'user',
      account,
      region,
      sink: this.userRequests,
      fake: async (operation, input) => {
        if (operation !== 'Invoke' || input['InvocationType'] !== 'Event')
          throw new Error(`user Lambda: ${operation} ${String(input['InvocationType'])} is not faked`);
        const name = String(input['FunctionName']);
        const arn = Object.values(this.functionArns).find((a) => a === name || a.endsWith(`:function:${name}`));
        if (arn === undefined) throw new Error(`user Lambda: no function ${name}`);
        await this.invokeAsync(arn, JSON.parse(new TextDecoder().decode(input['Payload'] as Uint8Array)));
        return { StatusCode: 202 };
      },
    });
    const sqs = new SQSClient({ endpoint: this.sqsEndpoint, region, credentials });
    recordRequests(sqs, { role: 'user', account, region, sink: this.userRequests });
    const dlq = this.deployed.logicalIdsOfType('AWS::SQS::Queue').find((id) => /DeadLetterQueue/.test(id))!;
    const fns = this.deployed.functionsByEntryHint;
    return connectAws(
      {
        stackName: this.deployed.stackName,
        tableName: this.tableName,
        logGroup: String(
          this.deployed.physicalId(
            this.deployed.logicalIdsOfType('AWS::Logs::LogGroup').find((id) => /TaskLogs/.test(id))!,
          ),
        ),
        failures: {
          queueUrl: `${this.sqsEndpoint}/${account}/${String(this.deployed.attribute(dlq, 'QueueName'))}`,
          functions: [fns.dispatcher, fns.jobController].map((fn) => this.deployed.physicalId(fn)),
        },
      },
      // local-aws-sqs answers a short poll with every visible message: no long poll needed.
      { clock: this.clock, dynamodb: this.db.client, sqs, lambda, failuresWaitSeconds: 0 },
    );
  }

  /** The next `times` requests `function` (a logical id) makes to `service` fail with `error()`. */
  failRequests(fn: string, service: string, times: number, error: () => Error): void {
    this.faults.push({ role: this.deployed.functionRole(fn), service, times, error });
  }

  /**
   * Invokes a function asynchronously, as Scheduler and EventBridge do, with Lambda's documented handling of a
   * function error: two retries, then the invocation record goes to the function's on-failure destination (the
   * template's EventInvokeConfig), shaped as documented
   * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). Resolves to the attempts made.
   */
  async invokeAsync(arn: string, event: unknown): Promise<{ attempts: number; failed?: string }> {
    let error: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.invoke(arn, event);
        return { attempts: attempt };
      } catch (e) {
        error = e;
      }
    }
    const fn =
      arn === this.functionArns.dispatcher
        ? this.deployed.functionsByEntryHint.dispatcher
        : this.deployed.functionsByEntryHint.jobController;
    const config = this.deployed
      .logicalIdsOfType('AWS::Lambda::EventInvokeConfig')
      .map((id) => this.deployed.resources[id]!.properties)
      .find((p) => p['FunctionName'] === this.deployed.physicalId(fn));
    const destination = (config?.['DestinationConfig'] as { OnFailure?: { Destination?: string } } | undefined)
      ?.OnFailure?.Destination;
    if (destination === undefined)
      throw new Error(`invokeAsync: ${arn} failed 3 times and has no on-failure destination: the event is lost`);
    const record = {
      version: '1.0',
      timestamp: new Date(this.clock.now()).toISOString(),
      requestContext: {
        requestId: `e4b46cbf-0000-4000-8000-${String(++this.deploys).padStart(12, '0')}`,
        functionArn: `${arn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: (error as Error)?.name ?? 'Error',
        errorMessage: (error as Error)?.message ?? String(error),
      },
    };
    expectDocumentedShape('lambda-async-on-failure-record', record);
    const queueName = destination.slice(destination.lastIndexOf(':') + 1);
    const sqs = new SQSClient({ endpoint: this.sqsEndpoint, region: this.deployed.region, credentials: CREDENTIALS });
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: `${this.sqsEndpoint}/${this.deployed.account}/${queueName}`,
          MessageBody: JSON.stringify(record),
        }),
      );
    } finally {
      sqs.destroy();
    }
    return { attempts: 3, failed: (error as Error)?.message ?? String(error) };
  }

  /** Runs the stream, task events and due timers until none has anything left. */
  async settle(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const work = (await this.drain()) + (await this.deliverTaskEvents()) + (await this.fireDueSchedules());
      if (work === 0) return;
    }
    throw new Error('the world did not settle in 50 rounds');
  }

  async stop(): Promise<void> {
    await this.db.stop();
    await new Promise<void>((resolve) => {
      this.sqsServer.close(() => resolve());
      this.sqsServer.closeAllConnections?.();
    });
  }
}
