// CEL rules are never passed in silence: each rule whose field is present is a warning naming
// the rule; rules on absent fields do not run on the API server either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { celNotEvaluatedFindings } from '../../src/cli/cel-not-evaluated.ts';

const rules = [
  { path: '', rule: 'self.metadata.name.size() < 50', message: 'failed rule: x' },
  { path: 'spec', rule: "self.transport != 'sse' || has(self.remoteUrl)", message: 'm' },
  { path: 'spec.headerForward', rule: 'size(self) > 0', message: 'm' },
  { path: 'spec.items[*]', rule: 'self.name != ""', message: 'm' },
  { path: 'spec.list[*]', rule: 'self.name != ""', message: 'm' },
];

test('rules on present fields become "not checked offline" warnings; absent fields are skipped', () => {
  const object = {
    metadata: { name: 'x' },
    spec: { transport: 'sse', items: [{ name: 'a' }], list: [] },
  };
  const found = celNotEvaluatedFindings(rules, object);
  assert.deepEqual(
    found.map((f) => [f.field, f.message, f.rule]),
    [
      ['', 'not checked offline: self.metadata.name.size() < 50', 'cel.not-evaluated'],
      [
        'spec',
        "not checked offline: self.transport != 'sse' || has(self.remoteUrl)",
        'cel.not-evaluated',
      ],
      ['spec.items[*]', 'not checked offline: self.name != ""', 'cel.not-evaluated'],
    ],
  );
});
