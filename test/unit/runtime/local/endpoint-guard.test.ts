import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { hasBearer, refusal, sigV4Problem } from '../../../../src/runtime/local/endpoint-guard.mjs';

/** node:crypto as the signer's hash (what @smithy/hash-node does). */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  reset(): void {}
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const key = { accessKeyId: 'JOBCTLABC', secretAccessKey: 'secret-secret' };
const NOW = Date.parse('2026-03-02T10:00:00Z');

/** A DynamoDB request signed by the AWS SDK's own signer, as a client sends it. */
async function signed(body: string, overrides: { secret?: string; at?: number; query?: Record<string, string> } = {}) {
  const signer = new SignatureV4({
    credentials: { ...key, secretAccessKey: overrides.secret ?? key.secretAccessKey },
    region: 'local',
    service: 'dynamodb',
    sha256: Sha256,
  });
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4567,
      path: '/',
      query: overrides.query ?? {},
      headers: {
        host: '127.0.0.1:4567',
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body,
    },
    { signingDate: new Date(overrides.at ?? NOW) },
  );
  const query = Object.entries(request.query ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('&');
  return {
    method: 'POST',
    url: `/${query === '' ? '' : `?${query}`}`,
    headers: request.headers as Record<string, string>,
    body: Buffer.from(body),
  };
}

describe('sigV4Problem: AWS Signature V4 verified as AWS does', () => {
  it('accepts what the AWS SDK signs with the secret, with and without a query', async () => {
    expect(sigV4Problem(await signed('{}'), { ...key, service: 'dynamodb', nowMs: NOW })).toBeUndefined();
    expect(
      sigV4Problem(await signed('{}', { query: { b: 'x y', a: '1' } }), { ...key, service: 'dynamodb', nowMs: NOW }),
    ).toBeUndefined();
  });

  it.each([
    ['another secret', async () => signed('{}', { secret: 'guess' }), NOW, 'signature does not match'],
    [
      'a body changed after signing',
      async () => ({ ...(await signed('{}')), body: Buffer.from('{"TableName":"x"}') }),
      NOW,
      'signature does not match',
    ],
    [
      'a signed header changed',
      async () => {
        const r = await signed('{}');
        return { ...r, headers: { ...r.headers, 'x-amz-target': 'DynamoDB_20120810.PutItem' } };
      },
      NOW,
      'signature does not match',
    ],
    ['a signature 16 minutes old', async () => signed('{}'), NOW + 16 * 60_000, 'clock skew'],
    [
      'no Authorization',
      async () => {
        const r = await signed('{}');
        const { authorization: _, ...headers } = r.headers;
        return { ...r, headers };
      },
      NOW,
      'malformed AWS4-HMAC-SHA256',
    ],
    [
      'another access key',
      async () => {
        const r = await signed('{}');
        return {
          ...r,
          headers: { ...r.headers, authorization: r.headers['authorization']!.replace('JOBCTLABC', 'JOBCTLXYZ') },
        };
      },
      NOW,
      'unknown access key',
    ],
  ])('refuses %s', async (_, make, nowMs, problem) => {
    expect(sigV4Problem(await make(), { ...key, service: 'dynamodb', nowMs })).toContain(problem);
  });
});

describe('refusal and hasBearer', () => {
  it('refuses a page (Origin), a preflight and a foreign Host; admits 127.0.0.1 and localhost at the port', () => {
    expect(
      refusal({ method: 'POST', headers: { host: '127.0.0.1:80', origin: 'https://evil.example' } }, 80),
    ).toContain('web pages');
    expect(refusal({ method: 'OPTIONS', headers: { host: '127.0.0.1:80' } }, 80)).toContain('preflight');
    expect(refusal({ method: 'POST', headers: { host: 'evil.example:80' } }, 80)).toContain('not this endpoint');
    expect(refusal({ method: 'POST', headers: { host: '127.0.0.1:81' } }, 80)).toContain('not this endpoint');
    expect(refusal({ method: 'POST', headers: { host: '127.0.0.1:80' } }, 80)).toBeUndefined();
    expect(refusal({ method: 'POST', headers: { host: 'localhost:80' } }, 80)).toBeUndefined();
  });

  it('takes exactly the bearer token', () => {
    expect(hasBearer({ authorization: 'Bearer t0ken' }, 't0ken')).toBe(true);
    expect(hasBearer({ authorization: 'Bearer t0ke' }, 't0ken')).toBe(false);
    expect(hasBearer({}, 't0ken')).toBe(false);
  });
});
