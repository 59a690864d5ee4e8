import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.ts';
import { buildProgram, runCli, VERBS, verbsFor } from '../../../src/cli/program.ts';

/*
 * A command line loads only the module of the verb it names (program.ts, VERBS), so that `cron next` starts without
 * the AWS SDK. That must change nothing a user sees: each verb's names are the commands its module registers, and
 * help and usage errors are byte for byte those of the program with every verb registered.
 */

interface Output {
  stdout: string;
  stderr: string;
  code: number;
}

function fakeIo(out: Output): CliIo {
  return {
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
    now: () => Date.parse('2024-01-01T00:00:00Z'),
    setExitCode: (code) => {
      out.code = code;
    },
  };
}

const penv = (out: Output) => ({ io: fakeIo(out), env: {}, cwd: '/nonexistent' });

/** `argv` as `jobctl` runs it: only the verbs it names registered. */
async function run(argv: string[]): Promise<Output> {
  const out = { stdout: '', stderr: '', code: 0 };
  out.code = await runCli(argv, penv(out));
  return out;
}

/** `argv` parsed by the program with every verb registered. */
async function runWithEveryVerb(argv: string[]): Promise<Output> {
  const out = { stdout: '', stderr: '', code: 0 };
  try {
    await (await buildProgram(penv(out))).parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    out.code = error.exitCode;
  }
  return out;
}

/** Every command path of the program with every verb: `['get']`, `['cron', 'next']`, … */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => [[...prefix, sub.name()], ...commandPaths(sub, [...prefix, sub.name()])]);
}

const names = (verbs: typeof VERBS) => verbs.flatMap((verb) => verb.names);

describe('verbsFor', () => {
  it('picks the verb a command line names, after the options of jobctl itself', () => {
    expect(names(verbsFor(['cron', 'next', '*/5 * * * *']))).toEqual(['cron']);
    expect(names(verbsFor(['--context', 'aws', '--stack', 'Prod', 'get', 'cronjobs']))).toEqual(['get']);
    expect(names(verbsFor(['--context=aws', 'resume', 'hello']))).toEqual(['patch', 'suspend', 'resume']);
    expect(names(verbsFor(['create', 'job', 'x', '--from', 'cronjob/y']))).toEqual(['apply', 'create']);
  });

  it('picks every verb when the command line names none it knows', () => {
    for (const argv of [[], ['--help'], ['-h'], ['help', 'get'], ['gte'], ['--bogus', 'get'], ['--context', 'aws']]) {
      expect(verbsFor(argv), argv.join(' ')).toBe(VERBS);
    }
  });
});

describe('each verb alone', () => {
  it.each(VERBS.map((verb) => [verb.names.join(', '), verb] as const))(
    '%s: registers those commands',
    async (_, verb) => {
      for (const name of verb.names) {
        const program = await buildProgram(penv({ stdout: '', stderr: '', code: 0 }), [name]);
        expect(program.commands.map((c) => c.name())).toEqual(verb.names);
      }
    },
  );

  it('every command of jobctl is one of VERBS, in its order', async () => {
    const program = await buildProgram(penv({ stdout: '', stderr: '', code: 0 }));
    expect(program.commands.map((c) => c.name())).toEqual(names(VERBS));
  });

  it('prints the same help and usage errors as with every verb registered, for every command', async () => {
    const program = await buildProgram(penv({ stdout: '', stderr: '', code: 0 }));
    const paths = commandPaths(program);
    expect(paths.length).toBeGreaterThan(names(VERBS).length);
    for (const path of paths) {
      for (const argv of [
        [...path, '--help'],
        [...path, '--no-such-option'],
      ]) {
        const alone = await run(argv);
        expect(alone.stdout + alone.stderr, argv.join(' ')).not.toBe('');
        expect(alone, argv.join(' ')).toEqual(await runWithEveryVerb(argv));
      }
    }
  });

  it('jobctl --help lists every verb', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const name of names(VERBS)) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });
});
