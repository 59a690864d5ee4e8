#!/usr/bin/env node
// Runs the built CLI (dist/cli, which `npm ci` builds, as does `npm run build`) while it is a build of the sources as
// they are now, else the TypeScript sources through tsx's loader: a clean clone needs only `npm ci`, and an edit to
// src/ takes effect at once, never hidden behind an older build (built-cli.mjs). JOBCTL_FROM_SOURCE=1 runs the sources.
// Node's modules through process.getBuiltinModule: see built-cli.mjs.
import { currentBuild } from './built-cli.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { fileURLToPath } = process.getBuiltinModule('node:url');
const built = process.env.JOBCTL_FROM_SOURCE ? undefined : currentBuild(fileURLToPath(new URL('..', import.meta.url)));
let main;
if (built !== undefined) {
  // Node 22.1+ keeps V8's compiled code of the build between runs (not on Node 20, where it is not there).
  process.getBuiltinModule('node:module').enableCompileCache?.();
  ({ main } = await import(built));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main();
