// The headerForward rule's cases, as tables: the unit tests (headers.test.ts) run them on the
// engine, and the ValidatingAdmissionPolicy proof (test/e2e/admission-policy.test.ts) applies
// them to a real API server with kubectl and compares the verdicts.
import type { ShownFinding as Finding } from '../support/shown-findings.ts';

export const plain = 'spec.headerForward.addPlaintextHeaders';
export const secret = 'spec.headerForward.addHeadersFromSecret';

/** `rule @ field` lines: what a case expects, independent of message wording. */
export function summary(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.rule} @ ${f.field}`);
}

export function plaintext(headers: Record<string, unknown>): unknown {
  return { addPlaintextHeaders: headers };
}

export function fromSecret(...names: unknown[]): unknown {
  return {
    addHeadersFromSecret: names.map((headerName) => ({
      headerName,
      valueSecretRef: { name: 's', key: 'k' },
    })),
  };
}

export interface Case {
  readonly name: string;
  readonly input: unknown;
  readonly denials?: readonly string[];
  readonly warnings?: readonly string[];
  /** Text each denial message must contain, in order. */
  readonly says?: readonly string[];
}

export const restrictedCanonical = [
  'Host',
  'Connection',
  'Keep-Alive',
  'Te',
  'Trailer',
  'Upgrade',
  'Http2-Settings',
  'Proxy-Authorization',
  'Proxy-Authenticate',
  'Proxy-Connection',
  'Transfer-Encoding',
  'Content-Length',
  'Forwarded',
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Proto',
  'X-Real-Ip',
];

function mixedCase(name: string): string {
  return [...name].map((c, i) => (i % 2 === 0 ? c.toLowerCase() : c.toUpperCase())).join('');
}

export const nameCases: readonly Case[] = [
  {
    name: 'empty plaintext name is denied',
    input: plaintext({ '': 'v' }),
    denials: [`headers.name @ ${plain}[]`],
    says: ['must not be empty'],
  },
  {
    name: 'empty secret headerName is denied',
    input: fromSecret(''),
    denials: [`headers.name @ ${secret}[0].headerName`],
    says: ['must not be empty'],
  },
  {
    name: 'space in a name is denied and named',
    input: plaintext({ 'X Foo': 'v' }),
    denials: [`headers.name @ ${plain}[X Foo]`],
    says: ['"X Foo": U+0020 is not allowed'],
  },
  {
    name: 'trailing colon is denied',
    input: plaintext({ 'X-Foo:': 'v' }),
    denials: [`headers.name @ ${plain}[X-Foo:]`],
    says: ['U+003A'],
  },
  {
    name: 'HTTP/2 pseudo-header is denied',
    input: plaintext({ ':authority': 'v' }),
    denials: [`headers.name @ ${plain}[:authority]`],
    says: ['U+003A'],
  },
  {
    name: 'line feed in a name is escaped in path and message',
    input: plaintext({ 'X-Foo\nX-Evil': 'v' }),
    denials: [`headers.name @ ${plain}[X-Foo\\u000AX-Evil]`],
    says: ['"X-Foo\\u000AX-Evil": U+000A is not allowed'],
  },
  {
    name: 'carriage return in a secret headerName is denied',
    input: fromSecret('X-Foo\r'),
    denials: [`headers.name @ ${secret}[0].headerName`],
    says: ['U+000D'],
  },
  {
    name: 'tab in a name is denied',
    input: plaintext({ 'X\tFoo': 'v' }),
    denials: [`headers.name @ ${plain}[X\\u0009Foo]`],
    says: ['U+0009'],
  },
  {
    name: 'NUL in a name is denied',
    input: plaintext({ 'X\u0000': 'v' }),
    denials: [`headers.name @ ${plain}[X\\u0000]`],
    says: ['U+0000'],
  },
  {
    name: 'DEL in a name is denied',
    input: plaintext({ 'X\u007f': 'v' }),
    denials: [`headers.name @ ${plain}[X\\u007F]`],
    says: ['U+007F'],
  },
  {
    name: 'Latin-1 letter is denied with its code point',
    input: plaintext({ 'X-Föo': 'v' }),
    denials: [`headers.name @ ${plain}[X-F\\u00F6o]`],
    says: ['U+00F6'],
  },
  {
    name: 'astral character is named by its full code point',
    input: plaintext({ 'X-😀': 'v' }),
    denials: [`headers.name @ ${plain}[X-\\uD83D\\uDE00]`],
    says: ['U+1F600'],
  },
  {
    name: 'right-to-left override cannot reorder the message',
    input: fromSecret('X-\u202eooF'),
    denials: [`headers.name @ ${secret}[0].headerName`],
    says: ['"X-\\u202EooF": U+202E'],
  },
  {
    name: 'double quote and backslash are escaped in the quoted name',
    input: plaintext({ 'X"\\': 'v' }),
    denials: [`headers.name @ ${plain}[X"\\]`],
    says: ['"X\\"\\\\": U+0022'],
  },
  ...['(', ')', ',', '/', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}'].map(
    (separator): Case => ({
      name: `separator ${JSON.stringify(separator)} is denied`,
      input: plaintext({ [`X${separator}Y`]: 'v' }),
      denials: [`headers.name @ ${plain}[X${separator}Y]`],
      says: [`U+${separator.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`],
    }),
  ),
  {
    name: 'every tchar punctuation mark is accepted',
    input: plaintext({ "!#$%&'*+-.^_`|~": 'v' }),
  },
  {
    name: 'digits, underscores and mixed case are accepted',
    input: fromSecret('X-Foo_Bar-123', '0'),
  },
  {
    name: 'a long name is cut in the message and path',
    input: plaintext({ ['X'.repeat(300) + ' ']: 'v' }),
    denials: [`headers.name @ ${plain}[${'X'.repeat(64)}...]`],
    says: ['U+0020'],
  },
];

export const restrictedCases: readonly Case[] = restrictedCanonical.flatMap((canonical): Case[] => [
  {
    name: `${canonical} (canonical) in plaintext is denied`,
    input: plaintext({ [canonical]: 'v' }),
    denials: [`headers.restricted @ ${plain}[${canonical}]`],
    says: [`Forbidden: "${canonical}"`],
  },
  {
    name: `${canonical} in lower case is denied`,
    input: plaintext({ [canonical.toLowerCase()]: 'v' }),
    denials: [`headers.restricted @ ${plain}[${canonical.toLowerCase()}]`],
    says: [`"${canonical}"`],
  },
  {
    name: `${canonical} in upper case from a Secret is denied`,
    input: fromSecret(canonical.toUpperCase()),
    denials: [`headers.restricted @ ${secret}[0].headerName`],
    says: [`"${canonical}"`],
  },
  {
    name: `${canonical} in mixed case from a Secret is denied`,
    input: fromSecret(mixedCase(canonical)),
    denials: [`headers.restricted @ ${secret}[0].headerName`],
  },
]);

export const restrictedNearMisses: readonly Case[] = [
  {
    name: 'near-misses of restricted names are allowed',
    input: plaintext({ 'X-Host': 'v', Hosts: 'v', 'X-Forwarded-Port': 'v', 'Content-Type': 'v' }),
  },
  {
    name: 'a restricted credential header is denied, not merely warned about',
    input: plaintext({ 'proxy-authorization': 'Basic abc' }),
    denials: [`headers.restricted @ ${plain}[proxy-authorization]`],
  },
];

export const duplicateCases: readonly Case[] = [
  {
    name: 'two spellings in the plaintext map',
    input: plaintext({ 'X-Foo': 'a', 'x-foo': 'b' }),
    denials: [`headers.duplicate @ ${plain}[x-foo]`],
    says: [`Duplicate value: "x-foo": same header as ${plain}[X-Foo]`],
  },
  {
    name: 'plaintext and Secret name the same header',
    input: {
      ...(plaintext({ 'X-Tenant': 'a' }) as object),
      ...(fromSecret('x-TENANT') as object),
    },
    denials: [`headers.duplicate @ ${secret}[0].headerName`],
    says: [`same header as ${plain}[X-Tenant]`],
  },
  {
    name: 'the same name twice from Secrets',
    input: fromSecret('X-Api-Key', 'Other', 'X-API-KEY'),
    denials: [`headers.duplicate @ ${secret}[2].headerName`],
    says: [`same header as ${secret}[0].headerName`],
  },
  {
    name: 'three copies: each later one names the first',
    input: {
      ...(plaintext({ 'X-A': '1', 'x-a': '2' }) as object),
      ...(fromSecret('X-a') as object),
    },
    denials: [`headers.duplicate @ ${plain}[x-a]`, `headers.duplicate @ ${secret}[0].headerName`],
    says: [`same header as ${plain}[X-A]`, `same header as ${plain}[X-A]`],
  },
  {
    name: 'a restricted duplicate is reported both ways',
    input: plaintext({ Host: 'a', host: 'b' }),
    denials: [
      `headers.restricted @ ${plain}[Host]`,
      `headers.restricted @ ${plain}[host]`,
      `headers.duplicate @ ${plain}[host]`,
    ],
  },
  {
    name: 'names that are not tokens are not also reported as duplicates',
    input: plaintext({ 'X Foo': 'a', 'x foo': 'b' }),
    denials: [`headers.name @ ${plain}[X Foo]`, `headers.name @ ${plain}[x foo]`],
  },
  {
    name: 'different names are not duplicates',
    input: { ...(plaintext({ 'X-A': '1' }) as object), ...(fromSecret('X-B', 'X-C') as object) },
  },
];

export const valueCases: readonly Case[] = [
  {
    name: 'CR is denied',
    input: plaintext({ 'X-A': 'a\rb' }),
    denials: [`headers.value @ ${plain}[X-A]`],
    says: ['U+000D: CR, LF and NUL allow header injection'],
  },
  {
    name: 'LF is denied',
    input: plaintext({ 'X-A': 'a\nb' }),
    denials: [`headers.value @ ${plain}[X-A]`],
    says: ['U+000A'],
  },
  {
    name: 'NUL is denied',
    input: plaintext({ 'X-A': 'a\u0000' }),
    denials: [`headers.value @ ${plain}[X-A]`],
    says: ['U+0000'],
  },
  {
    name: 'a smuggled second header is denied',
    input: plaintext({ 'X-A': 'ok\r\nX-Admin: true' }),
    denials: [`headers.value @ ${plain}[X-A]`],
  },
  {
    name: 'CR/LF is reported even when another control character comes first',
    input: plaintext({ 'X-A': '\u0001\n' }),
    denials: [`headers.value @ ${plain}[X-A]`],
    says: ['U+000A'],
  },
  {
    name: 'ESC is denied as a control character',
    input: plaintext({ 'X-A': 'a\u001b[31m' }),
    denials: [`headers.value @ ${plain}[X-A]`],
    says: ['control character U+001B'],
  },
  {
    name: 'DEL is denied as a control character',
    input: plaintext({ 'X-A': 'a\u007f' }),
    denials: [`headers.value @ ${plain}[X-A]`],
    says: ['U+007F'],
  },
  {
    name: 'vertical tab and form feed are denied',
    input: plaintext({ 'X-A': '\u000b', 'X-B': '\u000c' }),
    denials: [`headers.value @ ${plain}[X-A]`, `headers.value @ ${plain}[X-B]`],
  },
  {
    name: 'HTAB, spaces, UTF-8 and obs-text are allowed',
    input: plaintext({ 'X-A': 'a\tb c', 'X-B': 'grüße 日本', 'X-C': '\u0080\u00ff', 'X-D': '' }),
  },
  {
    name: 'a bad value and a bad name on the same entry are both reported',
    input: plaintext({ 'X A': '\n' }),
    denials: [`headers.value @ ${plain}[X A]`, `headers.name @ ${plain}[X A]`],
  },
];

export const credentialCases: readonly Case[] = [
  {
    name: 'credential names from Secrets are what we want: no warning',
    input: fromSecret('Authorization', 'X-API-Key'),
  },
  {
    name: 'a credential name with an injected value is denied, not warned',
    input: plaintext({ Authorization: 'Bearer x\r\n' }),
    denials: [`headers.value @ ${plain}[Authorization]`],
  },
  {
    name: 'an invalid credential-like name is denied, not warned',
    input: plaintext({ 'X Api-Key': 'v' }),
    denials: [`headers.name @ ${plain}[X Api-Key]`],
  },
  {
    name: 'a non-string value under a credential name is the schema’s problem',
    input: plaintext({ Authorization: 42, Cookie: null, 'X-Token': { a: 1 } }),
  },
];
