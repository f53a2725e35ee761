// The layered lookup: the input's own objects win, the next layer answers only what the first
// says is missing, and an `unknown` is never turned into a definite answer by a later layer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LayeredLookup } from '../../src/references/layered-lookup.ts';
import type { ReferenceAnswer, ReferenceLookup, ReferenceQuery } from '../../src/model/lookup.ts';

class TableLookup implements ReferenceLookup {
  readonly asked: string[] = [];
  closed = false;
  private readonly answers: ReadonlyMap<string, ReferenceAnswer>;
  private readonly isReady: boolean;
  constructor(answers: Record<string, ReferenceAnswer>, isReady = true) {
    this.answers = new Map(Object.entries(answers));
    this.isReady = isReady;
  }
  lookup(query: ReferenceQuery): Promise<ReferenceAnswer> {
    this.asked.push(query.name);
    return Promise.resolve(this.answers.get(query.name) ?? { status: 'missing' });
  }
  ready(): boolean {
    return this.isReady;
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const query = (name: string): ReferenceQuery => ({ kind: 'MCPGroup', namespace: 'ns', name });
const signal = new AbortController().signal;

describe('LayeredLookup', () => {
  const cases: {
    name: string;
    first: Record<string, ReferenceAnswer>;
    second: Record<string, ReferenceAnswer>;
    expect: ReferenceAnswer;
    secondAsked: boolean;
  }[] = [
    {
      name: 'found in the input: the cluster is not asked',
      first: { g: { status: 'found', phase: 'Pending' } },
      second: { g: { status: 'found', phase: 'Ready' } },
      expect: { status: 'found', phase: 'Pending' },
      secondAsked: false,
    },
    {
      name: 'missing from the input: the cluster answers',
      first: {},
      second: { g: { status: 'found', phase: 'Ready' } },
      expect: { status: 'found', phase: 'Ready' },
      secondAsked: true,
    },
    {
      name: 'missing everywhere: missing',
      first: {},
      second: {},
      expect: { status: 'missing' },
      secondAsked: true,
    },
    {
      name: 'the cluster cannot answer: unknown, for the policy to judge',
      first: {},
      second: { g: { status: 'unknown', reason: 'forbidden' } },
      expect: { status: 'unknown', reason: 'forbidden' },
      secondAsked: true,
    },
    {
      name: 'an earlier unknown is not overruled',
      first: { g: { status: 'unknown', reason: 'timeout' } },
      second: { g: { status: 'found' } },
      expect: { status: 'unknown', reason: 'timeout' },
      secondAsked: false,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const first = new TableLookup(c.first);
      const second = new TableLookup(c.second);
      const layered = new LayeredLookup([first, second]);
      assert.deepEqual(await layered.lookup(query('g'), signal), c.expect);
      assert.equal(second.asked.length > 0, c.secondAsked);
    });
  }

  test('ready only when every layer is; close closes every layer', async () => {
    const a = new TableLookup({});
    const b = new TableLookup({}, false);
    const layered = new LayeredLookup([a, b]);
    assert.equal(layered.ready(), false);
    assert.equal(new LayeredLookup([a]).ready(), true);
    await layered.close();
    assert.equal(a.closed && b.closed, true);
  });

  test('refuses to be built empty', () => {
    assert.throws(() => new LayeredLookup([]), /at least one layer/);
  });
});
