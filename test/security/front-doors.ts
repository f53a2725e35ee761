// The two front doors on one entry, for the property tests: the real server over HTTPS
// (/mutate, the patch applied as the API server applies it, then /validate) and `check` on
// the same entry written to a file, both resolving references from test/fixtures/objects.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatch } from '../../src/policy/json-patch.ts';
import { runCheckCaptured } from '../cli/golden-cases.ts';
import { review, type Json } from '../support/reviews.ts';
import { post, type HttpAnswer, type TestServer } from '../support/test-server.ts';

export const fixtures = new URL('../fixtures/objects/', import.meta.url).pathname;

/**
 * JSON with every character outside printable ASCII escaped: valid YAML too, so the CLI reads
 * exactly the object the server is sent (a raw C1 control is not allowed in a YAML stream).
 */
export const asciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(
    /[^\u0020-\u007e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

export interface FrontDoorVerdict {
  readonly allowed: boolean;
  readonly deniedFields: readonly string[];
  readonly deniedRules: readonly string[];
}

export interface ServerAnswers {
  readonly mutated: HttpAnswer;
  readonly validated: HttpAnswer;
}

export async function serverVerdict(
  s: TestServer,
  object: Json,
): Promise<FrontDoorVerdict & ServerAnswers> {
  const url = (path: string): string => `${s.url}${path}?timeout=10s`;
  const mutated = await post(url('/mutate'), s.ca, asciiJson(review('CREATE', object)));
  assert.equal(mutated.status, 200, mutated.body);
  const m = (mutated.json as { response: { patch?: string } }).response;
  const patch =
    m.patch === undefined ? [] : (JSON.parse(Buffer.from(m.patch, 'base64').toString()) as never[]);
  const patched = applyPatch(object, patch) as Json;
  const validated = await post(url('/validate'), s.ca, asciiJson(review('CREATE', patched)));
  assert.equal(validated.status, 200, validated.body);
  const r = (
    validated.json as {
      response: {
        allowed: boolean;
        auditAnnotations?: { rules?: string };
        status?: { details?: { causes?: { field: string }[] } };
      };
    }
  ).response;
  const fields = (r.status?.details?.causes ?? []).map((c) => c.field).sort();
  return {
    allowed: r.allowed,
    deniedFields: fields,
    // The annotation names the rules of denials and warnings; on an allowed review none deny.
    deniedRules: r.allowed ? [] : (r.auditAnnotations?.rules ?? '').split(',').sort(),
    mutated,
    validated,
  };
}

interface CliEntry {
  readonly allowed: boolean;
  readonly denials: readonly { field: string; rule: string }[];
  readonly warnings: readonly { rule: string }[];
}

let fileCount = 0;
/** A file of its own for `object` in `dir`, written as ASCII-only JSON. */
export function entryFile(dir: string, object: Json): string {
  const file = join(dir, `entry-${(fileCount += 1)}.json`);
  writeFileSync(file, asciiJson(object));
  return file;
}

export async function cliVerdict(dir: string, object: Json): Promise<FrontDoorVerdict> {
  // The server path applies the mutating webhook's patch first; so does check when told.
  const run = await runCheckCaptured([
    '--output',
    'json',
    '--mutating-webhook',
    fixtures,
    entryFile(dir, object),
  ]);
  assert.ok(run.code === 0 || run.code === 1, `exit ${run.code}: ${run.stderr}${run.stdout}`);
  const report = JSON.parse(run.stdout) as { entries: CliEntry[] };
  assert.equal(report.entries.length, 1, run.stdout);
  const e = report.entries[0]!;
  const rules = [...new Set([...e.denials, ...e.warnings].map((f) => f.rule))].sort();
  return {
    allowed: e.allowed,
    deniedFields: e.denials.map((f) => f.field).sort(),
    deniedRules: e.allowed ? [] : rules,
  };
}
