#!/usr/bin/env node
// Finds every *.test.ts (unit tests beside the code in src/, the rest under test/) and runs
// them with node's own test runner through tsx. Node 20's --test takes no globs, so the
// file list is built here. Flags: --unit (src only), --only <substring> (filter paths).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
const roots = unitOnly ? ['src'] : ['src', 'test'];
const files = roots
  .flatMap((root) => readdirSync(root, { recursive: true }).map((name) => join(root, String(name))))
  .filter((path) => path.endsWith('.test.ts') && !path.includes('node_modules'))
  .filter((path) => (only ? path.includes(only) : true))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
const concurrency = process.env.TIERNET_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, TIERNET_LOG_LEVEL: process.env.TIERNET_LOG_LEVEL ?? 'silent' } },
);
process.exit(result.status ?? 1);
