/**
 * Vendors AWS's API models (botocore's `service-2.json`, Apache-2.0) for the services jobctl calls, stripped to what
 * `../api-models.ts` needs. Run from the repository root:
 *
 *     node --import tsx test/support/aws-rules/models/update.ts
 *
 * It downloads Debian's `python3-botocore` (the machine reaches only npm and Debian's package servers), verifies the
 * .deb's SHA256 against the `SHA256:` of its entry in the signed suite's `Packages.xz`, extracts it into a temp dir
 * (`dpkg-deb -x`, or `ar` parsing + `tar` where dpkg-deb is missing), and writes `<service>.json` and `SOURCE.md`
 * beside this file. The output is deterministic (sorted keys, one operation/shape per line): a re-run with the same
 * package makes no diff. Needs `xz` and `tar` (or `dpkg-deb`) on PATH.
 *
 * To move to another botocore: change PINNED below (version, pool path, SHA256 from the suite's Packages.xz), run the
 * script, read the diff of the models, run `npx vitest run test/unit/aws-rules`.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const MIRROR = 'http://deb.debian.org/debian';
const SUITE = 'trixie';
const INDEX_URL = `${MIRROR}/dists/${SUITE}/main/binary-all/Packages.xz`;
const PACKAGE = 'python3-botocore';

/** The package we vendored from; its SHA256 is the one Debian trixie's Packages.xz lists for it. */
const PINNED = {
  version: '1.37.9+repack-1',
  filename: 'pool/main/p/python-botocore/python3-botocore_1.37.9+repack-1_all.deb',
  sha256: 'ca7193ec8ab83f071c18c872f3cbde43b968251342de919915a8f56b2253683b',
} as const;

/** service directory under botocore/data → API version. The output file is `<service>.json`. */
export const SERVICES: Readonly<Record<string, string>> = {
  dynamodb: '2012-08-10',
  ecs: '2014-11-13',
  scheduler: '2021-06-30',
  sqs: '2012-11-05',
  logs: '2014-03-28',
  lambda: '2015-03-31',
  cloudformation: '2010-05-15',
  events: '2015-10-07',
};

const DATA_DIR = 'usr/lib/python3/dist-packages/botocore/data';

/** Shape-level keys kept; everything else (documentation, exception, error, fault, sensitive, deprecated, xml
 * serialization hints such as flattened/xmlNamespace, payload, event/eventstream markers) is dropped. */
const SHAPE_KEYS = new Set([
  'type',
  'members',
  'required',
  'member',
  'key',
  'value',
  'enum',
  'min',
  'max',
  'pattern',
  'union',
  'box',
  'streaming',
  'document',
  'timestampFormat',
]);
/** Keys kept on a shape reference (a structure member, or a list's member / a map's key and value). */
const REF_KEYS = new Set([
  'shape',
  'location',
  'locationName',
  'idempotencyToken',
  'hostLabel',
  'jsonvalue',
  'timestampFormat',
  'box',
  'streaming',
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface IndexEntry {
  version: string;
  filename: string;
  sha256: string;
}

async function fetchBytes(url: string): Promise<Buffer | undefined> {
  const response = await fetch(url);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

function run(command: string, args: string[], input?: Buffer): Buffer {
  const result = spawnSync(command, args, { input, maxBuffer: 512 * 1024 * 1024 });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  return result.stdout;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The `python3-botocore` stanza of the suite's Packages index. */
function indexEntry(packagesXz: Buffer): IndexEntry {
  const text = run('xz', ['-dc'], packagesXz).toString('utf8');
  for (const stanza of text.split(/\n\n+/)) {
    if (!stanza.startsWith(`Package: ${PACKAGE}\n`)) continue;
    const field = (name: string): string => {
      const match = new RegExp(`^${name}: (.+)$`, 'm').exec(stanza);
      if (!match?.[1]) throw new Error(`${PACKAGE} entry in ${INDEX_URL} has no ${name}`);
      return match[1].trim();
    };
    return { version: field('Version'), filename: field('Filename'), sha256: field('SHA256') };
  }
  throw new Error(`${INDEX_URL} lists no ${PACKAGE}`);
}

/** The .deb, verified: the pinned version if the pool still has it, else the version the index names. */
async function downloadPackage(entry: IndexEntry): Promise<{ deb: Buffer; used: IndexEntry }> {
  if (entry.version === PINNED.version && entry.sha256 !== PINNED.sha256) {
    throw new Error(
      `${INDEX_URL} lists ${PACKAGE} ${entry.version} with SHA256 ${entry.sha256}, not the pinned ${PINNED.sha256}`,
    );
  }
  const pinned = await fetchBytes(`${MIRROR}/${PINNED.filename}`);
  if (pinned !== undefined) {
    const actual = sha256(pinned);
    // The pinned version's SHA256 is the one trixie's index listed for it (checked above while it still lists it).
    if (actual !== PINNED.sha256) throw new Error(`${PINNED.filename}: SHA256 ${actual}, expected ${PINNED.sha256}`);
    return { deb: pinned, used: { ...PINNED } };
  }
  console.warn(
    `${PINNED.filename} is gone from the pool; using ${entry.filename} (${entry.version}) as ${INDEX_URL} names it`,
  );
  const deb = await fetchBytes(`${MIRROR}/${entry.filename}`);
  if (deb === undefined) throw new Error(`${MIRROR}/${entry.filename}: 404`);
  const actual = sha256(deb);
  if (actual !== entry.sha256)
    throw new Error(`${entry.filename}: SHA256 ${actual}, expected ${entry.sha256} (from ${INDEX_URL})`);
  return { deb, used: entry };
}

/** `dpkg-deb -x`, or, without dpkg-deb, the ar archive's data.tar.* through tar. */
function extract(debPath: string, into: string): void {
  const dpkg = spawnSync('dpkg-deb', ['--version']);
  if (!dpkg.error && dpkg.status === 0) {
    run('dpkg-deb', ['-x', debPath, into]);
    return;
  }
  const ar = readFileSync(debPath);
  if (ar.subarray(0, 8).toString('latin1') !== '!<arch>\n') throw new Error(`${debPath} is not an ar archive`);
  let offset = 8;
  while (offset + 60 <= ar.length) {
    const name = ar
      .subarray(offset, offset + 16)
      .toString('latin1')
      .trim()
      .replace(/\/$/, '');
    const size = Number(
      ar
        .subarray(offset + 48, offset + 58)
        .toString('latin1')
        .trim(),
    );
    const body = ar.subarray(offset + 60, offset + 60 + size);
    if (name.startsWith('data.tar')) {
      const tarPath = join(into, name);
      writeFileSync(tarPath, body);
      run('tar', ['-xf', tarPath, '-C', into]);
      return;
    }
    offset += 60 + size + (size % 2);
  }
  throw new Error(`${debPath} has no data.tar member`);
}

function readModel(root: string, service: string, apiVersion: string): JsonObject {
  const base = join(root, DATA_DIR, service, apiVersion, 'service-2.json');
  if (existsSync(base)) return JSON.parse(readFileSync(base, 'utf8')) as JsonObject;
  if (existsSync(`${base}.gz`))
    return JSON.parse(gunzipSync(readFileSync(`${base}.gz`)).toString('utf8')) as JsonObject;
  throw new Error(`no ${service}/${apiVersion}/service-2.json(.gz) in the package`);
}

function pick(source: JsonObject, keys: ReadonlySet<string>): JsonObject {
  return Object.fromEntries(Object.entries(source).filter(([key]) => keys.has(key)));
}

function asObject(value: Json | undefined, what: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value;
}

/**
 * The model without documentation: metadata, each operation's name/input/output, and the shapes reachable from the
 * operations' inputs and outputs (errors' shapes are not), each with only SHAPE_KEYS and its references with REF_KEYS.
 */
export function stripModel(model: JsonObject): JsonObject {
  const operations = asObject(model.operations, 'operations');
  const shapes = asObject(model.shapes, 'shapes');
  const keptOperations: JsonObject = {};
  const reachable = new Set<string>();
  const pending: string[] = [];
  const visit = (ref: Json | undefined): void => {
    if (ref === undefined) return;
    const name = asObject(ref, 'shape reference').shape;
    if (typeof name !== 'string') throw new Error('shape reference without a shape');
    if (!reachable.has(name)) {
      reachable.add(name);
      pending.push(name);
    }
  };
  for (const [name, raw] of Object.entries(operations)) {
    const operation = asObject(raw, `operation ${name}`);
    const kept: JsonObject = { name: operation.name ?? name };
    if (operation.input !== undefined) kept.input = pick(asObject(operation.input, `${name}.input`), REF_KEYS);
    if (operation.output !== undefined) kept.output = pick(asObject(operation.output, `${name}.output`), REF_KEYS);
    keptOperations[name] = kept;
    visit(operation.input);
    visit(operation.output);
  }
  const keptShapes: JsonObject = {};
  while (pending.length > 0) {
    const name = pending.pop()!;
    const shape = asObject(shapes[name], `shape ${name}`);
    const kept = pick(shape, SHAPE_KEYS);
    if (shape.members !== undefined) {
      kept.members = Object.fromEntries(
        Object.entries(asObject(shape.members, `${name}.members`)).map(([member, ref]) => {
          visit(ref);
          return [member, pick(asObject(ref, `${name}.${member}`), REF_KEYS)];
        }),
      );
    }
    for (const slot of ['member', 'key', 'value'] as const) {
      if (shape[slot] === undefined) continue;
      visit(shape[slot]);
      kept[slot] = pick(asObject(shape[slot], `${name}.${slot}`), REF_KEYS);
    }
    keptShapes[name] = kept;
  }
  return {
    metadata: model.metadata ?? {},
    operations: keptOperations,
    shapes: keptShapes,
    version: model.version ?? '2.0',
  };
}

/** JSON with object keys sorted at every depth (arrays keep their order: enum and required lists are the model's). */
function sortedJson(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${sortedJson(value[key]!)}`)
    .join(',')}}`;
}

/** Compact and deterministic, one operation and one shape per line so that a model update reads as a small diff. */
export function formatModel(model: JsonObject): string {
  const section = (name: string): string => {
    const entries = asObject(model[name], name);
    const lines = Object.keys(entries)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedJson(entries[key]!)}`);
    return `${JSON.stringify(name)}:{\n${lines.join(',\n')}\n}`;
  };
  const parts = Object.keys(model)
    .sort()
    .map((key) =>
      key === 'operations' || key === 'shapes' ? section(key) : `${JSON.stringify(key)}:${sortedJson(model[key]!)}`,
    );
  return `{\n${parts.join(',\n')}\n}\n`;
}

function sourceMarkdown(used: IndexEntry, fetched: string, sizes: ReadonlyArray<[string, number]>): string {
  const rows = sizes.map(
    ([service, bytes]) => `| \`${service}.json\` | ${SERVICES[service]} | ${bytes.toLocaleString('en-US')} |`,
  );
  const total = sizes.reduce((sum, [, bytes]) => sum + bytes, 0);
  return `# Vendored AWS API models

The \`*.json\` files here are AWS's API models for the services jobctl calls, as published in botocore
(\`botocore/data/<service>/<api-version>/service-2.json\`), stripped for \`../api-models.ts\`, which validates every
AWS request a handler makes in tests against them (no network at test time).

| | |
| --- | --- |
| Package | Debian \`${PACKAGE}\` ${used.version} (suite ${SUITE}, main, binary-all) |
| URL | ${MIRROR}/${used.filename} |
| SHA256 | \`${used.sha256}\` (verified against the \`SHA256:\` of the package's entry in ${INDEX_URL}) |
| Licence | Apache-2.0 (botocore, Copyright Amazon.com, Inc. or its affiliates; the models are botocore's data) |
| Fetched | ${fetched} |

| File | API version | Bytes |
| --- | --- | ---: |
${rows.join('\n')}
| total | | ${total.toLocaleString('en-US')} |

## What was stripped

- Every \`documentation\` string (top level, operations, shapes, members), and each operation's \`http\`,
  \`errors\`, \`endpointdiscovery\`, \`idempotent\`, \`deprecated\` and \`authtype\` traits: only \`name\`,
  \`input\` and \`output\` remain.
- Shapes not reachable from an operation's input or output (the error shapes, mostly).
- On shapes, everything but \`${[...SHAPE_KEYS].join('`, `')}\`; on shape references (members, list
  members, map keys and values), everything but \`${[...REF_KEYS].join('`, `')}\`.
- \`metadata\` and \`version\` are kept whole.

Keys are sorted at every depth (array order is the model's), one operation and one shape per line, so a re-run with
the same package makes no diff.

## How to update

1. Find the \`${PACKAGE}\` entry in ${INDEX_URL} (or a newer suite's index) and note its \`Version\`, \`Filename\` and
   \`SHA256\`.
2. Put them in \`PINNED\` in \`update.ts\` (and \`SUITE\` if it changed).
3. From the repository root: \`node --import tsx test/support/aws-rules/models/update.ts\`.
4. Read the diff of the models (new members, changed limits), then run \`npx vitest run test/unit/aws-rules\`: the
   unsupported-pattern test names any new pattern JavaScript cannot compile.

If the pinned .deb is gone from the pool, the script takes the version the index names (verified against the index's
SHA256) and records it here.
`;
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const packagesXz = await fetchBytes(INDEX_URL);
  if (packagesXz === undefined) throw new Error(`${INDEX_URL}: 404`);
  const entry = indexEntry(packagesXz);
  if (entry.version !== PINNED.version)
    console.warn(`${INDEX_URL} now lists ${PACKAGE} ${entry.version}; pinned is ${PINNED.version}`);
  const { deb, used } = await downloadPackage(entry);
  const work = mkdtempSync(join(tmpdir(), 'jobctl-botocore-'));
  try {
    const debPath = join(work, 'botocore.deb');
    writeFileSync(debPath, deb);
    const root = join(work, 'root');
    mkdirSync(root);
    extract(debPath, root);
    const sizes: Array<[string, number]> = [];
    for (const [service, apiVersion] of Object.entries(SERVICES)) {
      const model = readModel(root, service, apiVersion);
      const metadata = asObject(model.metadata, `${service} metadata`);
      if (metadata.apiVersion !== apiVersion)
        throw new Error(`${service}: metadata.apiVersion ${String(metadata.apiVersion)}, expected ${apiVersion}`);
      const path = join(here, `${service}.json`);
      writeFileSync(path, formatModel(stripModel(model)));
      sizes.push([service, statSync(path).size]);
    }
    // Keep the recorded fetch date when the package is the same one: a re-run makes no diff.
    const sourcePath = join(here, 'SOURCE.md');
    const previous = existsSync(sourcePath) ? readFileSync(sourcePath, 'utf8') : '';
    const previousDate = previous.includes(used.sha256) ? /^\| Fetched \| (\S+) \|$/m.exec(previous)?.[1] : undefined;
    writeFileSync(sourcePath, sourceMarkdown(used, previousDate ?? new Date().toISOString().slice(0, 10), sizes));
    const total = sizes.reduce((sum, [, bytes]) => sum + bytes, 0);
    for (const [service, bytes] of sizes) console.log(`${service}.json ${bytes} bytes`);
    console.log(`total ${total} bytes from ${PACKAGE} ${used.version} (${used.sha256})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
