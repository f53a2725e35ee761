// Properties over both front doors (front-doors.ts) on generated entries: header names and
// keys from the whole token alphabet and the spellings that trip code, remoteUrl spellings with
// user information. (b) The server and `check` reach the same verdict: allowed or not, the same
// denied fields and rules.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { entryWithSpec, spec } from './entry-arbitraries.ts';
import { cliVerdict, serverVerdict } from './front-doors.ts';

let s: TestServer;
let dir: string;
before(async () => {
  s = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'front-doors-'));
});
after(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('(b) the server and check reach the same verdict on generated entries', async () => {
  await fc.assert(
    fc.asyncProperty(spec, async (generated) => {
      const object = entryWithSpec(generated);
      const fromServer = await serverVerdict(s, object);
      const fromCli = await cliVerdict(dir, object);
      assert.deepEqual(
        {
          allowed: fromCli.allowed,
          deniedFields: fromCli.deniedFields,
          deniedRules: fromCli.deniedRules,
        },
        {
          allowed: fromServer.allowed,
          deniedFields: fromServer.deniedFields,
          deniedRules: fromServer.deniedRules,
        },
      );
    }),
    { seed: 0x5eed_0114, numRuns: 80 },
  );
  assert.deepEqual(
    s.logs.filter((l) => ['error', 'fatal'].includes(String(l['level']))),
    [],
  );
});
