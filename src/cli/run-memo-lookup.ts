// Within one `check` run the cluster is read as a snapshot: a group named by a hundred entries
// is fetched once. Only definite answers are kept; an `unknown` (timeout, API error) is asked
// again next time, so one slow moment does not condemn every later entry.
import {
  referenceKey,
  type ReferenceAnswer,
  type ReferenceLookup,
  type ReferenceQuery,
} from '../model/lookup.ts';

export class RunMemoLookup implements ReferenceLookup {
  private readonly inner: ReferenceLookup;
  private readonly answers = new Map<string, ReferenceAnswer>();

  constructor(inner: ReferenceLookup) {
    this.inner = inner;
  }

  async lookup(query: ReferenceQuery, signal: AbortSignal): Promise<ReferenceAnswer> {
    const key = referenceKey(query);
    const known = this.answers.get(key);
    if (known !== undefined) return known;
    const answer = await this.inner.lookup(query, signal);
    if (answer.status !== 'unknown') this.answers.set(key, answer);
    return answer;
  }

  ready(): boolean {
    return this.inner.ready();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
