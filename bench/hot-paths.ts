// The speed figures that used to be assertions in unit tests (#19): a unit test's outcome must
// not depend on the machine's speed, so the tests keep the behaviour (the answer, the message)
// and the figures live here, printed side by side in one run. Each case runs `--rounds` times
// (default 5) after one warm-up; the best and the median round are reported, with the bound the
// unit test used to assert, for comparison.
//   node bench/hot-paths.ts [--rounds 5] [--json FILE]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadBundledEntrySchemas } from '../src/crd/entry-schemas.ts';
import { parseManifestText, readManifests } from '../src/manifests/index.ts';
import { headerFindings } from '../src/policy/headers.ts';
import { entry } from '../test/support/reviews.ts';

interface Case {
  readonly name: string;
  /** The unit test's old assertion, for the reader. */
  readonly formerBound: string;
  /** How many operations one run does (1 unless it is a throughput case). */
  readonly operations: number;
  /** One run; throws if the answer is wrong, so a figure is never of a broken path. */
  run(): void | Promise<void>;
}

interface Figure {
  readonly name: string;
  readonly formerBound: string;
  readonly bestMs: number;
  readonly medianMs: number;
  readonly perSecond?: number;
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`wrong answer: ${what}`);
}

const validEntry = entry();

function billionLaughs(): string {
  let text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 10; i++)
    text += `a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]\n`;
  return text;
}

function mergeKeyBomb(): string {
  let text = 'a0: &a0 {k: v}\n';
  for (let i = 1; i < 12; i++)
    text += `a${i}: &a${i}\n${Array.from({ length: 8 }, (_, j) => `  k${j}: *a${i - 1}`).join('\n')}\n`;
  return text;
}

function manyHeaders(count: number): Record<string, string> {
  const many: Record<string, string> = {};
  for (let i = 0; i < count; i++) many[`X-Header-${i}`] = 'v'.repeat(50);
  many['X'.repeat(1_000_000)] = 'v';
  return many;
}

function parseRefused(text: string, message: RegExp): void {
  const parsed = parseManifestText(text, 'bench.yaml');
  expect(parsed.documents.length === 0, 'no document');
  expect(message.test(parsed.errors[0]?.message ?? ''), `error ${String(message)}`);
}

function cases(dir: string): Case[] {
  const schemas = loadBundledEntrySchemas();
  const laughs = billionLaughs();
  const merge = mergeKeyBomb();
  const brackets = `a: ${'['.repeat(1_000_000)}`;
  const indicators = `${'- '.repeat(500_000)}x\n`;
  const headers10k = { addPlaintextHeaders: manyHeaders(10_000) };
  const headers20k = { addPlaintextHeaders: manyHeaders(20_000) };
  const huge = join(dir, 'huge.yaml');
  const good = join(dir, 'good.yaml');
  writeFileSync(huge, `data: "${'x'.repeat(2 * 1024 * 1024)}"\n`);
  writeFileSync(good, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n');
  return [
    {
      name: 'schema validate, valid v1beta1 entry (×50,000)',
      formerBound: '> 200,000 validations/s',
      operations: 50_000,
      run() {
        for (let i = 0; i < 50_000; i++)
          expect(schemas.validate('v1beta1', validEntry).length === 0, 'valid');
      },
    },
    {
      name: 'headers: 10,000 headers + a 1,000,000-character name',
      formerBound: '(none; the 20,000 case below, for linearity)',
      operations: 1,
      run() {
        expect(headerFindings(headers10k).denials.length === 0, 'no denials');
      },
    },
    {
      name: 'headers: 20,000 headers + a 1,000,000-character name',
      formerBound: '< 2,000 ms',
      operations: 1,
      run() {
        expect(headerFindings(headers20k).denials.length === 0, 'no denials');
      },
    },
    {
      name: 'YAML: billion laughs refused',
      formerBound: '< 1,000 ms',
      operations: 1,
      run: () => parseRefused(laughs, /more than \d+ nodes/),
    },
    {
      name: 'YAML: merge-key bomb refused',
      formerBound: '< 1,000 ms',
      operations: 1,
      run: () => parseRefused(merge, /aliases expand/),
    },
    {
      name: 'YAML: 1,000,000 brackets refused',
      formerBound: '< 1,000 ms',
      operations: 1,
      run: () => parseRefused(brackets, /brackets nest deeper than/),
    },
    {
      name: 'YAML: 500,000 block indicators refused',
      formerBound: '< 1,000 ms',
      operations: 1,
      run: () => parseRefused(indicators, /block indicators/),
    },
    {
      name: 'readManifests: a 2 MiB file over a 1 MiB cap, and a small one',
      formerBound: '< 1,000 ms',
      operations: 1,
      async run() {
        const { documents, errors } = await readManifests([huge, good], {
          maxFileBytes: 1024 * 1024,
        });
        expect(documents.length === 1, 'the small file read');
        expect(/refusing to read/.test(errors[0]?.message ?? ''), 'the big one refused');
      },
    },
  ];
}

async function measure(c: Case, rounds: number): Promise<Figure> {
  await c.run();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    await c.run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const bestMs = times[0]!;
  const medianMs = times[Math.floor(times.length / 2)]!;
  return {
    name: c.name,
    formerBound: c.formerBound,
    bestMs,
    medianMs,
    ...(c.operations > 1 ? { perSecond: c.operations / (bestMs / 1000) } : {}),
  };
}

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, json: { type: 'string' } },
});
const rounds = Math.max(1, Number(values.rounds));
const dir = mkdtempSync(join(tmpdir(), 'hot-paths-'));
try {
  const figures: Figure[] = [];
  for (const c of cases(dir)) figures.push(await measure(c, rounds));
  const fmt = (n: number): string =>
    n.toLocaleString('en-US', { maximumFractionDigits: n >= 1000 ? 0 : 1 });
  console.log(`| case | best ms | median ms | per second (best) | former unit-test bound |`);
  console.log(`|---|---:|---:|---:|---|`);
  for (const f of figures)
    console.log(
      `| ${f.name} | ${fmt(f.bestMs)} | ${fmt(f.medianMs)} | ${f.perSecond === undefined ? '' : fmt(f.perSecond)} | ${f.formerBound} |`,
    );
  if (values.json !== undefined)
    writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
