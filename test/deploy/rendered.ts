// Test-side access to rendered manifests: render an overlay (or a throwaway kustomization
// that composes overlays and components, as a user would), then find objects by kind/name.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { deployPath, renderKustomization, type KubeObject } from '../../deploy/kustomize-render.ts';
import {
  isWebhookConfiguration,
  type WebhookConfiguration,
} from '../../deploy/webhook-client-config.ts';

export function renderOverlay(relativeToDeploy: string): KubeObject[] {
  return renderKustomization(deployPath(relativeToDeploy));
}

/** Renders `resources` plus `components` (paths relative to deploy/) from a temporary kustomization. */
export function renderComposition(resources: string[], components: string[]): KubeObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'mcpentry-kustomize-'));
  try {
    // kustomize refuses absolute paths, so point at deploy/ relatively from the temp dir.
    const rel = (p: string): string => relative(dir, deployPath(p));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: resources.map(rel),
        components: components.map(rel),
      }),
    );
    return renderKustomization(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function findObject(
  objects: readonly KubeObject[],
  kind: string,
  name?: string,
): KubeObject {
  const found = objects.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (found.length !== 1) {
    throw new Error(
      `expected one ${kind}${name === undefined ? '' : ` ${name}`}, found ${found.length}`,
    );
  }
  return found[0] as KubeObject;
}

export function webhookConfiguration(
  objects: readonly KubeObject[],
  kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration',
): WebhookConfiguration {
  const object = findObject(objects, kind);
  if (!isWebhookConfiguration(object)) throw new Error(`${kind} has no webhooks list`);
  return object;
}

// The Deployment fields the tests read. Rendered YAML is trusted to have this shape because
// the e2e tier applies the same objects to a real API server, which validates them fully.
export interface Probe {
  httpGet?: { scheme?: string; path?: string; port?: number | string };
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface ContainerSecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  seccompProfile?: { type?: string };
  capabilities?: { drop?: string[]; add?: string[] };
}

export interface Container {
  name: string;
  image?: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: ContainerSecurityContext;
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: ContainerSecurityContext & { fsGroup?: number };
  topologySpreadConstraints?: { topologyKey: string; whenUnsatisfiable: string; maxSkew: number }[];
  affinity?: { podAntiAffinity?: Record<string, unknown> };
  containers: Container[];
  initContainers?: Container[];
  volumes?: {
    name: string;
    secret?: { secretName: string };
    emptyDir?: object;
    hostPath?: object;
  }[];
}

export interface DeploymentShape extends KubeObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

export function deploymentOf(objects: readonly KubeObject[]): DeploymentShape {
  return findObject(objects, 'Deployment') as DeploymentShape;
}

export function webhookContainer(deployment: DeploymentShape): Container {
  const container = deployment.spec.template.spec.containers.find((c) => c.name === 'webhook');
  if (container === undefined) throw new Error('no webhook container');
  return container;
}

/** The value following `flag` in the container args. */
export function argValue(container: Container, flag: string): string | undefined {
  const args = container.args ?? [];
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

/**
 * Every install overlay (those that render the Deployment and, through components/namespace,
 * the Namespace), by name. The base alone has no Namespace and no certificate source.
 */
export const installOverlays = ['overlays/cert-manager', 'overlays/self-signed'] as const;
