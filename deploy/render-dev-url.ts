// The dev-url webhook configurations with the port and caBundle filled in: the exact
// objects the e2e tests register, and what a developer registers to send a cluster's
// reviews to `npm start` on this machine.
//
//   node deploy/render-dev-url.ts --port 8443 --ca certs/generated/ca.crt | kubectl apply -f -
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  deployPath,
  parseObjects,
  renderKustomizationText,
  toYamlStream,
} from './kustomize-render.ts';
import {
  caBundleFromPem,
  excludeNamespaces,
  isWebhookConfiguration,
} from './webhook-client-config.ts';

export const devUrlPlaceholders = { port: 'DEV_URL_PORT', caBundle: 'DEV_URL_CA_BUNDLE' } as const;

export interface DevUrlOptions {
  /** Port of the HTTPS server on 127.0.0.1. */
  readonly port: number;
  /** CA certificate (PEM) that signed the server's certificate, whose SANs include 127.0.0.1. */
  readonly caBundlePem: string;
  /** Namespaces to leave out in addition to kube-system and mcpentry-webhook. */
  readonly namespaceExclusions?: readonly string[];
  /** Also register the optional delete-protection webhook (deploy/components/delete-protection). */
  readonly deleteProtection?: boolean;
}

/** Returns a YAML stream of the ValidatingWebhookConfiguration and MutatingWebhookConfiguration. */
export function renderDevUrlWebhooks(options: DevUrlOptions): string {
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new RangeError(`port must be an integer in 1..65535, got ${options.port}`);
  }
  const caBundle = caBundleFromPem(options.caBundlePem);
  const overlay = options.deleteProtection === true ? 'dev-url-delete-protection' : 'dev-url';
  const objects = parseObjects(renderKustomizationText(deployPath(`overlays/${overlay}`)));
  for (const object of objects) {
    if (!isWebhookConfiguration(object)) {
      throw new TypeError(`unexpected ${object.kind} in the dev-url overlay`);
    }
    for (const webhook of object.webhooks) {
      const { url, caBundle: placeholder } = webhook.clientConfig;
      if (
        url?.includes(devUrlPlaceholders.port) !== true ||
        placeholder !== devUrlPlaceholders.caBundle
      ) {
        throw new TypeError(`webhook ${webhook.name} lacks the dev-url placeholders`);
      }
      webhook.clientConfig = {
        url: url.replace(devUrlPlaceholders.port, String(options.port)),
        caBundle,
      };
      excludeNamespaces(webhook, options.namespaceExclusions ?? []);
    }
  }
  return toYamlStream(objects);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      ca: { type: 'string' },
      'exclude-namespace': { type: 'string', multiple: true },
      'delete-protection': { type: 'boolean' },
    },
  });
  if (values.port === undefined || values.ca === undefined) {
    process.stderr.write(
      'usage: node deploy/render-dev-url.ts --port PORT --ca CA.crt ' +
        '[--exclude-namespace NS]... [--delete-protection]\n',
    );
    process.exitCode = 2;
    return;
  }
  process.stdout.write(
    renderDevUrlWebhooks({
      port: Number(values.port),
      caBundlePem: readFileSync(values.ca, 'utf8'),
      namespaceExclusions: values['exclude-namespace'] ?? [],
      deleteProtection: values['delete-protection'] ?? false,
    }),
  );
}

if (import.meta.main) main();
