// An entry with no spec is denied with "spec: Required value" by both front doors, whatever CRD
// the CLI is given: the rule is ours (neither CRD requires spec), so no schema can switch it off.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCheckCaptured } from '../cli/golden-cases.ts';
import { entry, review, type Json } from '../support/reviews.ts';
import { post, startTestServer, type TestServer } from '../support/test-server.ts';
import { denialCauses } from './answer-shape.ts';

const toolhiveCrd = new URL(
  '../../../shared/reference/toolhive-crds/toolhive.stacklok.dev_mcpserverentries.yaml',
  import.meta.url,
).pathname;

let s: TestServer;
let dir: string;
before(async () => {
  s = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'spec-required-'));
});
after(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

function noSpec(version: string, spec: 'absent' | 'null'): Json {
  const e = entry({}, { version });
  if (spec === 'absent') delete e['spec'];
  else e['spec'] = null;
  return e;
}

for (const version of ['v1beta1', 'v1alpha1']) {
  test(`${version}: the server denies an entry without spec`, async () => {
    const a = await post(
      `${s.url}/validate?timeout=10s`,
      s.ca,
      JSON.stringify(review('CREATE', noSpec(version, 'absent'))),
    );
    assert.equal(a.status, 200, a.body);
    assert.deepEqual(denialCauses(a.json), ['spec FieldValueRequired']);
    assert.match(a.body, /spec: Required value/);
  });
}

const cliCases: [string, string, string[]][] = [
  ['no spec key, bundled schemas', 'absent', []],
  ['"spec:" with nothing after it, bundled schemas', 'null', []],
  ["no spec key, ToolHive's own CRD (--crd)", 'absent', ['--crd', toolhiveCrd]],
];
for (const [name, spec, flags] of cliCases) {
  test(`check denies an entry without spec: ${name}`, async () => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    const e = noSpec('v1alpha1', spec as 'absent' | 'null');
    writeFileSync(
      file,
      `apiVersion: ${String(e['apiVersion'])}\nkind: MCPServerEntry\nmetadata:\n  name: empty\n  namespace: default\n${spec === 'null' ? 'spec:\n' : ''}`,
    );
    const run = await runCheckCaptured([
      '--output',
      'json',
      '--references',
      'ignore',
      ...flags,
      file,
    ]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as {
      entries: { allowed: boolean; denials: { field: string; message: string; rule: string }[] }[];
    };
    assert.equal(report.entries.length, 1);
    assert.deepEqual(
      report.entries[0]!.denials.filter((d) => d.rule === 'spec.required').map(
        (d) => `${d.field}: ${d.message}`,
      ),
      ['spec: Required value'],
    );
  });
}
