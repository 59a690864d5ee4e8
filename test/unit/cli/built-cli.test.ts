import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_DIR, BUILD_FILE, BUILD_FORMAT, currentBuild } from '../../../bin/built-cli.mjs';

// bin/jobctl.mjs runs dist/cli only while it is a build of the sources as they are now: never an older build.
describe('currentBuild', () => {
  let root: string;
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const stampOf = (path: string) => {
    const stat = statSync(join(root, path));
    return [path, stat.mtimeMs, stat.size];
  };
  const recordBuild = (paths: string[]) =>
    write(
      `${BUILD_DIR}/${BUILD_FILE}`,
      JSON.stringify({ format: BUILD_FORMAT, dir: 'abc', entry: 'cli.mjs', inputs: paths.map(stampOf) }),
    );
  const entry = () => pathToFileURL(join(root, BUILD_DIR, 'abc', 'cli.mjs')).href;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'jobctl-built-'));
    write('src/a.ts', 'export const a = 1;\n');
    write('src/b.ts', 'export const b = 2;\n');
    recordBuild(['src/a.ts', 'src/b.ts']);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is the build while its sources are as they were built', () => {
    expect(currentBuild(root)).toBe(entry());
  });

  it('is none once a source is edited, even to the same size, or touched', () => {
    const mtime = statSync(join(root, 'src/a.ts')).mtime;
    write('src/a.ts', 'export const a = 3;\n');
    // An edit moves the modification time (one here at the same instant of a coarse clock is set apart).
    utimesSync(join(root, 'src/a.ts'), mtime, new Date(mtime.getTime() + 1_000));
    expect(currentBuild(root)).toBeUndefined();
    recordBuild(['src/a.ts', 'src/b.ts']);
    expect(currentBuild(root)).toBe(entry());
    const later = new Date(statSync(join(root, 'src/b.ts')).mtimeMs + 1_000);
    utimesSync(join(root, 'src/b.ts'), later, later);
    expect(currentBuild(root)).toBeUndefined();
  });

  it('is none once a source is deleted, and without a build or with an unreadable record', () => {
    rmSync(join(root, 'src/b.ts'));
    expect(currentBuild(root)).toBeUndefined();
    rmSync(join(root, BUILD_DIR), { recursive: true });
    expect(currentBuild(root)).toBeUndefined();
    write(`${BUILD_DIR}/${BUILD_FILE}`, '{"dir":"abc","inp');
    expect(currentBuild(root)).toBeUndefined();
    write(`${BUILD_DIR}/${BUILD_FILE}`, `{"format":${BUILD_FORMAT},"dir":"abc","entry":"cli.mjs","inputs":[]}`);
    expect(currentBuild(root)).toBeUndefined();
  });

  it('is none for a build of an older format, whose entry point would run a command as it loads', () => {
    recordBuild(['src/a.ts', 'src/b.ts']);
    expect(currentBuild(root)).toBe(entry());
    const record = JSON.parse(readFileSync(join(root, BUILD_DIR, BUILD_FILE), 'utf8')) as Record<string, unknown>;
    write(`${BUILD_DIR}/${BUILD_FILE}`, JSON.stringify({ ...record, format: undefined, entry: 'main.mjs' }));
    expect(currentBuild(root)).toBeUndefined();
  });
});
