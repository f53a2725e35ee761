// The manifest reader alone, in process: parseManifestText (block-subset fast path, `yaml` for
// what it declines) against the same reading with `yaml` for every document, on the block and
// flow streams of versus-kubeconform.ts. CPU time (process.cpuUsage), best of N after a warm-up.
// Usage: node bench/check/reader.ts [rounds=5]
import {
  parseManifestText,
  parseWholeStreamWithYaml,
} from '../../src/manifests/parse-manifest-text.ts';
import { generateStream } from './generate.ts';
import { flowStyle } from './flow-style.ts';

const rounds = Number(process.argv[2] ?? 5);
const block = generateStream(10_000).text;
const flow = flowStyle(block);

function cpuMs(
  read: (text: string, source: string) => { documents: unknown[] },
  text: string,
): number {
  let best = Infinity;
  read(text, 'warm-up');
  for (let r = 0; r < rounds; r++) {
    const start = process.cpuUsage();
    const { documents } = read(text, 'bench');
    const used = process.cpuUsage(start);
    if (documents.length !== 10_200) throw new Error(`read ${documents.length} documents`);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

const rows = [
  ['block', 'fast path + yaml', cpuMs(parseManifestText, block)],
  ['block', 'yaml only', cpuMs(parseWholeStreamWithYaml, block)],
  ['flow', 'fast path + yaml', cpuMs(parseManifestText, flow)],
  ['flow', 'yaml only', cpuMs(parseWholeStreamWithYaml, flow)],
] as const;
for (const [style, reader, ms] of rows) {
  process.stdout.write(
    `${style}\t${reader}\t${ms.toFixed(0)} ms CPU\t${Math.round(10_200 / (ms / 1000))} documents per CPU-second\n`,
  );
}
