import type { IncomingMessage } from 'node:http';

export declare const MAX_DYNAMODB_BODY_BYTES: number;
export declare const MAX_CLOCK_SKEW_MS: number;
export declare function refusal(
  req: { method?: string; headers: Record<string, string | string[] | undefined> },
  port: number,
): string | undefined;
export declare function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined>;
export declare function sigV4Problem(
  req: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: Buffer },
  key: { accessKeyId: string; secretAccessKey: string; service: string; nowMs: number },
): string | undefined;
export declare function hasBearer(headers: Record<string, string | string[] | undefined>, token: string): boolean;
