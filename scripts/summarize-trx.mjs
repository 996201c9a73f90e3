// Sums the counters of every .trx file in a folder and prints the plain "N passed, N failed" line CI reads.
// Exits non-zero when anything failed or when no test ran at all.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const folder = process.argv[2];
let passed = 0, failed = 0, skipped = 0, files = 0;
for (const name of readdirSync(folder).filter((f) => f.endsWith('.trx'))) {
  const counters = readFileSync(join(folder, name), 'utf8').match(/<Counters\b[^>]*>/);
  if (!counters) continue;
  const count = (attr) => Number(counters[0].match(new RegExp(`\\b${attr}="(\\d+)"`))?.[1] ?? 0);
  passed += count('passed');
  failed += count('failed') + count('error') + count('timeout') + count('aborted');
  skipped += count('notExecuted');
  files++;
}
if (files === 0) failed = Math.max(failed, 1); // the build or the test host failed before any result was written
// Skipped tests are said on a line of their own, so the last line stays the plain one CI reads.
if (skipped) console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
