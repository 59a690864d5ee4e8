/**
 * `jobctl expand`: render one Job template into many manifests, as the Kubernetes task "Parallel Processing using
 * Expansions" does with `sed` (a `$ITEM` template) or a Jinja2 one-liner, and validate them as `jobctl apply` would
 * before anything is printed or written.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { JobctlError } from '../errors.ts';
import {
  expandTemplate,
  expansionText,
  paramsFormatOf,
  parseItemLines,
  parseItemList,
  parseParams,
  type ExpandedManifest,
  type TemplateEngine,
  type TemplateParams,
} from '../expand/index.ts';
import type { CliIo } from './io.ts';

/** What `expand` needs from the program that hosts it (`buildProgram` in program.ts). */
export interface ExpandCommandDeps {
  io: CliIo;
  /** Standard input, for `-f -`, `--items-file -` and `--params -`. */
  readStdin: () => Promise<string>;
  /** Where relative paths start. */
  cwd: string;
}

interface ExpandOptions {
  filename: string;
  items?: string;
  itemsFile?: string;
  params?: string;
  var?: string[];
  engine?: TemplateEngine;
  out?: string;
  raw?: boolean;
}

/**
 * Adds `expand` to `program`.
 *
 * @example
 * registerExpandCommand(program, { io, readStdin, cwd });
 * // jobctl expand -f job-tmpl.yaml --items apple,banana,cherry | jobctl apply -f -
 * // jobctl expand -f job.yaml.jinja2 --out ./jobs
 */
export function registerExpandCommand(program: Command, deps: ExpandCommandDeps): void {
  program
    .command('expand')
    .description(
      'render a Job template into one manifest per item ($ITEM, as sed) or with Jinja2, validated; pipe to apply -f -',
    )
    .requiredOption(
      '-f, --filename <path>',
      'the template, or - for stdin: $ITEM/${NAME} placeholders, or Jinja2 (.jinja2, .j2)',
    )
    .option('--items <list>', 'comma-separated items, one manifest each as $ITEM (Jinja2: the list items)')
    .option('--items-file <path>', 'items, one per line (empty lines skipped)')
    .option(
      '--params <path>',
      'JSON, YAML or CSV (header row) parameters: one manifest per entry, $ITEM or $COLUMN (Jinja2: params)',
    )
    .option(
      '--var <NAME=VALUE>',
      '$NAME in every manifest (Jinja2: a variable); repeatable',
      (v: string, all: string[] | undefined) => [...(all ?? []), v],
    )
    .addOption(
      new Option(
        '--engine <engine>',
        'subst ($ITEM, ${NAME}) or jinja2 (default: jinja2 for .jinja2/.j2 files)',
      ).choices(['subst', 'jinja2']),
    )
    .option(
      '--out <dir>',
      'write one file per manifest (job-NAME.yaml) into this directory and print each path, instead of stdout',
    )
    .option(
      '--raw',
      'splice values into the text as sed does, so a value may add YAML fields or documents (default: a value that ' +
        'changes the structure is an error)',
    )
    .action(async (opts: ExpandOptions) => {
      await expand(deps, opts);
    });
}

async function expand(deps: ExpandCommandDeps, opts: ExpandOptions): Promise<void> {
  const { io } = deps;
  const given = [
    opts.items !== undefined && '--items',
    opts.itemsFile !== undefined && '--items-file',
    opts.params !== undefined && '--params',
  ].filter(Boolean);
  if (given.length > 1)
    throw new JobctlError(
      'Validation',
      `error: ${given.join(' and ')} cannot be used together: give the items one way`,
    );
  const read = textReader(deps);

  const template = await read(opts.filename, '-f');
  const items =
    opts.items !== undefined
      ? parseItemList(opts.items)
      : opts.itemsFile !== undefined
        ? parseItemLines(await read(opts.itemsFile, '--items-file'))
        : undefined;
  const params = opts.params === undefined ? undefined : await readParams(read, opts.params);
  if (items !== undefined && items.length === 0)
    throw new JobctlError(
      'Validation',
      `error: ${opts.items !== undefined ? '--items' : `--items-file ${opts.itemsFile}`}: no items`,
    );

  const manifests = expandTemplate({
    template,
    file: opts.filename === '-' ? '<stdin>' : opts.filename,
    engine: opts.engine,
    items,
    params,
    vars: parseVars(opts.var ?? []),
    raw: opts.raw === true,
  });

  if (opts.out === undefined) {
    io.stdout(expansionText(manifests));
    return;
  }
  // Every manifest is valid by now (expandTemplate throws before returning otherwise), so a bad item writes nothing.
  await mkdir(resolve(deps.cwd, opts.out), { recursive: true });
  for (const m of manifests) {
    const path = join(opts.out, manifestFileName(m));
    await writeFile(resolve(deps.cwd, path), m.text);
    io.stdout(`${path}\n`);
  }
}

/**
 * `job-<name>.yaml`, as the task's `./jobs/job-$i.yaml`, but from the Job's name: an item need not be a safe or
 * unique file name ("Apple Pie", "a/b"), while validated names are unique and RFC 1123.
 */
function manifestFileName(m: ExpandedManifest): string {
  return `${m.kind.toLowerCase()}-${m.name}.yaml`;
}

function parseVars(pairs: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new JobctlError('Validation', `error: --var "${pair}": expected NAME=VALUE, e.g. --var IMAGE=busybox`);
    const name = pair.slice(0, eq);
    if (Object.hasOwn(vars, name)) throw new JobctlError('Validation', `error: --var ${name}: given twice`);
    vars[name] = pair.slice(eq + 1);
  }
  return vars;
}

/** A `--params` file, its format from its extension; standard input is read as YAML (which includes JSON). */
async function readParams(
  read: (path: string, flag: string) => Promise<string>,
  path: string,
): Promise<TemplateParams> {
  const file = path === '-' ? '<stdin>' : path;
  return { value: parseParams(await read(path, '--params'), file, path === '-' ? 'yaml' : paramsFormatOf(path)), file };
}

/** Reads a path relative to `cwd`, or standard input for `-` (once: a second `-` is an error). */
function textReader(deps: ExpandCommandDeps): (path: string, flag: string) => Promise<string> {
  let stdinFlag: string | undefined;
  return async (path, flag) => {
    if (path === '-') {
      if (stdinFlag !== undefined)
        throw new JobctlError(
          'Validation',
          `error: ${stdinFlag} and ${flag} both read standard input (-); give one of them a file`,
        );
      stdinFlag = flag;
      return deps.readStdin();
    }
    try {
      return await readFile(resolve(deps.cwd, path), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new JobctlError('NotFound', `error: ${flag}: the path "${path}" does not exist`, { cause: error });
      throw error;
    }
  };
}
