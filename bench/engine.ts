// The engine alone, in process: no HTTP, no TLS, no JSON parse, so a slower rule shows up here
// without network noise. Each scenario's object is parsed once; every iteration runs the whole
// validating path (schema, remoteUrl, headers, reference lookups against the fixture
// manifests, ratcheting). Nothing is cached between iterations: the engine keeps no verdicts.
//   node bench/engine.ts [--seconds 2]
import { loadBundledEntrySchemas } from '../src/crd/entry-schemas.ts';
import { AdmissionEngine } from '../src/policy/engine.ts';
import { defaultEngineOptions, type EntryInput, type Operation } from '../src/model/review.ts';
import type { Verdict } from '../src/model/verdict.ts';
import { ManifestLookup } from '../src/references/manifest-lookup.ts';
import { fixtureObjectsDir, scenarios, type Json, type Scenario } from './payloads.ts';
import { findingPlace } from '../src/render/messages.ts';

export interface EngineResult {
  readonly scenario: string;
  readonly iterations: number;
  /** From the fastest round: the figure least disturbed by other processes. */
  readonly reviewsPerSecond: number;
  readonly microsPerReview: number;
  /** From the median round. */
  readonly medianReviewsPerSecond: number;
}

export async function createBenchEngine(): Promise<AdmissionEngine> {
  const lookup = await ManifestLookup.fromPaths([fixtureObjectsDir]);
  return new AdmissionEngine(loadBundledEntrySchemas(), lookup, defaultEngineOptions);
}

/** The engine's input for a scenario, as the review handler builds it from a decoded review. */
export function engineInput(scenario: Scenario): EntryInput {
  const request = scenario.review()['request'] as Json;
  const kind = request['kind'] as Json;
  return {
    operation: request['operation'] as Operation,
    version: kind['version'] as string,
    object: request['object'],
    oldObject: request['oldObject'],
    namespace: request['namespace'] as string,
  };
}

/** Throws unless the verdict is what the scenario promises: a benchmark of wrong answers is void. */
export function assertVerdict(scenario: Scenario, verdict: Verdict): void {
  if (
    verdict.allowed !== scenario.expectAllowed ||
    verdict.denials.length !== scenario.expectFindings
  ) {
    const found = verdict.denials.map(findingPlace).join('; ');
    throw new Error(
      `${scenario.name}: expected ${scenario.expectAllowed ? 'allowed' : 'denied'} with ${scenario.expectFindings} findings, got ${verdict.allowed ? 'allowed' : 'denied'}: ${found}`,
    );
  }
}

/** Reviews per second over one round of about `ms` milliseconds. */
async function round(
  engine: AdmissionEngine,
  input: EntryInput,
  ms: number,
): Promise<[number, number]> {
  let iterations = 0;
  const started = performance.now();
  const stopAt = started + ms;
  // Check the clock every 256 reviews so reading it costs nothing measurable.
  while (performance.now() < stopAt) {
    for (let i = 0; i < 256; i++) await engine.validate(input);
    iterations += 256;
  }
  return [iterations, iterations / ((performance.now() - started) / 1000)];
}

/**
 * Every scenario is warmed up first (V8 optimises the shared rules on all shapes, as in a
 * server), then timed in `rounds` short rounds interleaved across scenarios, so a burst of
 * load from another process spoils one round of each rather than one whole scenario.
 */
export async function runEngineBench(seconds: number, rounds = 5): Promise<EngineResult[]> {
  const engine = await createBenchEngine();
  const inputs = scenarios.map((s) => ({ scenario: s, input: engineInput(s) }));
  for (const { scenario, input } of inputs) assertVerdict(scenario, await engine.validate(input));
  for (const { input } of inputs) await round(engine, input, 300);
  const rates = new Map<string, number[]>();
  const counts = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    for (const { scenario, input } of inputs) {
      const [n, rate] = await round(engine, input, (seconds * 1000) / rounds);
      rates.set(scenario.name, [...(rates.get(scenario.name) ?? []), rate]);
      counts.set(scenario.name, (counts.get(scenario.name) ?? 0) + n);
    }
  }
  await engine.lookup.close();
  return inputs.map(({ scenario }) => {
    const sorted = [...(rates.get(scenario.name) ?? [])].sort((a, b) => a - b);
    const best = sorted[sorted.length - 1] ?? 0;
    return {
      scenario: scenario.name,
      iterations: counts.get(scenario.name) ?? 0,
      reviewsPerSecond: best,
      microsPerReview: 1e6 / best,
      medianReviewsPerSecond: sorted[Math.floor(sorted.length / 2)] ?? 0,
    };
  });
}

/** Smoke: every scenario's verdict, a few hundred times, without timing. */
export async function checkEngineVerdicts(times: number): Promise<number> {
  const engine = await createBenchEngine();
  let checked = 0;
  for (const scenario of scenarios) {
    for (let i = 0; i < times; i++) {
      assertVerdict(scenario, await engine.validate(engineInput(scenario)));
      checked += 1;
    }
  }
  await engine.lookup.close();
  return checked;
}

if (import.meta.main) {
  const i = process.argv.indexOf('--seconds');
  const seconds = i < 0 ? 2 : Number(process.argv[i + 1]);
  for (const r of await runEngineBench(seconds)) {
    process.stdout.write(
      `${r.scenario.padEnd(16)} best ${Math.round(r.reviewsPerSecond).toString().padStart(7)} reviews/s (${r.microsPerReview.toFixed(1)} µs), median ${Math.round(r.medianReviewsPerSecond)}\n`,
    );
  }
}
