#!/usr/bin/env node
// Sums the vitest JSON reports (test-results/vitest.json) of every workspace package and prints one
// closing line: "<label>: N passed, N failed, N skipped". Exits non-zero when a test failed or none ran.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const label = process.argv[2] ?? 'tests';
const root = new URL('..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const group of ['packages', 'apps', 'bench']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  const names = group === 'bench' ? ['.'] : readdirSync(dir);
  for (const name of names) {
    const file = join(dir, name, 'test-results', 'vitest.json');
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const p = report.numPassedTests ?? 0;
    const f = report.numFailedTests ?? 0;
    const s = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    passed += p;
    failed += f;
    skipped += s;
    rows.push(
      `  ${(group === 'bench' ? 'bench' : `${group}/${name}`).padEnd(18)} ${p} passed, ${f} failed, ${s} skipped`,
    );
  }
}
console.log(rows.join('\n'));
console.log(`${label}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
