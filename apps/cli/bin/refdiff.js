#!/usr/bin/env node
// The `refdiff` command. In a clone the sources are TypeScript run through tsx's loader, so it works right after
// `npm ci` with no build step (and always runs the current sources). Where the sources are absent — the container
// images — it runs the production build instead (apps/cli/dist, `npx nx build cli`): plain JavaScript, no tsx.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src/main.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/main.ts');
  process.exitCode = await main(process.argv);
} else {
  await import('../dist/refdiff.js');
}
