#!/usr/bin/env node
// Runs the built CLI (dist/cli, which `npm ci` builds, as does `npm run build`) while it is a build of the sources as
// they are now, else the TypeScript sources through tsx's loader: a clean clone needs only `npm ci`, and an edit to
// src/ takes effect at once, never hidden behind an older build (built-cli.mjs). JOBCTL_FROM_SOURCE=1 runs the sources.
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { currentBuild } from './built-cli.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const built = process.env.JOBCTL_FROM_SOURCE ? undefined : currentBuild(fileURLToPath(new URL('..', import.meta.url)));
if (built !== undefined) {
  // Node 22.1+ keeps V8's compiled code of the build between runs (not on Node 20, where it is not there).
  module.enableCompileCache?.();
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
