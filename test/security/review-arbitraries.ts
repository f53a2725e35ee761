// Generators of hostile and broken AdmissionReviews for the property tests: entries built from
// pools of good and bad field values, whole reviews with wrong shapes anywhere, and random
// mutations (delete, replace, add) at random paths of a well-formed review.
import fc from 'fast-check';
import { entry, review, type Json } from '../support/reviews.ts';

/** Seeds are fixed so `npm test` is deterministic; fast-check prints a failing seed and path. */
export const propertySeeds = { inProcess: 0x5eed_0009, https: 0x5eed_0109 } as const;

/** Keys that prototype-pollution payloads and naive `obj[key]` lookups trip over. */
export const trickyKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
] as const;

/**
 * Builds an object through JSON.parse so that a `__proto__` key becomes an own property, as it
 * does when a request body is parsed, instead of changing the literal's prototype.
 */
export function parsedObject(entries: readonly (readonly [string, unknown])[]): Json {
  const text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
  return JSON.parse(text) as Json;
}

const key = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...trickyKeys) },
);
const scalar = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 0.1),
);
/** Arbitrary JSON with tricky keys, shallow enough to stay well inside the depth bound. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((e) => parsedObject(e)),
  ),
})).value;

const headerName = fc.oneof(
  fc.constantFrom(
    'X-Tenant',
    'Authorization',
    'X-API-Key',
    'Transfer-Encoding',
    'host',
    'Bad Name',
    '',
    'x-tenant',
    ...trickyKeys,
  ),
  fc.string({ maxLength: 10 }),
);
const headerValue = fc.oneof(
  fc.constantFrom('blue', 'a\r\nInjected: 1', 'nul\u0000byte', ''),
  fc.string({ maxLength: 20 }),
  scalar,
);

/** Each spec field drawn from values that pass, values that fail, and wrong types. */
export const specFields = {
  remoteUrl: fc.oneof(
    fc.constantFrom(
      'https://mcp.example.com/mcp',
      'http://mcp.example.com/',
      'http://169.254.169.254/latest/meta-data/',
      'https://10.0.0.1/',
      'https://user:pass@mcp.example.com/',
      'https://0x7f.1/',
      'https://[::ffff:127.0.0.1]/',
      'ftp://mcp.example.com/',
      'https://mcp.example.com\\@127.0.0.1/',
      'https://ｍｃｐ.example.com/',
      '',
    ),
    fc.webUrl(),
    scalar,
  ),
  transport: fc.oneof(fc.constantFrom('sse', 'streamable-http', 'grpc', 'SSE', ''), scalar),
  groupRef: fc.oneof(
    fc.constantFrom({ name: 'engineering' }, { name: 'staging' }, { name: 'nope' }, {}),
    hostileJson,
  ),
  externalAuthConfigRef: fc.oneof(
    fc.constantFrom({ name: 'exchange' }, { name: 'bearer' }, { name: 'missing' }),
    hostileJson,
  ),
  caBundleRef: fc.oneof(
    fc.constantFrom(
      { configMapRef: { name: 'internal-ca' } },
      { configMapRef: { name: 'internal-ca', key: 'other' } },
      { configMapRef: { name: 'nope', key: 'ca.crt', optional: true } },
    ),
    hostileJson,
  ),
  allowPrivateEndpoint: fc.oneof(fc.boolean(), scalar),
  headerForward: fc.oneof(
    fc.record(
      {
        addPlaintextHeaders: fc
          .array(fc.tuple(headerName, headerValue), { maxLength: 4 })
          .map((e) => parsedObject(e)),
        addHeadersFromSecret: fc.array(
          fc.record({
            headerName,
            valueSecretRef: fc.oneof(
              fc.constantFrom(
                { name: 'search-api', key: 'api-key' },
                { name: 'search-api', key: 'other' },
                { name: 'nope', key: 'api-key' },
              ),
              hostileJson,
            ),
          }),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    ),
    hostileJson,
  ),
};

export const arbitrarySpec: fc.Arbitrary<Json> = fc.record(specFields, { requiredKeys: [] });

export const arbitraryEntry: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(arbitrarySpec, fc.constantFrom('v1alpha1', 'v1beta1'))
      .map(([spec, version]) => entry(spec, { version })),
  },
  { weight: 1, arbitrary: hostileJson },
);

const operation = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom<'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT'>(
      'CREATE',
      'UPDATE',
      'DELETE',
      'CONNECT',
    ),
  },
  { weight: 1, arbitrary: fc.constant('create' as never) },
);

/** A review as the API server would shape it, around any entry (well-formed or not). */
export const arbitraryReview: fc.Arbitrary<Json> = fc
  .tuple(operation, arbitraryEntry, fc.option(arbitraryEntry, { nil: null }))
  .map(([op, object, old]) => {
    const isRecord = (v: unknown): v is Json =>
      v !== null && typeof v === 'object' && !Array.isArray(v);
    const built = review(op, isRecord(object) ? object : null, isRecord(old) ? old : null);
    const request = built['request'] as Json;
    if (!isRecord(object)) request['object'] = object;
    if (!isRecord(old) && old !== null) request['oldObject'] = old;
    return built;
  });

interface Mutation {
  readonly steps: readonly number[];
  readonly action: 'delete' | 'replace' | 'add';
  readonly key: string;
  readonly value: unknown;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  steps: fc.array(fc.nat(), { maxLength: 6 }),
  action: fc.constantFrom('delete', 'replace', 'add'),
  key: key,
  value: hostileJson,
});

/** Walks `steps` into the document (index modulo the children), then changes what it finds. */
export function applyMutation(document: unknown, m: Mutation): unknown {
  if (m.action === 'replace' && m.steps.length === 0) return m.value;
  let parent: unknown = document;
  for (const step of m.steps.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') break;
    const keys = Object.keys(parent);
    if (keys.length === 0) break;
    parent = (parent as Json)[keys[step % keys.length]!];
  }
  if (parent === null || typeof parent !== 'object') return document;
  const container = parent as Json;
  const keys = Object.keys(container);
  const target = keys.length === 0 ? undefined : keys[(m.steps.at(-1) ?? 0) % keys.length];
  if (m.action === 'add' || target === undefined) {
    Object.defineProperty(container, m.key, {
      value: m.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else if (m.action === 'delete') {
    delete container[target];
  } else {
    container[target] = m.value;
  }
  return document;
}

/** A well-formed review changed by one to four random mutations. */
export const mutatedReview: fc.Arbitrary<unknown> = fc
  .tuple(arbitraryReview, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([base, mutations]) => {
    let doc: unknown = structuredClone(base);
    for (const m of mutations) doc = applyMutation(doc, m);
    return doc;
  });

/** One change that makes an otherwise good entry denied, with the rule that must refuse it. */
export const poisons: readonly (readonly [string, Json])[] = [
  ['unsupported transport', { transport: 'grpc' }],
  ['cloud metadata address', { remoteUrl: 'http://169.254.169.254/latest/meta-data/' }],
  ['credentials in the URL', { remoteUrl: 'https://user:pass@mcp.example.com/' }],
  ['missing group', { groupRef: { name: 'nope' } }],
  [
    'restricted header',
    { headerForward: { addPlaintextHeaders: { 'Transfer-Encoding': 'chunked' } } },
  ],
  [
    'header injection',
    { headerForward: { addPlaintextHeaders: { 'X-Tenant': 'a\r\nHost: evil' } } },
  ],
  ['unusable auth type', { externalAuthConfigRef: { name: 'bearer' } }],
  [
    'missing Secret key',
    {
      headerForward: {
        addHeadersFromSecret: [
          { headerName: 'X-Key', valueSecretRef: { name: 'search-api', key: 'other' } },
        ],
      },
    },
  ],
  ['private address', { remoteUrl: 'https://10.0.0.1/', allowPrivateEndpoint: false }],
];

const labelMap = fc.dictionary(
  fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?(\/[a-z0-9]{1,10})?$/),
  fc.string({ maxLength: 30 }),
  { maxKeys: 5 },
);

/** Fields no rule reads: metadata labels, annotations, managedFields, userInfo and the uid. */
export interface UnrelatedChanges {
  readonly labels: Record<string, string> | undefined;
  readonly annotations: Record<string, string> | undefined;
  readonly managedFields: unknown[] | undefined;
  readonly userInfo: Json | undefined;
  readonly uid: string | undefined;
  readonly dryRun: boolean | undefined;
}

export const unrelatedChanges: fc.Arbitrary<UnrelatedChanges> = fc.record({
  labels: fc.option(labelMap, { nil: undefined }),
  annotations: fc.option(labelMap, { nil: undefined }),
  managedFields: fc.option(
    fc.array(
      fc.record({
        manager: fc.string({ maxLength: 12 }),
        operation: fc.constantFrom('Apply', 'Update'),
        apiVersion: fc.constantFrom('toolhive.stacklok.dev/v1beta1'),
        fieldsType: fc.constant('FieldsV1'),
        fieldsV1: hostileJson,
      }),
      { maxLength: 3 },
    ),
    { nil: undefined },
  ),
  userInfo: fc.option(
    fc.record({
      username: fc.string({ maxLength: 30 }),
      uid: fc.uuid(),
      groups: fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }),
      extra: fc.dictionary(fc.string({ maxLength: 10 }), fc.array(fc.string({ maxLength: 10 }))),
    }),
    { nil: undefined },
  ),
  uid: fc.option(fc.string({ minLength: 1, maxLength: 128 }), { nil: undefined }),
  dryRun: fc.option(fc.boolean(), { nil: undefined }),
});

export function withUnrelatedChanges(base: Json, c: UnrelatedChanges): Json {
  const copy = structuredClone(base);
  const request = copy['request'] as Json;
  const metadata = (request['object'] as Json)['metadata'] as Json;
  if (c.labels !== undefined) metadata['labels'] = c.labels;
  if (c.annotations !== undefined) metadata['annotations'] = c.annotations;
  if (c.managedFields !== undefined) metadata['managedFields'] = c.managedFields;
  if (c.userInfo !== undefined) request['userInfo'] = c.userInfo;
  if (c.uid !== undefined) request['uid'] = c.uid;
  if (c.dryRun !== undefined) request['dryRun'] = c.dryRun;
  return copy;
}
