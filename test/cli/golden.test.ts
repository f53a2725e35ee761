// Every golden case in every format: the exact output and the exit code. On an intended
// change, run `npm run golden` and review the diff.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatsOf, goldenCases, goldenFile, runCheckCaptured } from './golden-cases.ts';

describe('check golden outputs', () => {
  for (const c of goldenCases) {
    for (const format of formatsOf(c)) {
      test(`${c.name} as ${format}: exit ${c.exitCode}, output as in the golden file`, async () => {
        const run = await runCheckCaptured(['--output', format, ...c.args]);
        assert.equal(run.stderr, '');
        assert.equal(run.stdout, readFileSync(goldenFile(c, format), 'utf8'));
        assert.equal(run.code, c.exitCode);
      });
    }
  }
});
