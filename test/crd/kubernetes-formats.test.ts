// Format checks follow kube-openapi's strfmt (what the API server runs), quirks included.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { enforcedFormatName, kubernetesFormats } from '../../src/crd/kubernetes-formats.ts';

describe('Kubernetes formats', () => {
  test('names are normalized by dropping "-"; unsupported names are not enforced', () => {
    assert.equal(enforcedFormatName('date-time'), 'date-time');
    assert.equal(enforcedFormatName('datetime'), 'date-time');
    assert.equal(enforcedFormatName('uuid-4'), 'uuid4');
    for (const ignored of [
      'int32',
      'int64',
      'float',
      'double',
      'binary',
      'url',
      'k8s-short-name',
      'workload.tool_name',
    ]) {
      assert.equal(enforcedFormatName(ignored), undefined, ignored);
    }
  });

  const rows: [format: string, accepted: string[], refused: string[]][] = [
    ['ipv4', ['1.2.3.4', '001.002.003.004', '::ffff:1.2.3.4'], ['1.2.3', '256.0.0.1', '::1']],
    [
      'ipv6',
      ['::1', 'fe80::1', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8'],
      ['1.2.3.4', '::ffff:01.2.3.4', '1::2::3', 'fe80::1%eth0'],
    ],
    ['cidr', ['10.0.0.0/8', '010.0.0.0/08', '::/0'], ['10.0.0.0', '10.0.0.0/33', '::/129']],
    [
      'date-time',
      ['2024-01-01T00:00:00Z', '2024-01-01t00:00:00.123z', '2024-01-01T23:59:59+05:30'],
      ['2024-01-01', '2024-01-01T24:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T00:00:00'],
    ],
    ['date', ['2000-02-29'], ['1900-02-29', '2024-1-1']],
    ['duration', ['1h', '-1.5s', '3 days', '1 week'], ['', 'soon', '1 fortnight']],
    ['byte', ['aGk=', 'aGVsbG8h'], ['', 'aGk', 'a-b_']],
    [
      'uuid',
      ['123e4567e89b12d3a456426614174000', '123E4567-E89B-12D3-A456-426614174000'],
      ['123e4567-e89b-12d3-a456'],
    ],
    ['uuid4', ['123e4567-e89b-42d3-a456-426614174000'], ['123e4567-e89b-12d3-a456-426614174000']],
    [
      'mac',
      ['00:1a:2b:3c:4d:5e', '00-1A-2B-3C-4D-5E', '001a.2b3c.4d5e'],
      ['00:1a:2b:3c:4d', '001a2b3c4d5e'],
    ],
    [
      'hostname',
      ['example.com', 'localhost', 'münchen.de'],
      ['-bad.com', 'a..b', `${'a'.repeat(64)}.com`],
    ],
    [
      'uri',
      ['https://example.com/a?b=c', '/just/a/path', 'urn:/x'],
      ['example.com', 'mailto:a@b', 'http://a b/', 'http://x/%zz'],
    ],
    ['email', ['a@example.com', 'Alice <a@example.com>'], ['a', '@example.com']],
    ['isbn10', ['0-321-75104-3'], ['0321751044']],
    ['isbn13', ['978-0321751041'], ['9780321751042']],
    ['creditcard', ['4111 1111 1111 1111'], ['4111 1111 1111 1112']],
    ['ssn', ['123-45-6789'], ['123456789']],
    ['hexcolor', ['#fff', 'a0b0c0'], ['#ffff']],
    ['rgbcolor', ['rgb(0, 128, 255)'], ['rgb(256,0,0)']],
    ['bsonobjectid', ['507f1f77bcf86cd799439011'], ['507f1f77bcf86cd79943901']],
    ['password', ['', 'anything'], []],
  ];
  for (const [format, accepted, refused] of rows) {
    test(format, () => {
      const check = kubernetesFormats[format];
      assert.ok(check, format);
      for (const v of accepted)
        assert.equal(check(v), true, `${format} accepts ${JSON.stringify(v)}`);
      for (const v of refused)
        assert.equal(check(v), false, `${format} refuses ${JSON.stringify(v)}`);
    });
  }
});
