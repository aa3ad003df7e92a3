#!/usr/bin/env node
// The `refdiff` command. The sources are TypeScript run through tsx's loader, so a clone works
// right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv);
