// Manifests first, the cluster for the rest: `check --cluster` judges a change against what
// the pull request itself defines, and asks the live cluster only about objects the input does
// not mention. An object in the input wins over the cluster's copy because it is what the
// cluster will hold once the change is applied.
import type { ReferenceAnswer, ReferenceLookup, ReferenceQuery } from '../model/lookup.ts';

export class LayeredLookup implements ReferenceLookup {
  private readonly layers: readonly ReferenceLookup[];

  /** `layers` in order of authority; a `missing` answer falls through to the next layer. */
  constructor(layers: readonly ReferenceLookup[]) {
    if (layers.length === 0) throw new Error('LayeredLookup needs at least one layer');
    this.layers = layers;
  }

  async lookup(query: ReferenceQuery, signal: AbortSignal): Promise<ReferenceAnswer> {
    let answer: ReferenceAnswer = { status: 'missing' };
    for (const layer of this.layers) {
      answer = await layer.lookup(query, signal);
      // `unknown` stops here too: a later layer must not turn "could not verify" into "found"
      // or "missing" for an object an earlier, more authoritative layer failed to read.
      if (answer.status !== 'missing') return answer;
    }
    return answer;
  }

  ready(): boolean {
    return this.layers.every((l) => l.ready());
  }

  async close(): Promise<void> {
    await Promise.all(this.layers.map((l) => l.close()));
  }
}
