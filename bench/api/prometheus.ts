// Just enough of the Prometheus text format to read counters and histograms from two scrapes
// (the API server's /metrics and ours) and take their difference over one measured step.

export interface Sample {
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  readonly value: number;
}

/** Samples keyed by their line's series text (`name{labels}`); only names with one of `prefixes`. */
export type Scrape = ReadonlyMap<string, Sample>;

const labelPattern = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string, prefixes: readonly string[]): Scrape {
  const out = new Map<string, Sample>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (!prefixes.some((p) => line.startsWith(p))) continue;
    const space = line.lastIndexOf(' ');
    const series = line.slice(0, space);
    const brace = series.indexOf('{');
    const name = brace < 0 ? series : series.slice(0, brace);
    const labels = new Map<string, string>();
    if (brace >= 0) {
      for (const [, key = '', value = ''] of series.slice(brace).matchAll(labelPattern))
        labels.set(key, value);
    }
    out.set(series, { name, labels, value: Number(line.slice(space + 1)) });
  }
  return out;
}

/** after - before for every series of `after` (a series new in `after` counts from 0). */
export function difference(before: Scrape, after: Scrape): Sample[] {
  const out: Sample[] = [];
  for (const [series, sample] of after) {
    const moved = sample.value - (before.get(series)?.value ?? 0);
    out.push({ ...sample, value: moved });
  }
  return out;
}

/**
 * Sums the samples named `name` whose labels match `where` (a missing label reads as ''),
 * grouped by the label `by`.
 */
export function sumBy(
  samples: readonly Sample[],
  name: string,
  by: string,
  where: Readonly<Record<string, string>> = {},
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name) continue;
    if (!Object.entries(where).every(([k, v]) => (s.labels.get(k) ?? '') === v)) continue;
    const key = s.labels.get(by) ?? '';
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

export function total(
  samples: readonly Sample[],
  name: string,
  where: Readonly<Record<string, string>> = {},
): number {
  let sum = 0;
  for (const v of sumBy(samples, name, '', where).values()) sum += v;
  return sum;
}

/**
 * A quantile of a histogram's increase, interpolated within a bucket as Prometheus's
 * `histogram_quantile` does (so only as fine as the buckets).
 */
export function histogramQuantile(
  samples: readonly Sample[],
  name: string,
  q: number,
  where: Readonly<Record<string, string>> = {},
): number {
  const buckets = sumBy(samples, `${name}_bucket`, 'le', where);
  const bounds = [...buckets]
    .map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count }))
    .sort((a, b) => a.le - b.le);
  const count = bounds.at(-1)?.count ?? 0;
  if (count === 0) return Number.NaN;
  const rank = q * count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of bounds) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerBound;
      const inBucket = b.count - lowerCount;
      return inBucket === 0
        ? b.le
        : lowerBound + (b.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = b.le;
    lowerCount = b.count;
  }
  return Number.NaN;
}
