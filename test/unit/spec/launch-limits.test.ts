import { describe, expect, it } from 'vitest';
import { baseJob, edit, loadErrors } from './helpers.ts';

// Audit D6 (validation half): a container whose command, args or env can never be exec'd — a NUL byte (the kubelet
// refuses it, Node's spawn throws ERR_INVALID_ARG_VALUE) or one string longer than Linux's MAX_ARG_STRLEN (exec fails
// with E2BIG) — is refused when the manifest is loaded, at its file, line and field.
const container = 'spec.template.spec.containers[0]';
/** MAX_ARG_STRLEN is 32 pages (131,072 bytes) including the string's terminating NUL. */
const maxArgBytes = 131_071;

const withContainerLines = (...lines: string[]) =>
  edit(baseJob, [
    '        imagePullPolicy: IfNotPresent\n',
    `        imagePullPolicy: IfNotPresent\n${lines.map((l) => `        ${l}\n`).join('')}`,
  ]);

describe('launch limits of a container (audit D6)', () => {
  it.each([
    {
      name: 'a NUL in command',
      lines: ['command: ["sh", "-c", "echo a\\0b"]'],
      path: `${container}.command[2]`,
      line: 15,
    },
    {
      name: 'a NUL in args',
      lines: ['command: ["sh"]', 'args: ["-c", "echo \\0"]'],
      path: `${container}.args[1]`,
      line: 16,
    },
    {
      name: 'a NUL in an env value',
      lines: ['env:', '- name: A', '  value: "x\\0y"'],
      path: `${container}.env[0].value`,
      line: 17,
    },
  ])('refuses $name at its line and field', ({ lines, path, line }) => {
    expect(loadErrors(withContainerLines(...lines))).toEqual([
      {
        path,
        line,
        detail: expect.stringMatching(/^Invalid value: ".*\\u0000.*": must not contain a NUL byte \(\\0\): /),
      },
    ]);
  });

  it('accepts a string of exactly MAX_ARG_STRLEN − 1 bytes, and refuses one byte more, naming the limit', () => {
    expect(loadErrors(withContainerLines(`args: ["${'a'.repeat(maxArgBytes)}"]`))).toEqual([]);
    expect(loadErrors(withContainerLines(`args: ["${'a'.repeat(maxArgBytes + 1)}"]`))).toEqual([
      {
        path: `${container}.args[0]`,
        line: 15,
        detail: expect.stringMatching(
          /^Too long: must have at most 131071 bytes \(it has 131072\): .*MAX_ARG_STRLEN.*E2BIG/,
        ),
      },
    ]);
  });

  it('counts bytes, not characters (UTF-8)', () => {
    // 65,536 × "é" is 65,536 characters but 131,072 bytes: over the limit.
    const text = 'é'.repeat(65_536);
    expect(loadErrors(withContainerLines(`command: ["${text}"]`))).toEqual([
      {
        path: `${container}.command[0]`,
        line: 15,
        detail: expect.stringMatching(/^Too long: must have at most 131071 bytes \(it has 131072\)/),
      },
    ]);
  });

  it('counts an env variable as NAME=value, as exec receives it', () => {
    const value = 'v'.repeat(maxArgBytes - 'AB='.length);
    expect(loadErrors(withContainerLines('env:', '- name: AB', `  value: "${value}"`))).toEqual([]);
    expect(loadErrors(withContainerLines('env:', '- name: AB', `  value: "${value}v"`))).toEqual([
      {
        path: `${container}.env[0].value`,
        line: 17,
        detail: expect.stringMatching(/^Too long: AB=value must have at most 131071 bytes \(it has 131072\)/),
      },
    ]);
  });

  it('does not echo the whole over-long value in the message', () => {
    const [error] = loadErrors(withContainerLines(`args: ["${'a'.repeat(400_000)}"]`));
    expect(error?.detail.length).toBeLessThan(400);
  });
});
