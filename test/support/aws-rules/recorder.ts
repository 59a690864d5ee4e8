import type { RecordedRequest } from './recorded-request.ts';

/** The API model's service name of each SDK client the handlers build. */
const SERVICE_OF_CLIENT: Readonly<Record<string, string>> = {
  DynamoDBClient: 'dynamodb',
  ECSClient: 'ecs',
  SchedulerClient: 'scheduler',
  SQSClient: 'sqs',
  CloudWatchLogsClient: 'logs',
  LambdaClient: 'lambda',
  CloudFormationClient: 'cloudformation',
  EventBridgeClient: 'events',
};

/** A service answered in-process: the operation's output, or a thrown SDK exception. */
export type FakeService = (
  operation: string,
  input: Record<string, unknown>,
) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** The part of an SDK v3 client the recorder uses. */
export interface RecordableClient {
  // Method syntax (bivariant parameters): every SDK v3 client's overloaded `add` fits.
  middlewareStack: { add(middleware: never, options: never): void };
}

/** Where a middleware goes in the SDK's stack. */
export interface MiddlewareOptions {
  step: 'initialize' | 'build';
  name: string;
  priority?: 'high' | 'normal' | 'low';
}

/**
 * The one SDK middleware every client of a handler under test gets: it records each request — at the `build` step,
 * after lib-dynamodb has marshalled it and the serializer has set the target, so the input's members are the API
 * model's and the operation is the one on the wire (`X-Amz-Target` for JSON protocols, else the command's name) — and,
 * for a service the test answers in-process, returns the fake's answer instead of sending it. Real servers (dynalite,
 * local-aws-sqs) still get the request. Recorded once per call, not per SDK retry: IAM and the API models judge a call
 * the same way on every attempt.
 */
export function recordRequests(
  client: RecordableClient,
  options: {
    role: string;
    account: string;
    region: string;
    sink: RecordedRequest[];
    fake?: FakeService;
    fault?: (request: RecordedRequest) => Error | undefined;
  },
): void {
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
    async (args: { input: Record<string, unknown>; request?: { headers?: Record<string, string> } }) => {
      const service = SERVICE_OF_CLIENT[context.clientName ?? ''];
      if (service === undefined) throw new Error(`recordRequests: unknown client ${context.clientName}`);
      const target = args.request?.headers?.['x-amz-target'];
      const operation =
        target !== undefined
          ? target.slice(target.lastIndexOf('.') + 1)
          : (context.commandName ?? '').replace(/Command$/, '');
      const request: RecordedRequest = {
        role: options.role,
        service,
        operation,
        input: structuredClone(args.input),
        region: options.region,
        account: options.account,
      };
      options.sink.push(request);
      // An injected failure (throttling past every retry, say): the request was made, AWS answered with an error.
      const failure = options.fault?.(request);
      if (failure !== undefined) throw failure;
      if (options.fake === undefined) return next(args);
      const output = await options.fake(operation, args.input);
      return { output: { $metadata: { httpStatusCode: 200 }, ...output }, response: {} };
    };
  client.middlewareStack.add(
    middleware as never,
    { step: 'build', name: 'jobctlRecordRequests', priority: 'low' } satisfies MiddlewareOptions as never,
  );
}
