// Defaulting, controller-runtime style: build the defaulted object, then let diffToPatch say
// what changed. The patch can then never disagree with the object it came from.
import { cloneJson, diffToPatch, setOwn } from './json-patch.ts';
import type { JsonPatchOperation } from '../model/verdict.ts';
import { isRecord } from '../json-object.ts';

/**
 * Served versions that get `spec.allowPrivateEndpoint: false`. Kept as data so a version is a
 * one-line change. v1alpha1 is left out as the project's v1alpha1 API reference has no such
 * field; note that ToolHive's current CRD does declare it (default false) on v1alpha1 as well,
 * and in a cluster the API server applies that schema default before any webhook runs.
 */
export const versionsWithAllowPrivateEndpoint: ReadonlySet<string> = new Set(['v1beta1']);

/** ToolHive's controller reads this key when `configMapRef.key` is not given. */
export const defaultCaBundleKey = 'ca.crt';

/**
 * A new object with the defaults applied; `object` is never changed. `transport` is never
 * defaulted: an entry points at a server its author does not control, so ToolHive requires the
 * transport to be stated rather than guessed.
 */
export function defaultedEntry(object: unknown, version: string): unknown {
  const copy = cloneJson(object);
  if (!isRecord(copy)) return copy;
  const spec = copy['spec'];
  if (!isRecord(spec)) return copy;

  // Kubernetes prunes a null in a non-nullable field before applying the schema default, so
  // `allowPrivateEndpoint: null` (YAML `allowPrivateEndpoint:`) ends up false too.
  if (versionsWithAllowPrivateEndpoint.has(version)) {
    const current = Object.hasOwn(spec, 'allowPrivateEndpoint')
      ? spec['allowPrivateEndpoint']
      : undefined;
    if (current === undefined || current === null) setOwn(spec, 'allowPrivateEndpoint', false);
  }

  // Only an absent key is defaulted; an empty or mistyped one is the schema's to report.
  const caBundleRef = Object.hasOwn(spec, 'caBundleRef') ? spec['caBundleRef'] : undefined;
  if (isRecord(caBundleRef) && Object.hasOwn(caBundleRef, 'configMapRef')) {
    const configMapRef = caBundleRef['configMapRef'];
    if (isRecord(configMapRef) && !Object.hasOwn(configMapRef, 'key')) {
      setOwn(configMapRef, 'key', defaultCaBundleKey);
    }
  }
  return copy;
}

/** The JSON Patch that turns `object` into `defaultedEntry(object, version)`; empty if none. */
export function defaultingPatch(object: unknown, version: string): JsonPatchOperation[] {
  return diffToPatch(object, defaultedEntry(object, version));
}
