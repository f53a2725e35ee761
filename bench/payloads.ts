// AdmissionReview bodies shaped the way kube-apiserver sends them for MCPServerEntry writes made
// with `kubectl apply`: the object carries managedFields and the last-applied-configuration
// annotation (which is why a small entry is about 3 KB on the wire), and the request carries
// userInfo, resource/requestKind and options. References resolve against
// test/fixtures/objects/neighbours.yaml (namespace `default`).
import { randomUUID } from 'node:crypto';

export type Json = Record<string, unknown>;

export type ScenarioName = 'create-allowed' | 'update-allowed' | 'create-denied' | 'create-large';

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  readonly path: '/validate';
  readonly expectAllowed: boolean;
  /** For denied scenarios: how many findings the answer must carry. */
  readonly expectFindings: number;
  /** The review as an object, with a fresh uid. */
  review(uid?: string): Json;
}

const group = 'toolhive.stacklok.dev';
const version = 'v1beta1';
const namespace = 'default';

/** What `kubectl apply` stores: the applied manifest, compact JSON, newline-terminated. */
function lastApplied(name: string, spec: Json, labels: Json): string {
  return `${JSON.stringify({
    apiVersion: `${group}/${version}`,
    kind: 'MCPServerEntry',
    metadata: { annotations: {}, labels, name, namespace },
    spec,
  })}\n`;
}

/** managedFields as the API server writes them: one entry per manager, fieldsV1 as a field set. */
function managedFields(spec: Json, updatedByController: boolean): Json[] {
  const fieldSet = (value: unknown): Json => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
    const out: Json = {};
    for (const [k, v] of Object.entries(value as Json)) out[`f:${k}`] = fieldSet(v);
    return out;
  };
  const fields: Json[] = [
    {
      manager: 'kubectl-client-side-apply',
      operation: 'Update',
      apiVersion: `${group}/${version}`,
      time: '2026-11-20T09:14:02Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': {
          'f:annotations': {
            '.': {},
            'f:kubectl.kubernetes.io/last-applied-configuration': {},
          },
          'f:labels': { '.': {}, 'f:app.kubernetes.io/name': {}, 'f:team': {} },
        },
        'f:spec': { '.': {}, ...fieldSet(spec) },
      },
    },
  ];
  if (updatedByController) {
    fields.push({
      manager: 'toolhive-operator',
      operation: 'Update',
      apiVersion: `${group}/${version}`,
      time: '2026-11-20T09:14:03Z',
      fieldsType: 'FieldsV1',
      subresource: 'status',
      fieldsV1: {
        'f:status': {
          '.': {},
          'f:conditions': {},
          'f:observedGeneration': {},
          'f:phase': {},
        },
      },
    });
  }
  return fields;
}

function entryObject(
  name: string,
  spec: Json,
  opts: { stored: boolean; generation?: number; resourceVersion?: string },
): Json {
  const labels = { 'app.kubernetes.io/name': name, team: 'platform-tools' };
  const metadata: Json = {
    name,
    namespace,
    labels,
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': lastApplied(name, spec, labels),
    },
    managedFields: managedFields(spec, opts.stored),
    creationTimestamp: '2026-11-20T09:14:02Z',
    generation: opts.generation ?? 1,
    uid: '5f0c9a8e-2d3b-4e8a-9f61-0b7d3c2a1e44',
  };
  if (opts.resourceVersion !== undefined) metadata['resourceVersion'] = opts.resourceVersion;
  const object: Json = {
    apiVersion: `${group}/${version}`,
    kind: 'MCPServerEntry',
    metadata,
    spec,
  };
  if (opts.stored) {
    object['status'] = {
      observedGeneration: 1,
      phase: 'Ready',
      conditions: [
        {
          type: 'RemoteURLValidated',
          status: 'True',
          reason: 'Valid',
          message: 'remoteUrl passed validation',
          lastTransitionTime: '2026-11-20T09:14:03Z',
          observedGeneration: 1,
        },
        {
          type: 'GroupRefValidated',
          status: 'True',
          reason: 'GroupReady',
          message: 'MCPGroup engineering is Ready',
          lastTransitionTime: '2026-11-20T09:14:03Z',
          observedGeneration: 1,
        },
      ],
    };
  }
  return object;
}

function admissionReview(
  uid: string,
  operation: 'CREATE' | 'UPDATE',
  name: string,
  object: Json,
  oldObject: Json | null,
): Json {
  const gvk = { group, version, kind: 'MCPServerEntry' };
  const gvr = { group, version, resource: 'mcpserverentries' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      name,
      namespace,
      operation,
      userInfo: {
        username: 'alice@example.com',
        uid: 'oidc:7d1f0c2e-93a4-4b57-8e0f-2c6a9b1d5e30',
        groups: ['platform-engineers', 'system:authenticated'],
        extra: { 'authentication.kubernetes.io/credential-id': ['JTI=4b9e2c71-0f3a-4d8e-b6a5'] },
      },
      object,
      oldObject,
      dryRun: false,
      options: {
        apiVersion: 'meta.k8s.io/v1',
        kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions',
        fieldManager: 'kubectl-client-side-apply',
        fieldValidation: 'Strict',
      },
    },
  };
}

/** A typical entry: every reference kind the fixtures can answer, all of them valid. */
const allowedSpec: Json = {
  remoteUrl: 'https://mcp.weather.example.com/v1/mcp',
  transport: 'streamable-http',
  groupRef: { name: 'engineering' },
  externalAuthConfigRef: { name: 'exchange' },
  caBundleRef: { configMapRef: { name: 'internal-ca', key: 'ca.crt' } },
  headerForward: {
    addPlaintextHeaders: { 'X-Tenant-ID': 'tenant-123', 'X-Request-Source': 'toolhive' },
    addHeadersFromSecret: [
      { headerName: 'X-API-Key', valueSecretRef: { name: 'search-api', key: 'api-key' } },
    ],
  },
};

/**
 * Five findings from four rule families: schema (transport), remoteUrl (metadata endpoint),
 * headers (a hop-by-hop header), references (a missing group, an unsupported auth type).
 */
const deniedSpec: Json = {
  remoteUrl: 'https://metadata.google.internal/computeMetadata/v1/',
  transport: 'grpc',
  groupRef: { name: 'nope' },
  externalAuthConfigRef: { name: 'bearer' },
  headerForward: { addPlaintextHeaders: { 'Transfer-Encoding': 'chunked', 'X-Tenant-ID': 't-1' } },
};

/** 200 forwarded headers: the largest headerForward anyone plausibly writes. */
function largeSpec(): Json {
  const plaintext: Record<string, string> = {};
  for (let i = 0; i < 200; i++)
    plaintext[`X-Custom-Header-${String(i).padStart(3, '0')}`] = `value-${i}-${'v'.repeat(24)}`;
  return { ...allowedSpec, headerForward: { addPlaintextHeaders: plaintext } };
}

const large = largeSpec();
const updatedSpec: Json = { ...allowedSpec, remoteUrl: 'https://mcp.weather.example.com/v2/mcp' };

export const scenarios: readonly Scenario[] = [
  {
    name: 'create-allowed',
    description: 'CREATE, kubectl apply, 4 references, allowed (~3 KB)',
    path: '/validate',
    expectAllowed: true,
    expectFindings: 0,
    review: (uid = randomUUID()) =>
      admissionReview(
        uid,
        'CREATE',
        'weather',
        entryObject('weather', allowedSpec, { stored: false }),
        null,
      ),
  },
  {
    name: 'update-allowed',
    description: 'UPDATE with oldObject, remoteUrl changed, allowed',
    path: '/validate',
    expectAllowed: true,
    expectFindings: 0,
    review: (uid = randomUUID()) =>
      admissionReview(
        uid,
        'UPDATE',
        'weather',
        entryObject('weather', updatedSpec, {
          stored: true,
          generation: 2,
          resourceVersion: '48213',
        }),
        entryObject('weather', allowedSpec, { stored: true, resourceVersion: '48213' }),
      ),
  },
  {
    name: 'create-denied',
    description: 'CREATE denied with 5 findings',
    path: '/validate',
    expectAllowed: false,
    expectFindings: 5,
    review: (uid = randomUUID()) =>
      admissionReview(
        uid,
        'CREATE',
        'metadata-probe',
        entryObject('metadata-probe', deniedSpec, { stored: false }),
        null,
      ),
  },
  {
    name: 'create-large',
    description: 'CREATE with 200 forwarded headers, allowed',
    path: '/validate',
    expectAllowed: true,
    expectFindings: 0,
    review: (uid = randomUUID()) =>
      admissionReview(
        uid,
        'CREATE',
        'many-headers',
        entryObject('many-headers', large, { stored: false }),
        null,
      ),
  },
];

export function scenarioByName(name: string): Scenario {
  const found = scenarios.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no scenario ${name}`);
  return found;
}

/** The objects the payloads reference, for servers started with --objects. */
export const fixtureObjectsDir = new URL('../test/fixtures/objects/', import.meta.url).pathname;
