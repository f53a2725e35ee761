// (c) No user information from a remoteUrl appears in anything either front door writes:
// the /mutate and /validate answers (message, causes, warnings, audit annotations), the
// server's log lines, and `check` in every output format. The URLs are the spellings that
// used to slip past redaction (issue #14, class 4) and their combinations.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { outputFormats } from '../../src/cli/check-args.ts';
import { runCheckCaptured } from '../cli/golden-cases.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { entryWithSpec, remoteUrlWithUserinfo, spec, userinfoCanary } from './entry-arbitraries.ts';
import { entryFile, fixtures, serverVerdict } from './front-doors.ts';

let s: TestServer;
let dir: string;
before(async () => {
  s = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'userinfo-'));
});
after(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const canaries = [userinfoCanary.user, userinfoCanary.password].map((c) => c.toLowerCase());
const leaked = (text: string): string | undefined =>
  canaries.find((c) => text.toLowerCase().includes(c));

test('no user information from a remoteUrl reaches any output of either front door', async () => {
  const withUserinfo = fc
    .tuple(spec, remoteUrlWithUserinfo)
    .map(([generated, url]) => ({ ...generated, remoteUrl: url }));
  await fc.assert(
    fc.asyncProperty(withUserinfo, async (generated) => {
      const object = entryWithSpec(generated);
      const logsBefore = s.rawLogs.length;
      const fromServer = await serverVerdict(s, object);
      const outputs: [string, string][] = [
        ['/mutate answer', fromServer.mutated.body],
        ['/validate answer', fromServer.validated.body],
        ['server log', s.rawLogs.slice(logsBefore).join('\n')],
      ];
      const file = entryFile(dir, object);
      for (const format of outputFormats) {
        const run = await runCheckCaptured(['--output', format, fixtures, file]);
        outputs.push([`check --output ${format}`, run.stdout + run.stderr]);
      }
      for (const [where, text] of outputs)
        assert.equal(leaked(text), undefined, `${where} shows user information: ${text}`);
    }),
    { seed: 0x5eed_0214, numRuns: 60 },
  );
});
