// The generated policy run by the CLI's own CEL evaluator over the project's case tables: the
// verdict equals the engine's except exactly the cases docs/admission-policy.md lists, and for
// hosts the policy can name as the engine does, the message is the engine's word for word.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluateAdmissionPolicy,
  evaluateWarningPolicy,
} from '../../src/admission-policy/evaluate.ts';
import { headerFindings } from '../../src/policy/headers.ts';
import { renderFinding as formatFinding, renderMessage } from '../../src/render/messages.ts';
import { remoteUrlFindings } from '../../src/policy/remote-url.ts';
import { hostListsFromData } from '../../src/policy/host-lists.ts';
import { documentedUncovered, engineRulesDeny, policyCases } from './policy-cases.ts';
import { hostListCases, hostListConfigMap } from './host-list-cases.ts';

describe('the generated policy, evaluated offline', () => {
  test('gives the engine verdict on every case but the documented ones', () => {
    const differing = policyCases()
      .filter((c) => {
        const denied =
          evaluateAdmissionPolicy({ object: c.object, operation: 'CREATE' }).length > 0;
        return denied !== engineRulesDeny(c);
      })
      .map((c) => c.label);
    assert.deepEqual(differing.sort(), documentedUncovered().sort());
    assert.ok(documentedUncovered().length > 0, 'the docs list was read');
  });

  test("says the engine's message for canonical addresses and plain names", () => {
    let same = 0;
    for (const c of policyCases()) {
      if (c.headerForward !== undefined) continue;
      const [engine] = remoteUrlFindings(c.remoteUrl, c.allowPrivateEndpoint).denials;
      const host = /^https?:\/\/([a-z0-9.-]+)(:\d+)?(\/|$)/.exec(c.remoteUrl)?.[1];
      if (engine === undefined || host === undefined || engine.rule === 'remote-url.syntax')
        continue;
      // Only hosts written the one way the engine names them: no ambiguous numeric spelling.
      // (the engine's "host "0x7f.1" means 127.0.0.1" needs WHATWG's number parser).
      if (renderMessage(engine).includes('" means ')) continue;
      const [policy] = evaluateAdmissionPolicy({ object: c.object, operation: 'CREATE' });
      assert.equal(policy?.message, formatFinding(engine), c.label);
      same++;
    }
    assert.ok(same >= 60, `only ${same} messages compared`);
  });

  test('headers: the field and the reason are the engine’s', () => {
    const object = {
      spec: {
        remoteUrl: 'https://mcp.example.com',
        transport: 'sse',
        groupRef: { name: 'g' },
        headerForward: { addPlaintextHeaders: { Host: 'x' } },
      },
    };
    const [failure] = evaluateAdmissionPolicy({ object, operation: 'CREATE' });
    assert.equal(
      failure?.message,
      'spec.headerForward.addPlaintextHeaders[Host]: Forbidden: "Host" is set by the proxy from remoteUrl',
    );
  });

  test("the warnings policy warns where the engine warns, with the engine's words", () => {
    let httpWarnings = 0;
    let credentialWarnings = 0;
    const differing: string[] = [];
    for (const c of policyCases()) {
      // The engine's warnings, as the webhook shows them (one line each), where it denies
      // nothing: a denied entry is never stored, whatever it would be warned about.
      if (engineRulesDeny(c)) continue;
      const url = remoteUrlFindings(c.remoteUrl, c.allowPrivateEndpoint).warnings;
      const headers = headerFindings(c.headerForward).warnings;
      const expected = [
        ...url.slice(0, 1),
        // The policy names the smallest of several credential-like names.
        ...headers.sort((a, b) => (formatFinding(a) < formatFinding(b) ? -1 : 1)).slice(0, 1),
      ].map((f) => formatFinding(f));
      const got = evaluateWarningPolicy({ object: c.object, operation: 'CREATE' }).map(
        (f) => f.message,
      );
      if (JSON.stringify(got) !== JSON.stringify(expected))
        differing.push(`${c.label}: ${JSON.stringify(got)} != ${JSON.stringify(expected)}`);
      httpWarnings += url.length;
      credentialWarnings += headers.length > 0 ? 1 : 0;
    }
    // Credential-like plaintext names (the engine's name table, suffixes and exceptions).
    const names = [
      'Authorization',
      'X-API-Key',
      'cookie',
      'Api-Key',
      'My-Token',
      'X-Secret',
      'Db-Passwd',
      'X-Jwt',
      'X-Credentials',
      'Idempotency-Key',
      'Sec-WebSocket-Key',
      'Public-Key',
      'X-Trace-Id',
      'Tokenizer',
      'Proxy-Authorization',
    ];
    const sets = [...names.map((n) => [n]), ['X-Trace-Id', 'X-Token', 'Authorization']];
    for (const set of sets) {
      const headerForward = {
        addPlaintextHeaders: Object.fromEntries(set.map((n) => [n, 'value'])),
      };
      const object = {
        spec: { remoteUrl: 'https://mcp.example.com', transport: 'sse', headerForward },
      };
      if (headerFindings(headerForward).denials.length > 0) continue;
      const engine = headerFindings(headerForward)
        .warnings.map((f) => formatFinding(f))
        .sort()
        .slice(0, 1);
      const got = evaluateWarningPolicy({ object, operation: 'CREATE' }).map((f) => f.message);
      if (JSON.stringify(got) !== JSON.stringify(engine))
        differing.push(`${set.join(',')}: ${JSON.stringify(got)} != ${JSON.stringify(engine)}`);
      credentialWarnings += engine.length;
    }
    assert.deepEqual(differing, []);
    assert.ok(httpWarnings > 3 && credentialWarnings > 8, `${httpWarnings} ${credentialWarnings}`);
  });

  test('an UPDATE that leaves remoteUrl unchanged is not judged again (ratcheting)', () => {
    const object = {
      spec: { remoteUrl: 'https://10.0.0.1', transport: 'sse', groupRef: { name: 'g' } },
    };
    assert.equal(evaluateAdmissionPolicy({ object, operation: 'CREATE' }).length, 1);
    assert.deepEqual(
      evaluateAdmissionPolicy({ object, oldObject: object, operation: 'UPDATE' }),
      [],
    );
    const changed = { spec: { ...object.spec, remoteUrl: 'https://10.0.0.2' } };
    assert.equal(
      evaluateAdmissionPolicy({ object: changed, oldObject: object, operation: 'UPDATE' }).length,
      1,
    );
  });

  test("the operator's host lists, from the ConfigMap as params, as the engine reads them", () => {
    const lists = hostListsFromData(hostListConfigMap.data);
    for (const [url, denied] of hostListCases) {
      const object = { spec: { remoteUrl: url, transport: 'sse', groupRef: { name: 'g' } } };
      const policy = evaluateAdmissionPolicy({
        object,
        operation: 'CREATE',
        params: hostListConfigMap,
      });
      const engine = remoteUrlFindings(url, false, undefined, lists).denials;
      assert.equal(policy.length > 0, denied, url);
      assert.equal(engine.length > 0, denied, url);
      if (engine[0] !== undefined) assert.equal(policy[0]?.message, formatFinding(engine[0]), url);
    }
  });
});
