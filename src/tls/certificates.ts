// Issues the certificates the webhook, its tests and the local control plane need:
// a small CA and leaf certificates signed by it. Node's crypto can create keys but
// cannot issue X.509 certificates, so @peculiar/x509 builds and signs them.
//
// The API server verifies webhook certificates with Go's crypto/x509, which is strict:
// it ignores the Common Name, so every host name or IP must be in the SubjectAltName,
// and it checks the extended key usage. The extensions below are what Go expects.
import { randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
// Must stay before @peculiar/x509: tsyringe checks for the Reflect metadata API on load.
// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect
// metadata API; reflect-metadata is the polyfill tsyringe documents. Imported before x509.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export interface PemPair {
  readonly certPem: string;
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`). */
  readonly keyPem: string;
}

export interface CertificateAuthorityOptions {
  readonly commonName: string;
  /** Default 365. */
  readonly validityDays?: number;
}

export interface IssueCertificateOptions {
  readonly commonName: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly usage: 'server' | 'client';
  /** Subject O= entries; Kubernetes reads them as group names of a client certificate. */
  readonly organizations?: readonly string[];
  /** Default 90. */
  readonly validityDays?: number;
  /** Default: five minutes ago, so a peer whose clock is slightly behind accepts it. */
  readonly notBefore?: Date;
}

const keyAlgorithm: webcrypto.EcKeyImportParams & webcrypto.EcKeyGenParams = {
  name: 'ECDSA',
  namedCurve: 'P-256',
};
const signingAlgorithm: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const clockSkewMs = 5 * 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;
const crypto = webcrypto;

export async function createCertificateAuthority(
  opts: CertificateAuthorityOptions,
): Promise<PemPair> {
  const keys = await generateKeyPair();
  const notBefore = new Date(Date.now() - clockSkewMs);
  const subject = distinguishedName(opts.commonName, []);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject,
      issuer: subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + (opts.validityDays ?? 365) * dayMs),
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign |
            x509.KeyUsageFlags.cRLSign |
            x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

export async function issueCertificate(
  ca: PemPair,
  opts: IssueCertificateOptions,
): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKeyPem(ca.keyPem);
  const keys = await generateKeyPair();
  const notBefore = opts.notBefore ?? new Date(Date.now() - clockSkewMs);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    // ECDSA keys sign; keyEncipherment only applies to RSA key transport.
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(
      [
        opts.usage === 'server'
          ? x509.ExtendedKeyUsage.serverAuth
          : x509.ExtendedKeyUsage.clientAuth,
      ],
      false,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    await authorityKeyIdentifier(caCert),
  ];
  const altNames = subjectAltNames(opts.dnsNames ?? [], opts.ipAddresses ?? []);
  if (altNames.length > 0)
    extensions.push(new x509.SubjectAlternativeNameExtension(altNames, false));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: distinguishedName(opts.commonName, opts.organizations ?? []),
      // The issuer must be the CA's subject byte for byte, or chain building fails.
      issuer: caCert.subjectName,
      notBefore,
      notAfter: new Date(notBefore.getTime() + (opts.validityDays ?? 90) * dayMs),
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm,
      extensions,
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

// RFC 5280 4.2.1.1: the authority key identifier is the issuer's subject key identifier.
// Copy it when the CA has one (a CA from elsewhere may derive it differently), else derive.
async function authorityKeyIdentifier(caCert: x509.X509Certificate): Promise<x509.Extension> {
  const subjectKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (subjectKeyId !== null)
    return new x509.AuthorityKeyIdentifierExtension(subjectKeyId.keyId, false);
  return x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, crypto);
}

function subjectAltNames(
  dnsNames: readonly string[],
  ipAddresses: readonly string[],
): x509.JsonGeneralNames {
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
  }
  return [
    ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
}

function distinguishedName(commonName: string, organizations: readonly string[]): x509.JsonName {
  // JSON form rather than an "O=..,CN=.." string, so commas or plus signs in a name
  // cannot change its structure.
  const name: x509.JsonName = organizations.map((o) => ({ O: [o] }));
  name.push({ CN: [commonName] });
  return name;
}

// RFC 5280 4.1.2.2: a positive integer of at most 20 octets, unique per CA. 128 random
// bits with the top bit cleared keep it positive in DER.
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
}

async function exportPrivateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importPrivateKeyPem(pem: string): Promise<webcrypto.CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return crypto.subtle.importKey('pkcs8', der, keyAlgorithm, false, ['sign']);
}
