// What every endpoint `jobctl up` serves on loopback checks before a request reaches anything (issue 11, audit D1/D2):
// only the runtime's owner — who can read the 0600 runtime.json holding the credentials — gets in. Plain JavaScript,
// as dynalite's worker thread loads it without the TypeScript loader; its types are in endpoint-guard.d.mts.
//
// Why credentials and not Unix sockets: cloud-ops query the local table with `aws dynamodb query --endpoint-url …`
// (docs/state-table.md), and the AWS CLI and SDKs speak HTTP over TCP only. So the DynamoDB endpoint verifies AWS
// Signature Version 4 with a secret generated at every start (what DynamoDB itself checks), and the control endpoint
// wants a bearer token; both refuse browsers (any Origin header), foreign Host headers (DNS rebinding), and bodies
// over a bound.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** DynamoDB refuses requests over 16 MB (BatchWriteItem's limit); so does dynalite. */
export const MAX_DYNAMODB_BODY_BYTES = 16 * 1024 * 1024;
/** A signature older or newer than this is refused (AWS allows 15 minutes of skew: RequestTimeTooSkewed). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/**
 * Why a request may not go on, before its body is read: a browser's (an Origin header, or a CORS preflight), or one
 * addressed to another host name (DNS rebinding: a page's name resolving to 127.0.0.1). Undefined when it may.
 * @param {{ method?: string; headers: Record<string, string | string[] | undefined> }} req
 * @param {number} port
 * @returns {string | undefined}
 */
export function refusal(req, port) {
  if (req.headers.origin !== undefined) return 'requests from web pages are refused';
  if (req.method === 'OPTIONS') return 'CORS preflight refused';
  const host = String(req.headers.host ?? '').toLowerCase();
  if (!new Set([`127.0.0.1:${port}`, `localhost:${port}`]).has(host)) return `Host "${host}" is not this endpoint`;
  return undefined;
}

/**
 * Reads a request body up to `limit` bytes; resolves undefined (and stops reading) past it.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit
 * @returns {Promise<Buffer | undefined>}
 */
export function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      req.resume();
      resolve(undefined);
      return;
    }
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Verifies an AWS Signature Version 4 `Authorization` header as AWS does
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html): the canonical request
 * is rebuilt from the method, path, query, the headers the client says it signed and the body's SHA-256, and the
 * signature recomputed with the secret. Resolves to why it fails, or undefined when it holds.
 * @param {{ method: string; url: string; headers: Record<string, string | string[] | undefined>; body: Buffer }} req
 * @param {{ accessKeyId: string; secretAccessKey: string; service: string; nowMs: number }} key
 * @returns {string | undefined}
 */
export function sigV4Problem(req, key) {
  const authorization = String(req.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/.exec(
      authorization,
    );
  if (match === null) return 'missing or malformed AWS4-HMAC-SHA256 Authorization header';
  const [, credential, signedHeadersText, signature] = match;
  const [accessKeyId, shortDate, region, service, terminator, ...rest] = credential.split('/');
  if (rest.length > 0 || terminator !== 'aws4_request') return 'malformed credential scope';
  if (accessKeyId !== key.accessKeyId) return 'unknown access key';
  if (service !== key.service) return `credential scope is for service "${service}"`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const dateMatch = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (dateMatch === null || amzDate.slice(0, 8) !== shortDate) return 'missing or inconsistent X-Amz-Date';
  const [, y, mo, d, h, mi, s] = dateMatch;
  const signedAt = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Math.abs(key.nowMs - signedAt) > MAX_CLOCK_SKEW_MS)
    return 'signature expired or from the future (more than 15 minutes of clock skew)';
  const signedHeaders = signedHeadersText.split(';');
  if (
    !signedHeaders.includes('host') ||
    signedHeaders.some((h, i) => h !== h.toLowerCase() || (i > 0 && signedHeaders[i - 1] >= h))
  )
    return 'SignedHeaders must be sorted, lower case and include host';
  const canonicalHeaders = signedHeaders
    .map((name) => {
      const value = req.headers[name];
      if (value === undefined) return undefined;
      const text = Array.isArray(value) ? value.join(',') : value;
      return `${name}:${text.trim().replace(/\s+/g, ' ')}\n`;
    })
    .filter((line) => line !== undefined);
  if (canonicalHeaders.length !== signedHeaders.length) return 'a signed header is missing';
  const [path, query = ''] = req.url.split('?', 2);
  const canonicalQuery = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => p.split('=', 2).map((x) => encodeRfc3986(decodeURIComponent(x.replace(/\+/g, ' ')))))
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v = '']) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    req.method,
    path === '' ? '/' : path,
    canonicalQuery,
    canonicalHeaders.join(''),
    signedHeadersText,
    sha256Hex(req.body),
  ].join('\n');
  const scope = `${shortDate}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = [shortDate, region, service, 'aws4_request'].reduce(
    (k, part) => hmac(k, part),
    `AWS4${key.secretAccessKey}`,
  );
  const expected = createHmac('sha256', signingKey).update(stringToSign).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex')) ? undefined : 'signature does not match';
}

/**
 * Whether `Authorization: Bearer <token>` carries `token` (compared in constant time).
 * @param {Record<string, string | string[] | undefined>} headers
 * @param {string} token
 * @returns {boolean}
 */
export function hasBearer(headers, token) {
  const given = Buffer.from(String(headers.authorization ?? ''));
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function sha256Hex(data) {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(keyMaterial, data) {
  return createHmac('sha256', keyMaterial).update(data).digest();
}

function encodeRfc3986(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
