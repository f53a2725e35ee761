// `npm run golden`: rewrite every golden file from the current CLI. Then read the diff.
import { writeFileSync } from 'node:fs';
import { formatsOf, goldenCases, goldenFile, runCheckCaptured } from '../cli/golden-cases.ts';

let written = 0;
for (const c of goldenCases) {
  for (const format of formatsOf(c)) {
    const run = await runCheckCaptured(['--output', format, ...c.args]);
    if (run.code !== c.exitCode)
      process.stderr.write(`${c.name} (${format}): exit code ${run.code}, table says ${c.exitCode}\n`);
    writeFileSync(goldenFile(c, format), run.stdout);
    written += 1;
  }
}
process.stdout.write(`wrote ${written} golden files; review them with git diff test/golden/\n`);
