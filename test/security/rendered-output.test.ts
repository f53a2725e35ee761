// Security issue #14, classes 4 and 7: what reaches a person or a log is rendered once
// (src/render/messages.ts), so no rule can leak a URL credential into a message and no object
// can write terminal control sequences into a report, whichever rule fires.
//
// Every variant goes through the real front doors: the review handler (deny message, causes,
// warnings, audit annotations and the review log line) and `check` in all five formats.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { outputFormats } from '../../src/cli/check-args.ts';
import { loadBundledEntrySchemas } from '../../src/crd/entry-schemas.ts';
import { createLogger } from '../../src/log.ts';
import { defaultEngineOptions } from '../../src/model/review.ts';
import { AdmissionEngine } from '../../src/policy/engine.ts';
import { ManifestLookup } from '../../src/references/manifest-lookup.ts';
import { ReviewHandler } from '../../src/server/review-handler.ts';
import { repoRoot, runCheckCaptured } from '../cli/golden-cases.ts';
import { entry, review, type Json } from '../support/reviews.ts';

const password = 'S3cr3tPa55';
const user = 'alice';

/** Userinfo spellings that used to leak (issue #14, class 4), and more of the same family. */
const urlVariants: readonly (readonly [string, string])[] = [
  ['plain', `https://${user}:${password}@mcp.example.com/mcp`],
  ['backslash in the host', `https://${user}:${password}@mcp.exa\\mple.com/mcp`],
  ['backslashes for slashes', `https:\\\\${user}:${password}@mcp.example.com/mcp`],
  ['whitespace in the password', `https://${user}:S3cr3t Pa55@mcp.example.com/`],
  ['leading whitespace', ` https://${user}:${password}@mcp.example.com/`],
  ['tab before the @', `https://${user}:${password}\t@mcp.example.com/`],
  ['zero-width in the password', `https://${user}:S3cr3t\u200bPa55@mcp.example.com/`],
  ['zero-width in the host', `https://${user}:${password}@mcp.exa\u200bmple.com/`],
  ['zero-width in the scheme', `ht\u200btps://${user}:${password}@mcp.example.com/`],
  ['port 0', `https://${user}:${password}@mcp.example.com:0/`],
  ['port 65536', `https://${user}:${password}@mcp.example.com:65536/`],
  ['zone id', `https://${user}:${password}@[fe80::1%25eth0]/`],
  ['empty host', `https://${user}:${password}@/mcp`],
  ['empty host with port', `https://${user}:${password}@:443/mcp`],
  ['ftp scheme', `ftp://${user}:${password}@mcp.example.com/`],
  ['uppercase scheme (schema pattern)', `HTTPS://${user}:${password}@mcp.example.com/`],
  ['http: without slashes', `http:${user}:${password}@mcp.example.com/`],
  ['three slashes', `https:///${user}:${password}@mcp.example.com/`],
  ['slash inside the password', `https://${user}:${password}/x@mcp.example.com/`],
  ['question mark inside the password', `https://${user}:${password}?x@mcp.example.com/`],
  ['hash inside the password', `https://${user}:${password}#x@mcp.example.com/`],
  ['full-width at sign', `https://${user}:${password}\uff20mcp.example.com/`],
  ['two at signs', `https://${user}:${password}@@mcp.example.com/`],
  ['token as user name', `https://${password}@mcp.example.com/`],
  ['metadata host', `http://${user}:${password}@169.254.169.254/latest/`],
  ['password longer than any shown value', `https://${user}:${password}${'x'.repeat(300)}@h.io/`],
];

let dir: string;
let engine: AdmissionEngine;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rendered-output-'));
  const lookup = await ManifestLookup.fromPaths([join(repoRoot, 'test/fixtures/objects')]);
  engine = new AdmissionEngine(loadBundledEntrySchemas(), lookup, defaultEngineOptions);
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** The handler's answer and every log line it wrote, as one text. */
async function serverSees(object: Json): Promise<{ answer: string; log: string }> {
  const lines: string[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _e, cb) => {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  const handler = new ReviewHandler(engine, createLogger('info', sink));
  const outcome = await handler.handle('validate', review('CREATE', object));
  return { answer: JSON.stringify(outcome.body), log: lines.join('') };
}

/** `check` on the object in every format: format → output. */
async function cliSees(object: Json, name: string): Promise<Map<string, string>> {
  const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
  writeFileSync(file, JSON.stringify(object));
  const seen = new Map<string, string>();
  for (const format of outputFormats) {
    const run = await runCheckCaptured([
      '--output',
      format,
      file,
      join(repoRoot, 'test/fixtures/objects/neighbours.yaml'),
    ]);
    seen.set(format, run.stdout + run.stderr);
  }
  return seen;
}

function assertNoPassword(where: string, text: string): void {
  assert.ok(!text.includes(password), `${where} shows the password: ${text.slice(0, 600)}`);
  assert.ok(!text.includes('S3cr3t'), `${where} shows part of the password`);
}

describe('no URL credential in any output (#14 class 4)', () => {
  for (const [name, url] of urlVariants) {
    test(`remoteUrl: ${name}`, async () => {
      const object = entry({ remoteUrl: url });
      const server = await serverSees(object);
      assert.match(server.answer, /"allowed":false/, `${name} must be denied`);
      assertNoPassword('the AdmissionReview answer', server.answer);
      assertNoPassword('the review log line', server.log);
      for (const [format, out] of await cliSees(object, name)) assertNoPassword(format, out);
    });
  }

  test('a URL in a field no URL rule reads (the schema fires) is redacted as well', async () => {
    const object = entry({
      groupRef: { name: `https://${user}:${password}@mcp.example.com/` },
      transport: `https://${user}:${password}@x/`,
    });
    const server = await serverSees(object);
    assert.match(server.answer, /"allowed":false/);
    assertNoPassword('the AdmissionReview answer', server.answer);
    for (const [format, out] of await cliSees(object, 'other-fields'))
      assertNoPassword(format, out);
  });
});

// ESC, BEL, an OSC title sequence, a CSI as C1 (U+009B), DEL, a bidi override, a line separator.
const hostile = 'x\u001b]0;pwned\u0007\u001b[31mred\u009b2J\u007f\u202e\u2028y';
const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/;

describe('no raw terminal control in any human-readable output (#14 class 7)', () => {
  const object = entry(
    {
      remoteUrl: `https://mcp.example.com/${hostile}`,
      transport: hostile,
      headerForward: { addPlaintextHeaders: { [hostile]: 'v' } },
    },
    { name: hostile, namespace: hostile },
  );

  // text, github and junit are read by people as a whole; in json and sarif the messages are,
  // while `name` and `namespace` stay exact data for machines (JSON escapes C0 there).
  test('every check format', async () => {
    for (const [format, out] of await cliSees(object, 'hostile')) {
      const read =
        format === 'json' || format === 'sarif'
          ? [...out.matchAll(/"(?:message|text)": "((?:[^"\\]|\\.)*)"/g)]
              .map((m) => m[1])
              .join('\n')
          : out;
      assert.ok(read.length > 0, format);
      assert.doesNotMatch(read, raw, `${format}: ${JSON.stringify(read.slice(0, 400))}`);
    }
  });

  test('the deny message, causes and warnings', async () => {
    const { answer } = await serverSees(object);
    const body = JSON.parse(answer) as {
      response: {
        status?: { message: string; details?: { causes: unknown[] } };
        warnings?: string[];
      };
    };
    assert.ok(body.response.status !== undefined);
    assert.doesNotMatch(body.response.status.message, raw);
    assert.doesNotMatch(JSON.stringify(body.response.status.details?.causes), raw);
    assert.doesNotMatch(JSON.stringify(body.response.warnings ?? []), raw);
  });
});
