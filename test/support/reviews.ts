// Builders for MCPServerEntry objects and AdmissionReview requests shaped as kube-apiserver
// sends them, shared by engine, server and benchmark tests.
import { randomUUID } from 'node:crypto';

export type Json = Record<string, unknown>;

export function entry(
  spec: Json = {},
  opts: { name?: string; namespace?: string; version?: string; metadata?: Json } = {},
): Json {
  return {
    apiVersion: `toolhive.stacklok.dev/${opts.version ?? 'v1beta1'}`,
    kind: 'MCPServerEntry',
    metadata: {
      name: opts.name ?? 'weather',
      namespace: opts.namespace ?? 'default',
      ...opts.metadata,
    },
    spec: {
      groupRef: { name: 'engineering' },
      remoteUrl: 'https://mcp.example.com/mcp',
      transport: 'streamable-http',
      ...spec,
    },
  };
}

export function review(
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT',
  object: Json | null,
  oldObject: Json | null = null,
  overrides: Json = {},
): Json {
  const source = object ?? oldObject;
  const apiVersion =
    typeof source?.['apiVersion'] === 'string'
      ? source['apiVersion']
      : 'toolhive.stacklok.dev/v1beta1';
  const version = apiVersion.split('/')[1] ?? 'v1beta1';
  const meta = (source?.['metadata'] ?? {}) as Json;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: { group: 'toolhive.stacklok.dev', version, kind: 'MCPServerEntry' },
      resource: { group: 'toolhive.stacklok.dev', version, resource: 'mcpserverentries' },
      requestKind: { group: 'toolhive.stacklok.dev', version, kind: 'MCPServerEntry' },
      requestResource: { group: 'toolhive.stacklok.dev', version, resource: 'mcpserverentries' },
      name: meta['name'],
      namespace: meta['namespace'] ?? 'default',
      operation,
      userInfo: {
        username: 'kubernetes-admin',
        groups: ['system:masters', 'system:authenticated'],
      },
      object,
      oldObject,
      dryRun: false,
      options: {
        apiVersion: 'meta.k8s.io/v1',
        kind: operation === 'DELETE' ? 'DeleteOptions' : 'CreateOptions',
      },
      ...overrides,
    },
  };
}
