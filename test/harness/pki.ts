// Credentials of a local control plane: a CA, the API server's serving certificate, an
// admin token and the service-account signing key, written into the work dir.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from '../../src/tls/certificates.ts';

export interface ControlPlanePki {
  readonly caPem: string;
  readonly caCertPath: string;
  readonly servingCertPath: string;
  readonly servingKeyPath: string;
  readonly tokenFilePath: string;
  readonly adminToken: string;
  readonly serviceAccountKeyPath: string;
  readonly serviceAccountPublicKeyPath: string;
}

/**
 * `extraIpAddresses`: more addresses the API server is reached at (a node cluster's bridge
 * address and the `kubernetes` Service's ClusterIP).
 */
export async function writeControlPlanePki(
  dir: string,
  extraIpAddresses: readonly string[] = [],
): Promise<ControlPlanePki> {
  const ca = await createCertificateAuthority({
    commonName: 'mcpentry-webhook local control plane CA',
  });
  // Clients reach the API server as 127.0.0.1 (the kubeconfig) or localhost.
  const serving = await issueCertificate(ca, {
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1', ...extraIpAddresses],
    usage: 'server',
  });
  const adminToken = randomBytes(32).toString('hex');
  const serviceAccount = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const paths = {
    caCertPath: join(dir, 'ca.crt'),
    servingCertPath: join(dir, 'apiserver.crt'),
    servingKeyPath: join(dir, 'apiserver.key'),
    tokenFilePath: join(dir, 'tokens.csv'),
    serviceAccountKeyPath: join(dir, 'sa.key'),
    serviceAccountPublicKeyPath: join(dir, 'sa.pub'),
  };
  const secret = { mode: 0o600 } as const;
  await writeFile(paths.caCertPath, ca.certPem);
  await writeFile(paths.servingCertPath, serving.certPem);
  await writeFile(paths.servingKeyPath, serving.keyPem, secret);
  // Static token file format: token,user,uid,"group1,group2". system:masters bypasses RBAC.
  await writeFile(paths.tokenFilePath, `${adminToken},admin,admin-uid,"system:masters"\n`, secret);
  await writeFile(
    paths.serviceAccountKeyPath,
    serviceAccount.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    secret,
  );
  await writeFile(
    paths.serviceAccountPublicKeyPath,
    serviceAccount.publicKey.export({ type: 'spki', format: 'pem' }),
  );
  return { caPem: ca.certPem, adminToken, ...paths };
}
