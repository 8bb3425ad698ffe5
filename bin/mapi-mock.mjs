#!/usr/bin/env node
// The `mapi-mock` command: the built CLI in an installed package; in a checkout without a build, the sources through tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/src/cli/cli.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/cli.ts', import.meta.url).href);
}
