import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { packageRoot, renderEntrySchemas } from '../../src/crd/generate-schemas.ts';

test('schemas/ is what `npm run schemas` produces from deploy/crds/ now', () => {
  const expected = renderEntrySchemas();
  const committed = readdirSync(`${packageRoot}schemas`).filter((f) =>
    f.startsWith('mcpserverentry.'),
  );
  assert.deepEqual(
    committed.sort(),
    [...expected.keys()].sort(),
    'one file per served version, no strays',
  );
  for (const [name, text] of expected) {
    assert.equal(
      readFileSync(`${packageRoot}schemas/${name}`, 'utf8'),
      text,
      `schemas/${name} is stale: run npm run schemas`,
    );
  }
});

test('generated schemas are pretty, key-sorted and end with a newline', () => {
  for (const text of renderEntrySchemas().values()) {
    assert.ok(text.endsWith('}\n'));
    assert.match(text, /^\{\n {2}"additionalProperties"/);
  }
});
