// `check` and the server are two front doors to one engine: for the same objects and the same
// neighbours they must reach the same verdict. The real server runs in-process over real HTTPS
// with --objects pointing at the fixture directories; each entry goes through /mutate, the
// patch is applied as the API server would, then /validate. The CLI checks the same files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseAllDocuments } from 'yaml';
import { parseServeConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { unknownFieldRule } from '../../src/crd/schema-findings.ts';
import { applyPatch } from '../../src/policy/json-patch.ts';
import { startServer, type RunningServer } from '../../src/server/serve.ts';
import { review } from '../support/reviews.ts';
import { post } from '../support/test-server.ts';
import { repoRoot, runCheckCaptured } from './golden-cases.ts';

const corpus = ['valid', 'denied', 'warnings'].map((d) => `test/fixtures/cli/${d}`);

interface CliEntry {
  readonly source: string;
  readonly line: number;
  readonly namespace: string;
  readonly name: string;
  readonly allowed: boolean;
  readonly denials: readonly { field: string; message: string; rule: string }[];
  readonly warnings: readonly { field: string; message: string }[];
  readonly patch: readonly unknown[];
}

type Json = Record<string, unknown>;

/** The entries as kubectl would send them (YAML 1.1 scalars; these fixtures need no more). */
function entriesIn(dir: string): Json[] {
  const out: Json[] = [];
  for (const file of ['entries.yaml', 'search.json']) {
    let text: string;
    try {
      text = readFileSync(join(repoRoot, dir, file), 'utf8');
    } catch {
      continue;
    }
    for (const doc of parseAllDocuments(text, { version: '1.1' })) {
      const object = doc.toJS() as Json | null;
      if (object?.['kind'] === 'MCPServerEntry') out.push(object);
    }
  }
  return out;
}

let server: RunningServer;
let ca: string;

before(async () => {
  const config = parseServeConfig(
    [
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--shutdown-delay',
      '0',
      '--log-level',
      'error',
      // This process is the server and the CLI: the CLI's own work lags the event loop the
      // server measures, and on a loaded machine that shed a review (503) now and then.
      '--shed-event-loop-delay',
      '0',
      ...corpus.flatMap((d) => ['--objects', join(repoRoot, d)]),
    ],
    {},
  );
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  server = await startServer(config, createLogger('error', quiet), { inCluster: false });
  ca = readFileSync(join(repoRoot, 'certs/generated/ca.crt'), 'utf8');
});

after(async () => {
  await server.shutdown(0);
});

interface ServerVerdict {
  readonly allowed: boolean;
  readonly fields: string[];
  readonly warnings: string[];
  readonly patch: unknown[];
}

async function serverVerdict(object: Json): Promise<ServerVerdict> {
  const base = `https://127.0.0.1:${server.port}`;
  const mutated = await post(`${base}/mutate`, ca, JSON.stringify(review('CREATE', object)));
  assert.equal(mutated.status, 200, mutated.body);
  const m = (mutated.json as { response: { patch?: string } }).response;
  const patch =
    m.patch === undefined ? [] : (JSON.parse(Buffer.from(m.patch, 'base64').toString()) as never[]);
  const patched = applyPatch(object, patch) as Json;
  const validated = await post(`${base}/validate`, ca, JSON.stringify(review('CREATE', patched)));
  assert.equal(validated.status, 200, validated.body);
  const v = (
    validated.json as {
      response: {
        allowed: boolean;
        warnings?: string[];
        status?: { details?: { causes?: { field: string }[] } };
      };
    }
  ).response;
  return {
    allowed: v.allowed,
    fields: (v.status?.details?.causes ?? []).map((c) => c.field).sort(),
    warnings: [...(v.warnings ?? [])].sort(),
    patch,
  };
}

describe('check and the server agree', () => {
  test('on every entry of the corpus: allowed, denial fields, warnings and patch', async () => {
    const run = await runCheckCaptured(['--output', 'json', ...corpus]);
    const report = JSON.parse(run.stdout) as { entries: CliEntry[] };
    const byName = new Map(report.entries.map((e) => [`${e.namespace}/${e.name}`, e]));
    const objects = corpus.flatMap(entriesIn);
    assert.equal(objects.length, report.entries.length, 'the CLI judged every entry');
    assert.ok(objects.length >= 8);
    let denied = 0;
    for (const object of objects) {
      const meta = object['metadata'] as { name: string; namespace: string };
      const cli = byName.get(`${meta.namespace}/${meta.name}`);
      assert.ok(cli !== undefined, `${meta.name} missing from the CLI report`);
      const srv = await serverVerdict(object);
      const label = `${meta.namespace}/${meta.name}`;
      assert.equal(cli.allowed, srv.allowed, `${label}: allowed`);
      // Unknown fields never reach the server: the API server refuses them (kubectl's strict
      // field validation) or prunes them before any webhook runs, as the e2e tier shows. The
      // CLI reports them the way kubectl would; the server leaves them to the API server.
      const cliFields = cli.denials.filter((d) => d.rule !== unknownFieldRule).map((d) => d.field);
      assert.deepEqual(cliFields.sort(), srv.fields, `${label}: fields`);
      assert.deepEqual(
        cli.warnings.map((w) => (w.field === '' ? w.message : `${w.field}: ${w.message}`)).sort(),
        srv.warnings,
        `${label}: warnings`,
      );
      assert.deepEqual(cli.patch, srv.patch, `${label}: patch`);
      if (!srv.allowed) denied += 1;
    }
    // The corpus must exercise both outcomes, or agreement proves little.
    assert.ok(denied >= 4 && denied < objects.length, `denied ${denied} of ${objects.length}`);
  });
});
