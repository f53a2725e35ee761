// Plain scalars resolve as go-yaml v2 (sigs.k8s.io/yaml's fork) resolves them, so the CLI sees
// the same types kubectl sends to the API server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { keyString, resolvePlainScalar } from '../../src/manifests/yaml11-scalars.ts';

const cases: [text: string, kind: string, value: unknown, rule: string][] = [
  ['', 'null', null, 'empty is null'],
  ['~', 'null', null, 'tilde is null'],
  ['null', 'null', null, 'null'],
  ['NULL', 'null', null, 'upper-case null'],
  ['nUll', 'string', 'nUll', 'mixed case is not null'],
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map(
    (t): [string, string, unknown, string] => [t, 'bool', true, 'YAML 1.1 true spelling'],
  ),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map(
    (t): [string, string, unknown, string] => [t, 'bool', false, 'YAML 1.1 false spelling'],
  ),
  ['yEs', 'string', 'yEs', 'only the listed spellings are booleans'],
  ['oN', 'string', 'oN', 'only the listed spellings are booleans'],
  ['0', 'int', 0, 'zero'],
  ['42', 'int', 42, 'decimal'],
  ['-17', 'int', -17, 'negative'],
  ['+5', 'int', 5, 'explicit plus'],
  ['0755', 'int', 493, 'leading zero is octal (YAML 1.1)'],
  ['0o755', 'int', 493, '0o octal (Go base 0)'],
  ['0x1F', 'int', 31, 'hex'],
  ['-0x10', 'int', -16, 'negative hex'],
  ['0b101', 'int', 5, 'binary'],
  ['1_000', 'int', 1000, 'underscores removed'],
  ['08', 'float', 8, 'not octal, but the float pattern reads it as 8'],
  ['1.5', 'float', 1.5, 'decimal float'],
  ['1e3', 'float', 1000, 'exponent float'],
  ['.5', 'float', 0.5, 'leading dot float'],
  ['-.5', 'float', -0.5, 'signed leading dot float'],
  ['1.', 'float', 1, 'trailing dot float'],
  ['1e400', 'string', '1e400', 'overflowing float stays text'],
  ['.inf', 'float', Infinity, '.inf'],
  ['-.Inf', 'float', -Infinity, '-.Inf'],
  ['.NaN', 'float', Number.NaN, '.NaN'],
  ['1:20', 'string', '1:20', 'no base-60 numbers'],
  ['190:20:30', 'string', '190:20:30', 'no base-60 numbers'],
  ['2026-08-01', 'string', '2026-08-01', 'a timestamp stays its text'],
  ['2001-12-14t21:59:43.10-05:00', 'string', '2001-12-14t21:59:43.10-05:00', 'timestamp text'],
  ['0x', 'string', '0x', 'incomplete hex'],
  ['1.0.0', 'string', '1.0.0', 'a version string'],
  ['+', 'string', '+', 'a lone sign'],
  ['streamable-http', 'string', 'streamable-http', 'ordinary text'],
];

describe('resolvePlainScalar (go-yaml v2 rules)', () => {
  for (const [text, kind, value, rule] of cases) {
    test(`${JSON.stringify(text)} -> ${kind} ${String(value)} (${rule})`, () => {
      const resolved = resolvePlainScalar(text);
      assert.equal(resolved.kind, kind);
      assert.ok(Object.is(resolved.value, value), `got ${String(resolved.value)}`);
    });
  }

  test('integers past 2^53 resolve with their digits kept for the error message', () => {
    const resolved = resolvePlainScalar('9007199254740993');
    assert.equal(resolved.kind, 'int');
    assert.equal(Number.isSafeInteger(resolved.value), false);
    assert.ok(resolved.kind === 'int' && resolved.text === '9007199254740993');
  });
});

describe('keyString (sigs.k8s.io/yaml map-key conversion)', () => {
  const keys: [text: string, expected: string | undefined][] = [
    ['on', 'true'],
    ['no', 'false'],
    ['0x10', '16'],
    ['1.5', '1.5'],
    ['1e6', '1e+06'],
    ['123456', '123456'],
    ['0.1', '0.1'],
    ['0.00001', '1e-05'],
    ['~', undefined],
    ['name', 'name'],
  ];
  for (const [text, expected] of keys) {
    test(`key ${JSON.stringify(text)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(keyString(resolvePlainScalar(text)), expected);
    });
  }
});
