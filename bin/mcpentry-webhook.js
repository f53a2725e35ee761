#!/usr/bin/env node
// Thin launcher: the compiled entry point lives in dist/ (built by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'mcpentry-webhook: dist/ is missing; run `npm ci` (or `npm run build`) first.\n',
  );
  process.exitCode = 2;
} else {
  await import(entry.href);
}
