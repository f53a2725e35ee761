// The differential tier: our manifest reader against the real one. Every document of a checked-in
// corpus of tricky manifests (test/fixtures/yaml-differential/) and of fast-check-generated ones
// is read by parseManifestText and by `kubectl apply`'s own decoder (test/tools/yamldecoder:
// apimachinery's YAMLOrJSONDecoder + sigs.k8s.io/yaml, Kubernetes 1.34). Either both refuse the
// file, or both produce the same objects, compared number by number as the API server decodes
// them. Where we are deliberately stricter (stricter/: duplicate keys, which kubectl silently
// resolves to the last value; `x:` before `}` in a flow mapping, which YAML 1.2 reads as a key)
// kubectl accepts and we refuse the file, never the other way round.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseManifestText } from '../../src/manifests/parse-manifest-text.ts';
import { canonicalJson, KubeYamlDecoder, parseExactJson } from '../harness/kube-yaml-decoder.ts';

const corpusDir = new URL('../fixtures/yaml-differential/', import.meta.url);
const stricterDir = new URL('stricter/', corpusDir);

type Verdict =
  | { readonly refused: true; readonly why: string }
  | { readonly refused: false; readonly objects: string[] };

/** kubectl: a decoder error, or a document that is not an object, stops the apply. */
function kubectlVerdict(docs: readonly string[], error: string | undefined): Verdict {
  if (error !== undefined) return { refused: true, why: error };
  const objects: string[] = [];
  for (const doc of docs) {
    const value = parseExactJson(doc);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { refused: true, why: `not an object: ${doc}` };
    }
    // kubectl's builder flattens Lists into their items, as our reader does.
    const record = value as Record<string, unknown>;
    const kind = record['kind'];
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(record['items'])) {
      objects.push(...(record['items'] as unknown[]).map(canonicalJson));
    } else {
      objects.push(canonicalJson(value));
    }
  }
  return { refused: false, objects };
}

function ourVerdict(text: string): Verdict {
  const parsed = parseManifestText(text, 'differential.yaml');
  if (parsed.errors.length > 0) {
    return { refused: true, why: parsed.errors.map((e) => e.message).join('; ') };
  }
  return { refused: false, objects: parsed.documents.map((d) => canonicalJson(d.object)) };
}

function comparable(verdict: Verdict): Verdict | { refused: true } {
  return verdict.refused ? { refused: true } : verdict;
}

let decoder: KubeYamlDecoder;
before(async () => {
  decoder = await KubeYamlDecoder.start();
});
after(async () => {
  await decoder.close();
});

async function differ(text: string, allowStricter = false): Promise<string | undefined> {
  const kube = await decoder.decode(text);
  const theirs = kubectlVerdict(kube.docs, kube.error);
  if (allowStricter && deliberatelyStricter(text, theirs)) return undefined;
  const ours = ourVerdict(text);
  try {
    assert.deepEqual(comparable(ours), comparable(theirs));
    return undefined;
  } catch {
    return `input ${JSON.stringify(text)}\n  kubectl: ${JSON.stringify(theirs)}\n  ours:    ${JSON.stringify(ours)}`;
  }
}

describe('our reader and kubectl apply read the corpus alike', () => {
  const files = readdirSync(corpusDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  test('the corpus is there', () => {
    assert.ok(files.length >= 60, `only ${files.length} corpus files`);
  });
  for (const file of files) {
    test(file, async () => {
      const difference = await differ(readFileSync(new URL(file, corpusDir), 'utf8'));
      if (difference !== undefined) assert.fail(difference);
    });
  }
});

describe('deliberately stricter than kubectl apply: it accepts, we refuse', () => {
  const files = readdirSync(stricterDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  for (const file of files) {
    test(file, async () => {
      const text = readFileSync(new URL(file, stricterDir), 'utf8');
      const expected = /^# ours: (.*)$/m.exec(text)?.[1];
      assert.ok(expected !== undefined, 'each stricter case names our refusal in a `# ours:` line');
      const kube = await decoder.decode(text);
      assert.equal(kubectlVerdict(kube.docs, kube.error).refused, false);
      const ours = ourVerdict(text);
      assert.equal(ours.refused, true);
      assert.ok(ours.refused && ours.why.includes(expected), ours.refused ? ours.why : '');
    });
  }
});

/** Our documented, deliberate refusals of what kubectl accepts (see stricter/). */
function deliberatelyStricter(text: string, kube: Verdict): boolean {
  const ours = ourVerdict(text);
  return (
    !kube.refused &&
    ours.refused &&
    /^duplicate field|^U\+2028 or U\+2029 inside a block scalar/m.test(
      ours.why.replaceAll('; ', '\n'),
    )
  );
}

// Generated documents: small manifests built from the pieces that trip readers up (YAML 1.1
// scalars, quoting styles, flow and block collections, merge keys, anchors, markers, odd line
// breaks), so the property explores their combinations.
const scalarText = fc.oneof(
  fc.constantFrom(
    'yes',
    'no',
    'on',
    'off',
    'y',
    'n',
    '~',
    'null',
    'true',
    'False',
    '0x1F',
    '0o17',
    '017',
    '0b11',
    '1_000',
    '+1',
    '-0',
    '.5',
    '1e3',
    '1.',
    '.inf',
    '-.Inf',
    '.nan',
    '9007199254740993',
    '12345678901234567890',
    '-9223372036854775809',
    '1e400',
    '2001-12-14',
    '1:20',
    'x:',
    'a:b',
    'http://h.example:80/p',
    '"quoted"',
    "'it''s'",
    '"\\u00e9\\t"',
    '"a\\nb"',
    '!!str 1',
    '!!int "7"',
    '!!binary aGVsbG8=',
    '!!float 3',
    '!local v',
    '"x y"',
    'a # comment',
    '""',
    "''",
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
  fc.integer({ min: -1000, max: 1000 }).map(String),
);
const keyText = fc.oneof(
  fc.constantFrom('a', 'b', 'name', 'y', 'on', '1', '"q"', '<<', 'x y'),
  fc.stringMatching(/^[a-z]{1,4}$/),
);

const flowValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarText.filter((s) => !/[#,[\]{}]|:$/.test(s) && !s.startsWith('!')),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
    fc
      .array(
        fc.tuple(
          keyText.filter((k) => k !== '<<'),
          tie('value'),
        ),
        { maxLength: 3 },
      )
      .map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
  ),
})).value;

function blockMapping(depth: number): fc.Arbitrary<string[]> {
  const leaf = fc.oneof(scalarText, flowValue);
  const member =
    depth <= 0
      ? fc.tuple(keyText, leaf).map(([k, v]) => [`${k}: ${v}`])
      : fc.oneof(
          fc.tuple(keyText, leaf).map(([k, v]) => [`${k}: ${v}`]),
          fc
            .tuple(keyText, blockMapping(depth - 1))
            .map(([k, lines]) => [`${k}:`, ...lines.map((l) => `  ${l}`)]),
          fc
            .tuple(keyText, fc.array(leaf, { minLength: 1, maxLength: 3 }))
            .map(([k, items]) => [`${k}:`, ...items.map((i) => `- ${i}`)]),
          fc
            .tuple(
              keyText,
              fc.constantFrom('|', '>', '|-', '>+'),
              fc.array(fc.stringMatching(/^[a-z ]{0,6}$/), { minLength: 1, maxLength: 3 }),
            )
            .map(([k, style, lines]) => [`${k}: ${style}`, ...lines.map((l) => `  ${l}`)]),
          fc.constant(['<<: {a: merged, b: merged}']),
          fc.constant(['anchored: &x {a: 1}', 'aliased: *x']),
          fc.constant(['# a comment']),
        );
  return fc.array(member, { minLength: 1, maxLength: 4 }).map((members) => members.flat());
}

const separator = fc.constantFrom(
  '---',
  '--- # c',
  '--- ',
  '---\tx',
  '--- a: 1',
  '...',
  '----',
  '%YAML 1.1\n---',
);
const lineBreak = fc.constantFrom('\n', '\n', '\n', '\r\n', '\u2028', '\u0085');

const document = fc.oneof(
  { weight: 4, arbitrary: blockMapping(2).map((lines) => lines.join('\n')) },
  { weight: 1, arbitrary: flowValue },
);

const stream = fc
  .tuple(
    fc.array(fc.tuple(fc.option(separator, { nil: undefined }), document), {
      minLength: 1,
      maxLength: 3,
    }),
    lineBreak,
  )
  .map(
    ([docs, br]) =>
      docs
        .map(([sep, doc]) => (sep === undefined ? doc : `${sep}\n${doc}`))
        .join('\n---\n')
        .replace(/\n(?=[^\n]*$)/, br) + '\n',
  );

test('generated documents read alike (fast-check)', async () => {
  await fc.assert(
    fc.asyncProperty(stream, async (text) => {
      const difference = await differ(text, true);
      if (difference !== undefined) assert.fail(difference);
    }),
    { numRuns: 400, seed: 0x5eed_0015 },
  );
});
