#!/usr/bin/env node
// Entry point: loads the TypeScript CLI through tsx so that `tiernet` runs from a clone
// with no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/adapters/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
