// A realistic stream for the `check` benchmark: N MCPServerEntries spread over namespaces, each
// namespace with its group, auth config, CA ConfigMap and header Secret, in one multi-document
// YAML file the way `kustomize build` or `helm template` would emit it. Deterministic.
export interface GeneratedStream {
  readonly text: string;
  readonly entries: number;
  readonly documents: number;
}

export function generateStream(entries: number, namespaces = 50): GeneratedStream {
  const docs: string[] = [];
  for (let n = 0; n < namespaces; n++) {
    const ns = `team-${n}`;
    docs.push(
      `apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPGroup\nmetadata:\n  name: tools\n  namespace: ${ns}\nspec:\n  description: Remote tools\nstatus:\n  phase: Ready\n`,
      `apiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPExternalAuthConfig\nmetadata:\n  name: exchange\n  namespace: ${ns}\nspec:\n  type: tokenExchange\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: corp-ca\n  namespace: ${ns}\ndata:\n  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    placeholder\n    -----END CERTIFICATE-----\n`,
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\n  namespace: ${ns}\ntype: Opaque\nstringData:\n  token: not-a-real-token\n`,
    );
  }
  for (let i = 0; i < entries; i++) {
    const ns = `team-${i % namespaces}`;
    // Four shapes in rotation, so every rule family runs: plain, auth + CA, headers, private.
    let spec = `  remoteUrl: https://mcp-${i}.example.com/v1/mcp\n  transport: ${i % 2 === 0 ? 'streamable-http' : 'sse'}\n  groupRef:\n    name: tools\n`;
    switch (i % 4) {
      case 1:
        spec += `  externalAuthConfigRef:\n    name: exchange\n  caBundleRef:\n    configMapRef:\n      name: corp-ca\n      key: ca.crt\n`;
        break;
      case 2:
        spec += `  headerForward:\n    addPlaintextHeaders:\n      X-Tenant: "${ns}"\n    addHeadersFromSecret:\n      - headerName: Authorization\n        valueSecretRef:\n          name: api\n          key: token\n`;
        break;
      case 3:
        spec = spec.replace(`mcp-${i}.example.com`, `10.${i % 250}.0.${(i >> 8) % 250}:8443`);
        spec += '  allowPrivateEndpoint: true\n';
        break;
    }
    docs.push(
      `# entry ${i}\napiVersion: toolhive.stacklok.dev/v1beta1\nkind: MCPServerEntry\nmetadata:\n  name: entry-${i}\n  namespace: ${ns}\n  labels:\n    app.kubernetes.io/part-of: bench\nspec:\n${spec}`,
    );
  }
  return { text: `${docs.join('---\n')}`, entries, documents: docs.length };
}
