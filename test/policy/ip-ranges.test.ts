// The address parsers and range tables under the remoteUrl rule, checked on their own so a
// wrong boundary shows up here rather than as a puzzling URL case.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIPv4, parseDottedQuad, parseIPv6 } from '../../src/ip-address.ts';
import { classifyIPv4, classifyIPv6 } from '../../src/policy/ip-ranges.ts';
import { embeddedIPv4 } from '../../src/policy/ipv4-in-ipv6.ts';

describe('parseDottedQuad', () => {
  const accepted: readonly [string, number][] = [
    ['0.0.0.0', 0],
    ['127.0.0.1', 0x7f000001],
    ['255.255.255.255', 0xffffffff],
    ['10.0.0.10', 0x0a00000a],
  ];
  for (const [text, value] of accepted) {
    test(`reads ${text}`, () => assert.equal(parseDottedQuad(text), value));
  }
  const refused = [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.04',
    '00.0.0.0',
    '256.0.0.0',
    '1.2.3.4.',
    '.1.2.3.4',
    '1..2.3',
    '0x7f.0.0.1',
    '1.2.3.a',
    '1000.0.0.0',
    '１.2.3.4',
  ];
  for (const text of refused) {
    test(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseDottedQuad(text), -1));
  }
  test('formats back', () => assert.equal(formatIPv4(0xa9fea9fe), '169.254.169.254'));
});

describe('parseIPv6', () => {
  const accepted: readonly [string, readonly number[]][] = [
    ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['fe80::', [0xfe80, 0, 0, 0, 0, 0, 0, 0]],
    ['1:2:3:4:5:6:7:8', [1, 2, 3, 4, 5, 6, 7, 8]],
    ['2001:db8::ff00:42:8329', [0x2001, 0xdb8, 0, 0, 0, 0xff00, 0x42, 0x8329]],
    ['FD00:EC2::254', [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]],
  ];
  for (const [text, words] of accepted) {
    test(`reads ${text}`, () => assert.deepEqual(parseIPv6(text), words));
  }
  const refused = [
    '',
    ':',
    ':1',
    '1:',
    '1::2::3',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '::1:2:3:4:5:6:7:8',
    '12345::',
    'g::',
    '::ffff:1.2.3.4',
    'fe80::1%eth0',
    '[::1]',
  ];
  for (const text of refused) {
    test(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseIPv6(text), null));
  }

  // Go's netip.ParseAddr reads a trailing dotted quad; CEL's ip library uses that reading.
  const dotted: readonly [string, readonly number[] | null][] = [
    ['::ffff:1.2.3.4', [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]],
    ['64:ff9b::192.0.2.33', [0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0221]],
    ['1:2:3:4:5:6:1.2.3.4', [1, 2, 3, 4, 5, 6, 0x0102, 0x0304]],
    ['::1.2.3.4', [0, 0, 0, 0, 0, 0, 0x0102, 0x0304]],
    ['1:2:3:4:5:6:7:1.2.3.4', null],
    ['::1.2.3', null],
    ['::01.2.3.4', null],
    ['::1.2.3.4:5', null],
    ['::1.2.3.4::', null],
    ['::a.2.3.4', null],
    ['1.2.3.4::', null],
  ];
  for (const [text, words] of dotted) {
    test(`with a dotted tail ${words === null ? 'refuses' : 'reads'} ${text}`, () =>
      assert.deepEqual(parseIPv6(text, true), words));
  }
});

describe('range boundaries', () => {
  // [address, expected class or null for public]
  const v4: readonly [string, string | null][] = [
    ['9.255.255.255', null],
    ['10.0.0.0', 'private'],
    ['11.0.0.0', null],
    ['100.63.255.255', null],
    ['100.64.0.0', 'special-purpose'],
    ['126.255.255.255', null],
    ['128.0.0.0', null],
    ['169.253.255.255', null],
    ['169.254.169.254', 'metadata'],
    ['169.255.0.0', null],
    ['172.16.0.0', 'private'],
    ['192.0.0.0', 'special-purpose'],
    ['192.0.1.0', null],
    ['192.167.255.255', null],
    ['192.169.0.0', null],
    ['223.255.255.255', null],
    ['224.0.0.0', 'special-purpose'],
    ['239.255.255.255', 'special-purpose'],
    ['240.0.0.0', 'special-purpose'],
    ['168.63.129.16', 'metadata'],
    ['168.63.129.17', null],
  ];
  for (const [text, kind] of v4) {
    test(`${text} is ${kind ?? 'public'}`, () => {
      assert.equal(classifyIPv4(parseDottedQuad(text))?.kind ?? null, kind);
    });
  }
  const v6: readonly [string, string | null][] = [
    ['1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'special-purpose'],
    ['2000::', null],
    ['3ffe::1', null],
    ['3fff:fff::1', 'special-purpose'],
    ['3fff:1000::1', null],
    ['fbff:ffff::1', 'special-purpose'],
    ['fc00::', 'private'],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'private'],
    ['fe00::1', 'special-purpose'],
    ['fe80::', 'link-local'],
    ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'link-local'],
    ['fec0::', 'special-purpose'],
    ['ff00::', 'special-purpose'],
    ['100::ffff:ffff:ffff:ffff', 'special-purpose'],
    ['100:0:0:1::', 'special-purpose'],
    ['2001:db7:ffff::1', null],
    ['2001:db9::1', null],
    ['::ffff:808:808', null],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::1:0:0:1', 'special-purpose'],
  ];
  for (const [text, kind] of v6) {
    test(`${text} is ${kind ?? 'public'}`, () => {
      const words = parseIPv6(text);
      assert.ok(words !== null);
      assert.equal(classifyIPv6(words)?.kind ?? null, kind);
    });
  }
});

describe('embedded IPv4', () => {
  const read = (text: string) => {
    const words = parseIPv6(text);
    assert.ok(words !== null);
    return embeddedIPv4(words)?.candidates.map((c) => [formatIPv4(c.address), c.how]) ?? null;
  };
  test('mapped, compatible, SIIT and NAT64 carry the last 32 bits', () => {
    assert.deepEqual(read('::ffff:c000:221'), [['192.0.2.33', 'IPv4-mapped']]);
    assert.deepEqual(read('::c000:221'), [['192.0.2.33', 'IPv4-compatible']]);
    assert.deepEqual(read('::ffff:0:c000:221'), [['192.0.2.33', 'IPv4-translated (SIIT)']]);
    assert.deepEqual(read('64:ff9b::c000:221'), [['192.0.2.33', 'NAT64']]);
  });
  test('local-use NAT64 yields every RFC 6052 reading (RFC 6052 section 2.4 examples)', () => {
    // 192.0.2.33 embedded per prefix length, from RFC 6052's table, moved into 64:ff9b:1::/48.
    assert.deepEqual(read('64:ff9b:1:c000:2:2100::')?.[0], ['192.0.2.33', 'local-use NAT64 /48']);
    assert.deepEqual(read('64:ff9b:1:c0:0:221::')?.[1], ['192.0.2.33', 'local-use NAT64 /56']);
    assert.deepEqual(read('64:ff9b:1:0:c0:2:2100:0')?.[2], ['192.0.2.33', 'local-use NAT64 /64']);
    assert.deepEqual(read('64:ff9b:1::c000:221')?.[3], ['192.0.2.33', 'local-use NAT64 /96']);
  });
  test('6to4 carries bits 16-47', () => {
    assert.deepEqual(read('2002:c000:221::1'), [['192.0.2.33', '6to4']]);
  });
  test('Teredo carries the server and the inverted client (RFC 4380 example)', () => {
    assert.deepEqual(read('2001:0:4136:e378:8000:63bf:3fff:fdd2'), [
      ['65.54.227.120', 'Teredo server'],
      ['192.0.2.45', 'Teredo client'],
    ]);
  });
  test('ordinary global addresses carry nothing', () => {
    assert.equal(read('2606:4700:4700::1111'), null);
    assert.equal(read('64:ff9b:2::1'), null);
  });
});
