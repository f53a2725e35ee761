// Generators for the parts of an MCPServerEntry an attacker controls: header names and keys
// from the whole RFC 9110 token alphabet plus the spellings that trip code (list indexes,
// prototype keys, control characters, brackets, names longer than a message shows), header
// values with and without CR/LF/NUL, and remoteUrl spellings that carry user information. Used
// by the property tests that compare CREATE with UPDATE and the server with the CLI.
import fc from 'fast-check';
import { entry, type Json } from '../support/reviews.ts';

/** RFC 9110 section 5.6.2 tchar, the whole alphabet a header name may use. */
export const tokenAlphabet =
  "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

const tokenChar = fc.constantFrom(...tokenAlphabet);
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 });

/** Names that looked like something else to code that compared printed paths. */
const trickyNames = fc.constantFrom(
  '0',
  '1',
  '007',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'Host',
  'HOST',
  'content-length',
  'X-Forwarded-For',
  'Authorization',
  'x-api-key',
  'X-A',
  'x-a',
);

/** Characters no token may hold, spliced into an otherwise good name. */
const badChar = fc.constantFrom(
  '\u0000',
  '\u0001',
  '\t',
  '\n',
  '\r',
  ' ',
  '"',
  '(',
  ':',
  '[',
  ']',
  '\\',
  '\u007f',
  '\u00e9',
  '\u2028',
  '\u200b',
  '\u001b',
);

const nameWithBadChar = fc
  .tuple(token, badChar, fc.string({ unit: tokenChar, maxLength: 4 }))
  .map(([a, bad, b]) => `${a}${bad}${b}`);

/** Longer than the 64 characters a message shows; the tails differ, the heads do not. */
const longName = fc
  .tuple(fc.integer({ min: 60, max: 80 }), fc.string({ unit: tokenChar, maxLength: 3 }))
  .map(([n, tail]) => `X-${'a'.repeat(n)}${tail}`);

export const headerName: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: token },
  { weight: 3, arbitrary: trickyNames },
  { weight: 2, arbitrary: nameWithBadChar },
  { weight: 1, arbitrary: longName },
  { weight: 1, arbitrary: fc.constant('') },
);

export const headerValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 16 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'a\r\nHost: 169.254.169.254',
      'x\n',
      'nul\u0000',
      'bel\u0007',
      'tab\tok',
      'caf\u00e9',
    ),
  },
);

/**
 * An object with these own properties, in order: `__proto__` becomes an own key (as JSON.parse
 * and the YAML reader make it), not a prototype. Later duplicates win, as in a Go map.
 */
export function ownRecord(pairs: readonly (readonly [string, unknown])[]): Json {
  const out: Json = {};
  for (const [k, v] of pairs)
    Object.defineProperty(out, k, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

const plaintextHeaders = fc
  .array(fc.tuple(headerName, headerValue), { maxLength: 4 })
  .map((pairs) => ownRecord(pairs));

const secretHeaders = fc.array(
  fc.record({
    headerName,
    valueSecretRef: fc.constantFrom(
      { name: 'search-api', key: 'api-key' },
      { name: 'search-api', key: 'no-such-key' },
    ),
  }),
  { maxLength: 3 },
);

/** A canary that must never appear in any output; alphanumeric, so no encoding hides it. */
export const userinfoCanary = {
  user: 'CanaryUser7q',
  password: 'CanaryPass9z',
};

const host = fc.constantFrom(
  'mcp.example.com',
  '169.254.169.254',
  '10.1.2.3',
  '127.0.0.1',
  '[::1]',
  'kubernetes.default.svc',
  '',
);

/**
 * remoteUrl spellings with user information: the variants of issue #14 class 4 (a backslash,
 * whitespace, a zero-width character, port 0 or 65536, a zone id, an empty host, ftp://, an
 * uppercase scheme, `http:` without slashes, three slashes) and their combinations.
 */
export const remoteUrlWithUserinfo: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('https://', 'http://', 'HTTPS://', 'ftp://', 'http:', 'http:///', 'https:\\\\'),
    fc.constantFrom(
      `${userinfoCanary.user}:${userinfoCanary.password}@`,
      `${userinfoCanary.user}@`,
      `:${userinfoCanary.password}@`,
      `${userinfoCanary.user}:${userinfoCanary.password}\u200b@`,
      `${userinfoCanary.user}: ${userinfoCanary.password}@`,
      `${userinfoCanary.user}:${userinfoCanary.password}\\@`,
    ),
    host,
    fc.constantFrom('', ':0', ':65536', ':443', '%25eth0'),
    fc.constantFrom('/', '/mcp', '/mcp?token=x', ' /mcp'),
  )
  .map(([scheme, userinfo, h, port, path]) => `${scheme}${userinfo}${h}${port}${path}`);

export const remoteUrl: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'https://mcp.example.com/mcp',
      'http://mcp.example.com/mcp',
      'http://169.254.169.254/latest/meta-data/',
      'https://10.1.2.3/mcp',
    ),
  },
  { weight: 5, arbitrary: remoteUrlWithUserinfo },
);

/** A spec: any subset of the fields, so required-field and empty-spec cases come up too. */
export const spec: fc.Arbitrary<Json> = fc
  .record(
    {
      remoteUrl,
      transport: fc.constantFrom('sse', 'streamable-http', 'grpc'),
      groupRef: fc.constantFrom({ name: 'engineering' }, { name: 'no-such-group' }, {}),
      allowPrivateEndpoint: fc.boolean(),
      headerForward: fc.record(
        { addPlaintextHeaders: plaintextHeaders, addHeadersFromSecret: secretHeaders },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  )
  .filter((s) => Object.keys(s).length > 0);

/** A whole entry around a generated spec (the spec replaces the default one entirely). */
export const entryWithSpec = (s: Json, version = 'v1beta1'): Json => ({
  ...entry({}, { version }),
  spec: s,
});
