// What one refused oversized review costs the server: CPU seconds (user + system, from /proc)
// over N of them sent one after another on one keep-alive connection, divided by N, with
// nothing else running against the server. The review is oversized.ts's: ~5 MiB, 400,000
// unknown spec keys, otherwise valid; the limits deny it.
//   node bench/soak/refusal-cost.ts [--count 100]
import { Agent, request } from 'node:https';
import { spawnSync } from 'node:child_process';
import { option } from '../cli-option.ts';
import { scenarioByName } from '../payloads.ts';
import { cpuTimesOf, hasTaskset } from '../servers.ts';
import { shippedSheddingArgs, startObservedServer } from './soak-processes.ts';

const count = Number(option('--count', '100'));
if (hasTaskset) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

const review = scenarioByName('create-allowed').review() as {
  request: { object: { spec: Record<string, unknown> } };
};
for (let i = 0; i < 400_000; i++) review.request.object.spec[`key${i}`] = 0;
const body = Buffer.from(JSON.stringify(review));

const server = await startObservedServer(shippedSheddingArgs());
try {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: server.certs.ca });
  const send = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(
        `${server.url}/validate?timeout=10s`,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  await send(); // connection and TLS set up outside the measurement
  const cpu = (): number => {
    const t = cpuTimesOf(server.pid);
    return (t.userMicros + t.systemMicros) / 1e6;
  };
  const before = cpu();
  const started = performance.now();
  const statuses: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const status = String(await send());
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  const seconds = cpu() - before;
  process.stdout.write(
    `${count} oversized reviews (${(body.length / 1024 / 1024).toFixed(1)} MiB each), answers ${JSON.stringify(statuses)}: server CPU ${seconds.toFixed(2)} s, ${((seconds / count) * 1000).toFixed(1)} ms per review; wall ${((performance.now() - started) / count).toFixed(1)} ms per review\n`,
  );
  agent.destroy();
} finally {
  await server.stop();
}
