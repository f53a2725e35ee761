// `npm run bench:api`: API write latency through the test tier's kube-apiserver + etcd with no
// admission, our webhooks and the generated policy side by side. Prints markdown; progress on
// stderr.
//   node bench/api/run.ts [--concurrency 1,16,64,256,500] [--count 500] [--warmup 100]
//                         [--configs none,floor,webhook,policy] [--client h2|h1]
//                         [--deleting-objects 20] [--cpu-prof DIR] [--json FILE]
import { writeFileSync } from 'node:fs';
import { option } from '../cli-option.ts';
import { runApiBench } from './bench.ts';
import { configurationNames, type ConfigurationName } from './configurations.ts';
import { renderReport } from './report.ts';

const list = (raw: string): string[] => raw.split(',').filter((s) => s !== '');

const configurations = list(option('--configs', configurationNames.join(',')));
for (const name of configurations) {
  if (!(configurationNames as readonly string[]).includes(name))
    throw new Error(`--configs: unknown configuration ${name}`);
}
const protocol = option('--client', 'h2');
if (protocol !== 'h2' && protocol !== 'h1') throw new Error('--client must be h2 or h1');

const report = await runApiBench({
  concurrencies: list(option('--concurrency', '1,16,64,256,500')).map(Number),
  count: Number(option('--count', '500')),
  warmup: Number(option('--warmup', '100')),
  configurations: configurations as ConfigurationName[],
  protocol,
  deletingObjects: Number(option('--deleting-objects', '20')),
  ...(option('--cpu-prof', '') === '' ? {} : { cpuProfileDir: option('--cpu-prof', '') }),
  progress: (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
});
process.stdout.write(`${renderReport(report)}\n`);
const json = option('--json', '');
if (json !== '') writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
