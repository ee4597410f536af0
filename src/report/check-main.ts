/**
 * `node dist/src/report/check-main.js DIR`: checks a report directory (src/report/check.ts)
 * and prints where the files are; exit 1 on a problem. Used by .ci/run.
 */
import { resolve } from 'node:path';
import { checkReportDir } from './check.js';

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: node dist/src/report/check-main.js DIR\n');
  process.exit(2);
}
const { files, problems } = checkReportDir(resolve(dir));
for (const p of problems) process.stderr.write(`report check: ${p}\n`);
if (problems.length === 0) {
  process.stdout.write(`reports checked against their schemas (docs/report.schema.json, docs/github-action-benchmark.schema.json):\n`);
  for (const f of files) process.stdout.write(`  ${f}\n`);
}
process.exitCode = problems.length ? 1 : 0;
