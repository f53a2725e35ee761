// A kubeconfig for the local control plane: bearer-token admin, the CA inline.
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export function renderKubeconfig(opts: { server: string; caPem: string; token: string }): string {
  const name = 'mcpentry-local';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: opts.server,
          'certificate-authority-data': Buffer.from(opts.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: 'admin', user: { token: opts.token } }],
    contexts: [{ name, context: { cluster: name, user: 'admin', namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

export async function writeKubeconfig(
  path: string,
  opts: { server: string; caPem: string; token: string },
): Promise<void> {
  await writeFile(path, renderKubeconfig(opts), { mode: 0o600 });
}
