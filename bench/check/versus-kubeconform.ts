// `check` side by side with kubeconform (schema only, given the project's JSON schemas), the
// same files, the same core (taskset -c 0), whole processes (issue #15):
//   (a) 10,000 entries in one stream, block style;
//   (b) the same stream with flow mappings (`groupRef: {name: tools}`);
//   (c) one file per entry, 20,000 files in a directory (the neighbours in one more file).
// `check` runs with every rule and reference check on (the default --references error); every
// entry must come out allowed, and kubeconform must report every entry valid, or the run is
// refused. Wall and CPU (user + sys, from GNU time) per run; best and median of N runs.
// `check` runs as installed (bin/mcpentry-webhook.js, compiled dist/).
// Usage: node bench/check/versus-kubeconform.ts [runs=3] [--only a,b,c]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTool } from '../../test/harness/binaries.ts';
import { generateStream } from './generate.ts';
import { flowStyle } from './flow-style.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt < 0 ? ['a', 'b', 'c'] : (process.argv[onlyAt + 1] ?? '').split(',');
const pinned = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '0'] : [];
if (!existsSync('/usr/bin/time')) throw new Error('GNU time (/usr/bin/time) is needed');

interface Run {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMb: number;
  readonly stdout: string;
}

function timedRun(argv: readonly string[]): Run {
  const [cmd, ...args] = [...pinned, '/usr/bin/time', '-v', ...argv];
  const started = process.hrtime.bigint();
  const child = spawnSync(cmd!, args, { cwd: root, maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const stderr = child.stderr.toString();
  const field = (name: string): number =>
    Number(new RegExp(`${name}: ([\\d.]+)`).exec(stderr)?.[1] ?? NaN);
  if (child.status !== 0) {
    throw new Error(`${argv.join(' ')} exited ${child.status}: ${stderr.slice(-1500)}`);
  }
  return {
    wall,
    cpu: field('User time \\(seconds\\)') + field('System time \\(seconds\\)'),
    rssMb: field('Maximum resident set size \\(kbytes\\)') / 1024,
    stdout: child.stdout.toString(),
  };
}

interface Scenario {
  readonly name: string;
  readonly paths: readonly string[];
  readonly entries: number;
  readonly files: number;
  readonly megabytes: number;
}

function scenarios(dir: string): Scenario[] {
  const out: Scenario[] = [];
  const stream = generateStream(10_000);
  if (only.includes('a')) {
    const file = join(dir, 'block.yaml');
    writeFileSync(file, stream.text);
    out.push({
      name: '(a) one stream, block style',
      paths: [file],
      entries: 10_000,
      files: 1,
      megabytes: Buffer.byteLength(stream.text) / 1e6,
    });
  }
  if (only.includes('b')) {
    const text = flowStyle(stream.text);
    const file = join(dir, 'flow.yaml');
    writeFileSync(file, text);
    out.push({
      name: '(b) one stream, flow style',
      paths: [file],
      entries: 10_000,
      files: 1,
      megabytes: Buffer.byteLength(text) / 1e6,
    });
  }
  if (only.includes('c')) {
    const many = generateStream(20_000);
    const docs = many.text.split(/^---\n/m);
    const tree = join(dir, 'files');
    mkdirSync(tree);
    const neighbours = docs.slice(0, many.documents - 20_000);
    writeFileSync(join(tree, 'neighbours.yaml'), neighbours.join('---\n'));
    docs.slice(neighbours.length).forEach((doc, i) => {
      writeFileSync(join(tree, `entry-${String(i).padStart(5, '0')}.yaml`), doc);
    });
    out.push({
      name: '(c) one file per entry',
      paths: [tree],
      entries: 20_000,
      files: 20_001,
      megabytes: Buffer.byteLength(many.text) / 1e6,
    });
  }
  return out;
}

const kubeconform = `${await ensureTool('kubeconform')}/kubeconform`;
const schemaLocation = join(root, 'schemas/{{ .ResourceKind }}.{{ .ResourceAPIVersion }}.json');
// What users run: the package's bin, which loads dist/ (built here first, as `npm run build`).
const build = spawnSync(process.execPath, ['scripts/build.ts'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) throw new Error('building dist/ failed');
const main = join(root, 'bin/mcpentry-webhook.js');

const dir = mkdtempSync(join(tmpdir(), 'check-vs-kubeconform-'));
try {
  const rows: Record<string, unknown>[] = [];
  for (const s of scenarios(dir)) {
    const ours: Run[] = [];
    const theirs: Run[] = [];
    for (let r = 0; r < runs; r++) {
      // Interleaved, so a change in the machine's load hits both alike.
      const a = timedRun([process.execPath, main, 'check', '--output', 'json', ...s.paths]);
      const summary = (JSON.parse(a.stdout) as { summary: { entries: number; allowed: number } })
        .summary;
      if (summary.entries !== s.entries || summary.allowed !== s.entries)
        throw new Error(`check: unexpected summary ${JSON.stringify(summary)}`);
      ours.push(a);
      const b = timedRun([
        kubeconform,
        '-summary',
        '-output',
        'json',
        '-ignore-missing-schemas',
        '-schema-location',
        schemaLocation,
        ...s.paths,
      ]);
      const k = JSON.parse(b.stdout) as {
        summary: { valid: number; invalid: number; errors: number };
      };
      if (k.summary.valid !== s.entries || k.summary.invalid !== 0 || k.summary.errors !== 0)
        throw new Error(`kubeconform: unexpected summary ${JSON.stringify(k.summary)}`);
      theirs.push(b);
    }
    const best = (xs: Run[], f: (r: Run) => number): number => Math.min(...xs.map(f));
    const median = (xs: Run[], f: (r: Run) => number): number =>
      xs.map(f).sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const figures = (xs: Run[]): Record<string, number> => ({
      bestWallSeconds: Number(best(xs, (r) => r.wall).toFixed(2)),
      perSecondBest: Math.round(s.entries / best(xs, (r) => r.wall)),
      perSecondMedian: Math.round(s.entries / median(xs, (r) => r.wall)),
      perCpuSecond: Math.round(s.entries / best(xs, (r) => r.cpu)),
      peakRssMb: Math.round(Math.max(...xs.map((r) => r.rssMb))),
    });
    rows.push({
      scenario: s.name,
      entries: s.entries,
      files: s.files,
      inputMb: Number(s.megabytes.toFixed(1)),
      check: figures(ours),
      kubeconform: figures(theirs),
    });
  }
  process.stdout.write(
    `${JSON.stringify({ node: process.version, oneCore: pinned.length > 0, runs, loadAverage: loadavg().map((l) => l.toFixed(1)), rows }, null, 2)}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
