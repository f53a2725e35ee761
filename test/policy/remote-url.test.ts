// The remoteUrl rule, run over its table of cases (remote-url-cases.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { remoteUrlFindings as rawRemoteUrlFindings } from '../../src/policy/remote-url.ts';
import { pathOf, shownResult, type ShownFinding as Finding } from '../support/shown-findings.ts';

/** The rule's findings, rendered as users see them. */
const remoteUrlFindings = (url: unknown, allowPrivate: boolean, field?: string) =>
  shownResult(
    rawRemoteUrlFindings(url, allowPrivate, field === undefined ? undefined : pathOf(field)),
  );
import { remoteUrlTable as table } from './remote-url-cases.ts';
import { escapeInvisible } from '../../src/render/messages.ts';

// Printable as the renderer defines it (test/render/messages.test.ts pins which characters
// it escapes): a message that escaping would still change carries a raw control or invisible
// character.
function assertPrintable(message: string): void {
  assert.equal(escapeInvisible(message), message, printable(message));
}

function allFindings(url: unknown, allowPrivate: boolean): Finding[] {
  const result = remoteUrlFindings(url, allowPrivate);
  return [...result.denials, ...result.warnings];
}

function printable(text: string): string {
  return JSON.stringify(text).slice(0, 80);
}

describe('remoteUrl rule', () => {
  for (const [group, rows] of table) {
    describe(group, () => {
      for (const [url, allowPrivate, outcome, rule, why] of rows) {
        const name = `${printable(url)}${allowPrivate ? ' +allowPrivateEndpoint' : ''} → ${outcome}${rule === null ? '' : ` ${rule}`} (${why})`;
        test(name, () => {
          const { denials, warnings } = remoteUrlFindings(url, allowPrivate);
          const summary = JSON.stringify({ denials, warnings });
          switch (outcome) {
            case 'deny':
              assert.ok(denials.length > 0, `expected a denial: ${summary}`);
              assert.equal(denials[0]?.rule, `remote-url.${rule}`, summary);
              assert.equal(warnings.length, 0, summary);
              break;
            case 'warn':
              assert.equal(denials.length, 0, summary);
              assert.deepEqual(
                warnings.map((w) => w.rule),
                [`remote-url.${rule}`],
                summary,
              );
              break;
            case 'allow':
              assert.equal(denials.length, 0, summary);
              assert.equal(warnings.length, 0, summary);
              break;
          }
          for (const f of [...denials, ...warnings]) {
            assert.equal(f.field, 'spec.remoteUrl');
            assertPrintable(f.message);
            assert.ok(f.message.length < 700, `message too long: ${f.message.length}`);
          }
        });
      }
    });
  }

  test('the table is broad', () => {
    const rows = table.reduce((n, [, r]) => n + r.length, 0);
    assert.ok(rows >= 150, `only ${rows} cases`);
  });
});

describe('remoteUrl messages', () => {
  test('name the class and the fix for private addresses only', () => {
    const [priv] = remoteUrlFindings('https://10.0.0.1', false).denials;
    assert.match(priv?.message ?? '', /10\.0\.0\.1 is a private address/);
    assert.match(priv?.message ?? '', /set spec\.allowPrivateEndpoint: true/);
    const [meta] = remoteUrlFindings('https://169.254.169.254', false).denials;
    assert.match(meta?.message ?? '', /169\.254\.169\.254 is the cloud instance metadata endpoint/);
    assert.doesNotMatch(meta?.message ?? '', /allowPrivateEndpoint/);
    assert.match(meta?.message ?? '', /always refused/);
  });

  test('say what a non-canonical spelling means', () => {
    const [f] = remoteUrlFindings('http://0x7f.1', false).denials;
    assert.match(
      f?.message ?? '',
      /host "0x7f\.1" means 127\.0\.0\.1, which is a loopback address/,
    );
  });

  test('say which IPv4 address an IPv6 address carries', () => {
    const [f] = remoteUrlFindings('http://[::ffff:169.254.169.254]', true).denials;
    assert.match(f?.message ?? '', /carries IPv4 169\.254\.169\.254 \(IPv4-mapped\)/);
  });

  test('plain http warning says why', () => {
    const [w] = remoteUrlFindings('http://mcp.example.com', false).warnings;
    assert.match(
      w?.message ?? '',
      /plain http: traffic and forwarded headers are not encrypted; use https/,
    );
  });

  test('never echo a password', () => {
    for (const url of ['https://alice:s3cret-pw@example.com/x', 'https://s3cret-pw@127.0.0.1']) {
      for (const f of allFindings(url, false)) {
        assert.doesNotMatch(f.message, /s3cret-pw/);
        assert.match(f.message, /\*\*\*@/);
      }
    }
  });

  test('point the fix at the flag beside the judged field', () => {
    const { denials } = remoteUrlFindings('https://10.0.0.1', false, 'items[2].spec.remoteUrl');
    assert.equal(denials[0]?.field, 'items[2].spec.remoteUrl');
    assert.match(denials[0]?.message ?? '', /set items\[2\]\.spec\.allowPrivateEndpoint: true/);
  });

  test('cut an echoed URL to about 200 characters', () => {
    const url = `https://127.0.0.1/${'x'.repeat(3000)}`;
    const [f] = remoteUrlFindings(url, false).denials;
    assert.equal(f?.rule, 'remote-url.loopback');
    assert.ok((f?.message.length ?? 0) < 400, `length ${f?.message.length}`);
  });

  test('escape control and invisible characters in echoed URLs', () => {
    const inputs = [
      'https://a\u202eb.com',
      'https://x\u001b[31mred.com',
      'https://x.com/\u0085\u2028\u2029',
      'https://ex\u0000ample.com',
      `https://${'\u200b'.repeat(300)}`,
    ];
    for (const url of inputs) {
      const found = allFindings(url, false);
      assert.ok(found.length > 0, printable(url));
      for (const f of found) assertPrintable(f.message);
    }
  });

  test('every message from any string is free of control characters, and nothing throws', () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 80 });
    const urlish = fc
      .tuple(
        fc.constantFrom('http://', 'https://', 'HTTP://', 'http:', 'https:///', ''),
        anyText,
        fc.constantFrom('', '/', ':80', '@127.0.0.1', '.', '%2e', '\\'),
      )
      .map(([a, b, c]) => a + b + c);
    fc.assert(
      fc.property(fc.oneof(anyText, urlish), fc.boolean(), (url, allowPrivate) => {
        for (const f of allFindings(url, allowPrivate)) {
          assertPrintable(f.message);
          assert.ok(f.rule.startsWith('remote-url.'));
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('remoteUrl input types', () => {
  test('a non-string value has no findings: the schema reports its type', () => {
    for (const value of [undefined, null, 42, true, {}, ['https://127.0.0.1'], { href: 'x' }]) {
      assert.deepEqual(remoteUrlFindings(value, false), { denials: [], warnings: [] });
    }
  });
});

// The facts in ../shared/reference/README.md list what ToolHive's operator refuses; every one
// of them must be refused here too, so this rule is never weaker than the operator's.
describe("stronger than ToolHive's operator", () => {
  const readme = readFileSync(
    new URL('../../../shared/reference/README.md', import.meta.url),
    'utf8',
  );
  const line = readme.split('\n').find((l) => l.includes("ToolHive's operator checks `remoteUrl`"));
  assert.ok(line !== undefined, 'README line about the operator check');
  const always = line.slice(line.indexOf('always refused:'), line.indexOf('refused unless'));
  const conditional = line.slice(line.indexOf('refused unless'), line.indexOf('It parses'));

  const cidrs = (text: string): string[] => text.match(/[0-9a-f:.]+\/\d+/g) ?? [];
  const quotedNames = (text: string): string[] =>
    [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '').filter((n) => !n.startsWith('spec.'));

  test('the README yields the lists', () => {
    assert.ok(cidrs(always).length >= 6 && quotedNames(always).length >= 5);
    assert.ok(cidrs(conditional).length >= 4 && quotedNames(conditional).length >= 1);
  });

  const urlsFor = (cidr: string): string[] => {
    const [base = '', bits = '0'] = cidr.split('/');
    if (!base.includes(':')) {
      const n = base.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
      const last = n + 2 ** (32 - Number(bits)) - 1;
      const dotted = (v: number) =>
        [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
      return [`https://${dotted(n)}`, `https://${dotted(last)}`];
    }
    const first = ipv6ToBigInt(base);
    const last = first | ((1n << BigInt(128 - Number(bits))) - 1n);
    return [`https://[${bigIntToIPv6(first)}]`, `https://[${bigIntToIPv6(last)}]`];
  };

  test('always-refused addresses and names are refused even with allowPrivateEndpoint', () => {
    const urls = [
      ...cidrs(always).flatMap(urlsFor),
      ...quotedNames(always).flatMap((n) => [`https://${n}`, `https://sub.${n}`]),
    ];
    for (const url of urls) {
      assert.ok(remoteUrlFindings(url, true).denials.length > 0, `${url} must be refused`);
    }
  });

  test('private addresses and names are refused without the flag and allowed with it', () => {
    const urls = [
      ...cidrs(conditional).flatMap(urlsFor),
      ...quotedNames(conditional).flatMap((n) => [`https://${n}`, `https://svc.ns.svc.${n}`]),
    ];
    for (const url of urls) {
      assert.ok(remoteUrlFindings(url, false).denials.length > 0, `${url} must be refused`);
      assert.deepEqual(remoteUrlFindings(url, true).denials, [], `${url} must be allowed`);
    }
  });

  test("ToolHive's example entries pass without findings", () => {
    const dir = new URL('../../../shared/reference/toolhive-examples/', import.meta.url);
    const urls = readdirSync(dir)
      .flatMap((file) => readFileSync(new URL(file, dir), 'utf8').split('\n'))
      .map((l) => /^\s*remoteUrl:\s*(\S+)/.exec(l)?.[1])
      .filter((u): u is string => u !== undefined);
    assert.ok(urls.length >= 3);
    for (const url of urls) assert.deepEqual(allFindings(url, false), [], url);
  });
});

function ipv6ToBigInt(text: string): bigint {
  const [head = '', tail = ''] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = text.includes('::')
    ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
    : h;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function bigIntToIPv6(value: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(16 * i)) & 0xffffn).toString(16));
  return groups.join(':');
}
