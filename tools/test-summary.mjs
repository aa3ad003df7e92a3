#!/usr/bin/env node
// Adds up the JSON reports that each project's vitest run writes under tmp/vitest/ and prints
// one closing line, "Tests: N passed, N failed", so a reader (or CI) sees the whole count at once.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../tmp/vitest/', import.meta.url).pathname;
const reports = [];
const walk = (dir) => {
  let entries = [];
  try { entries = readdirSync(dir); } catch { return; }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.json')) reports.push(path);
  }
};
walk(root);

let passed = 0, failed = 0, skipped = 0;
for (const path of reports) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`${reports.length} projects reported`);
console.log(`Tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
