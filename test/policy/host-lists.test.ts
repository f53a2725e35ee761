// The operator's host lists in the engine: patterns, and the remoteUrl rule honouring them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostListsFromData, hostMatches, hostPatterns } from '../../src/policy/host-lists.ts';
import { remoteUrlFindings } from '../../src/policy/remote-url.ts';
import { renderMessage } from '../../src/render/messages.ts';
import { hostListCases, hostListConfigMap } from '../admission-policy/host-list-cases.ts';

describe('host lists', () => {
  test('patterns: newlines or commas, comments, lower case', () => {
    assert.deepEqual(hostPatterns(' A.example ,*.B.example\n# no\n\nc '), [
      'a.example',
      '*.b.example',
      'c',
    ]);
  });

  test('*.x matches subdomains only; other patterns match exactly', () => {
    assert.ok(hostMatches('*.corp.example', 'a.corp.example'));
    assert.ok(!hostMatches('*.corp.example', 'corp.example'));
    assert.ok(!hostMatches('*.corp.example', 'xcorp.example'));
    assert.ok(hostMatches('mcp.example', 'mcp.example'));
    assert.ok(!hostMatches('mcp.example', 'a.mcp.example'));
  });

  const lists = hostListsFromData(hostListConfigMap.data);
  for (const [url, denied] of hostListCases) {
    test(`${url} → ${denied ? 'denied' : 'allowed'}`, () => {
      const { denials } = remoteUrlFindings(url, false, undefined, lists);
      assert.equal(denials.length > 0, denied, JSON.stringify(denials));
    });
  }

  test('the denial names the list and is its own rule', () => {
    const [d] = remoteUrlFindings(
      'https://legacy.corp.example.com',
      false,
      undefined,
      lists,
    ).denials;
    assert.equal(d?.rule, 'remote-url.host-list');
    assert.match(
      d === undefined ? '' : renderMessage(d),
      /denied host list \(legacy\.corp\.example\.com\)/,
    );
    const [n] = remoteUrlFindings('https://other.example.com', false, undefined, lists).denials;
    assert.match(
      n === undefined ? '' : renderMessage(n),
      /not on the operator's allowed host list/,
    );
  });

  test('no lists, no change', () => {
    assert.deepEqual(remoteUrlFindings('https://other.example.com', false).denials, []);
  });
});
