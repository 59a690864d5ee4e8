#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, so a clean clone needs only `npm ci`.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../src/cli/main.ts');
