// Each Kubernetes CEL extension function, as a table of expressions that must hold (true), and
// expressions that must fail at run time the way Kubernetes' libraries fail.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isCelError } from '@bufbuild/cel';
import { compileRule } from '../../src/cel/rule-program.ts';

function evaluate(expression: string, self: unknown = null): unknown {
  const compiled = compileRule(expression);
  assert.ok(compiled.ok, `${expression} compiles: ${compiled.ok ? '' : compiled.reason}`);
  return compiled.program({ self });
}

const holds: Record<string, readonly string[]> = {
  strings: [
    "'AbC'.lowerAscii() == 'abc'",
    "'AbC'.upperAscii() == 'ABC'",
    "'  x \\t'.trim() == 'x'",
    "'a,b,c'.split(',') == ['a', 'b', 'c']",
    "'a,b,c'.split(',', 2) == ['a', 'b,c']",
    "'a,b,c'.split(',', 0) == [] && 'a,b,c'.split(',', -1) == ['a', 'b', 'c']",
    "'abc'.split('') == ['a', 'b', 'c']",
    "['a', 'b'].join('-') == 'a-b'",
    "['a', 'b'].join() == 'ab'",
    "'aXbXc'.replace('X', '-') == 'a-b-c'",
    "'aXbXc'.replace('X', '-', 1) == 'a-bXc'",
    "'hello'.indexOf('l') == 2",
    "'hello'.lastIndexOf('l') == 3",
    "'hello'.indexOf('z') == -1",
    "'hello'.substring(1, 3) == 'el'",
    "'hello'.substring(3) == 'lo'",
    "'hello'.charAt(1) == 'e'",
    "'%s has %d tools'.format(['srv', 3]) == 'srv has 3 tools'",
    "'https://x'.startsWith('https://') && 'a.b'.endsWith('.b') && 'abc'.contains('b')",
    "'abc'.matches('^a.c$')",
  ],
  lists: [
    '[1, 2, 2, 3].isSorted()',
    '![3, 1].isSorted()',
    "['a', 'b'].isSorted()",
    '[1, 2, 3].sum() == 6',
    '[1.5, 2.5].sum() == 4.0',
    '[].sum() == 0',
    '[3, 1, 2].min() == 1',
    '[3, 1, 2].max() == 3',
    "['b', 'a'].min() == 'a'",
    '[1, 2, 1].indexOf(1) == 0',
    '[1, 2, 1].lastIndexOf(1) == 2',
    '[1, 2].indexOf(9) == -1',
    '[1, 2, 3, 4].slice(1, 3) == [2, 3]',
    '[[1], [2, 3]].flatten() == [1, 2, 3]',
    '[1, 2, 3].reverse() == [3, 2, 1]',
    '[1, 2, 1].distinct() == [1, 2]',
    '[3, 1, 2].sort() == [1, 2, 3]',
  ],
  regex: [
    "'abc 123 def 45'.find('[0-9]+') == '123'",
    "'abc'.find('[0-9]+') == ''",
    "'abc 123 def 45'.findAll('[0-9]+') == ['123', '45']",
    "'a1b2c3'.findAll('[0-9]', 2) == ['1', '2']",
    "'x'.findAll('[0-9]') == []",
  ],
  urls: [
    "isURL('https://example.com:8443/mcp?a=1')",
    "!isURL('not a url')",
    "!isURL('example.com/path')",
    "isURL('/absolute/path')",
    "url('https://example.com:8443/mcp').getScheme() == 'https'",
    "url('https://example.com:8443/mcp').getHost() == 'example.com:8443'",
    "url('https://example.com:8443/mcp').getHostname() == 'example.com'",
    "url('https://example.com:8443/mcp').getPort() == '8443'",
    "url('https://example.com/mcp').getPort() == ''",
    "url('https://[::1]:80/').getHostname() == '::1'",
    "url('https://[::1]:80/').getHost() == '[::1]:80'",
    "url('https://example.com/a b').getEscapedPath() == '/a%20b'",
    "url('https://example.com/a%20b').getEscapedPath() == '/a%20b'",
    "url('https://example.com/?k=v1&k=v2&x=%20').getQuery() == {'k': ['v1', 'v2'], 'x': [' ']}",
    "url('https://example.com/') == url('https://example.com/')",
  ],
  ip: [
    "isIP('10.0.0.1') && isIP('2001:db8::1')",
    "!isIP('10.0.0.256') && !isIP('010.0.0.1') && !isIP('fe80::1%eth0') && !isIP('::ffff:1.2.3.4')",
    "ip('10.0.0.1').family() == 4 && ip('::1').family() == 6",
    "ip('127.0.0.1').isLoopback() && ip('::1').isLoopback()",
    "ip('0.0.0.0').isUnspecified() && ip('::').isUnspecified()",
    "ip('169.254.1.1').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast()",
    "ip('224.0.0.1').isLinkLocalMulticast() && ip('ff02::1').isLinkLocalMulticast()",
    "ip('8.8.8.8').isGlobalUnicast() && !ip('255.255.255.255').isGlobalUnicast()",
    "ip('2001:0db8:0:0:0:0:0:1') == ip('2001:db8::1')",
    "string(ip('2001:0db8:0:0:0:0:0:1')) == '2001:db8::1'",
    "ip.isCanonical('2001:db8::1') && !ip.isCanonical('2001:0db8::1')",
    "ip('64:ff9b::192.0.2.33') == ip('64:ff9b::c000:221') && !isIP('::1.2.3') && !isIP('::1.2.3.04')",
  ],
  cidr: [
    "isCIDR('10.0.0.0/8') && !isCIDR('10.0.0.0/33') && !isCIDR('10.0.0.0')",
    "cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))",
    "cidr('10.0.0.0/8').containsIP('10.1.2.3') && !cidr('10.0.0.0/8').containsIP('11.0.0.1')",
    "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && !cidr('10.1.0.0/16').containsCIDR('10.0.0.0/8')",
    "cidr('10.0.0.0/8').containsCIDR(cidr('10.0.0.0/8'))",
    "!cidr('10.0.0.0/8').containsIP('::1')",
    "cidr('10.1.2.3/8').ip() == ip('10.1.2.3')",
    "cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')",
    "cidr('fd00::/8').prefixLength() == 8",
    "string(cidr('fd00:0::/8')) == 'fd00::/8'",
  ],
  quantity: [
    "isQuantity('500m') && isQuantity('1.5Gi') && isQuantity('2e3') && !isQuantity('1.2.3')",
    "quantity('1') == quantity('1000m')",
    "quantity('1Gi').isGreaterThan(quantity('1G'))",
    "quantity('100m').isLessThan(quantity('1'))",
    "quantity('1k').compareTo(quantity('1000')) == 0",
    "quantity('2Ki').asInteger() == 2048",
    "quantity('1.5').isInteger() == false && quantity('1500m').asApproximateFloat() == 1.5",
    "quantity('-1').sign() == -1 && quantity('0').sign() == 0",
    "quantity('1').add(quantity('500m')) == quantity('1.5')",
    "quantity('1').add(2) == quantity('3') && quantity('1').sub(quantity('250m')) == quantity('750m')",
  ],
  'standard library the corpus uses': [
    "duration('1h') > duration('0s')",
    "timestamp('2026-01-01T00:00:00Z') < timestamp('2026-06-01T00:00:00Z')",
    "'x' in ['x', 'y'] && !('z' in {'x': 1})",
    '[1, 2, 3].all(x, x > 0) && [1, 2, 3].exists(x, x == 2) && [1, 2].exists_one(x, x == 1)',
    '[1, 2, 3].filter(x, x > 1).size() == 2 && [1, 2].map(x, x * 2) == [2, 4]',
  ],
};

describe('extension functions: expressions that hold', () => {
  for (const [library, expressions] of Object.entries(holds))
    test(library, () => {
      for (const e of expressions) assert.equal(evaluate(e), true, e);
    });
});

const failures: readonly [string, RegExp][] = [
  ["ip('not an ip')", /parse error/],
  ["ip('::ffff:1.2.3.4')", /IPv4-mapped/],
  ["cidr('10.0.0.0')", /no '\/'/],
  ["url('example.com')", /invalid URI for request/],
  ["quantity('lots')", /quantities must match/],
  ["quantity('1.5').asInteger()", /cannot convert value to integer/],
  ['[].min()', /min called on empty list/],
  ['[1, 2].slice(1, 5)', /list is length 2/],
  ["[1, 'a'].sort()", /not comparable/],
];

test('run-time errors, as the Kubernetes libraries raise them', () => {
  for (const [expression, message] of failures) {
    const result = evaluate(expression);
    assert.ok(isCelError(result), `${expression} is an error`);
    assert.match(result.message, message, expression);
  }
});

test('a regular expression with no faithful JavaScript translation is not evaluable', () => {
  const result = evaluate("'abc'.find('(?=a)')");
  assert.ok(isCelError(result));
  assert.match(String((result.cause as Error | undefined)?.message), /regular expression/);
});
