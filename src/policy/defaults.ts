// Defaulting, controller-runtime style: build the defaulted object, then let diffToPatch say
// what changed. The patch can then never disagree with the object it came from.
import { diffToPatch, setOwn } from './json-patch.ts';
import type { JsonPatchOperation } from '../model/verdict.ts';
import { isRecord } from '../json-object.ts';
import type { JsonSchema } from '../crd/convert.ts';
import { specFieldDefault } from '../crd/schema-defaults.ts';

/** ToolHive's controller reads this key when `configMapRef.key` is not given. */
export const defaultCaBundleKey = 'ca.crt';

/**
 * The object with the defaults applied; `object` is never changed. Copied on write: the
 * containers on the way to a defaulted field are new, everything else is shared with `object`
 * (which comes back itself when there is nothing to default), so diffToPatch only walks what
 * changed. `schema` is the served
 * version's schema: `allowPrivateEndpoint` gets the default that schema declares (the CRD is the
 * one source: our v1beta1 declares false, our v1alpha1 has no such field; ToolHive's own CRD
 * declares false on both), so the webhook also defaults it where the installed CRD lacks the
 * default. `transport` is never defaulted: an entry points at a server its author does not
 * control, so ToolHive requires the transport to be stated rather than guessed.
 */
export function defaultedEntry(object: unknown, schema: JsonSchema | undefined): unknown {
  if (!isRecord(object)) return object;
  const spec = Object.hasOwn(object, 'spec') ? object['spec'] : undefined;
  if (!isRecord(spec)) return object;
  let newSpec: Record<string, unknown> | undefined;

  // Kubernetes prunes a null in a non-nullable field before applying the schema default, so
  // `allowPrivateEndpoint: null` (YAML `allowPrivateEndpoint:`) ends up false too.
  const allowPrivateDefault = specFieldDefault(schema, 'allowPrivateEndpoint');
  if (typeof allowPrivateDefault === 'boolean') {
    const current = Object.hasOwn(spec, 'allowPrivateEndpoint')
      ? spec['allowPrivateEndpoint']
      : undefined;
    if (current === undefined || current === null) {
      newSpec = shallowCopy(spec);
      setOwn(newSpec, 'allowPrivateEndpoint', allowPrivateDefault);
    }
  }

  // Only an absent key is defaulted; an empty or mistyped one is the schema's to report.
  const caBundleRef = Object.hasOwn(spec, 'caBundleRef') ? spec['caBundleRef'] : undefined;
  if (isRecord(caBundleRef) && Object.hasOwn(caBundleRef, 'configMapRef')) {
    const configMapRef = caBundleRef['configMapRef'];
    if (isRecord(configMapRef) && !Object.hasOwn(configMapRef, 'key')) {
      const newConfigMapRef = shallowCopy(configMapRef);
      setOwn(newConfigMapRef, 'key', defaultCaBundleKey);
      const newCaBundleRef = shallowCopy(caBundleRef);
      setOwn(newCaBundleRef, 'configMapRef', newConfigMapRef);
      newSpec ??= shallowCopy(spec);
      setOwn(newSpec, 'caBundleRef', newCaBundleRef);
    }
  }
  if (newSpec === undefined) return object;
  const copy = shallowCopy(object);
  setOwn(copy, 'spec', newSpec);
  return copy;
}

/** A shallow copy; every key an own data property, `__proto__` included. */
function shallowCopy(value: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === '__proto__') setOwn(copy, key, value[key]);
    else copy[key] = value[key];
  }
  return copy;
}

/** The JSON Patch that turns `object` into `defaultedEntry(object, schema)`; empty if none. */
export function defaultingPatch(
  object: unknown,
  schema: JsonSchema | undefined,
): JsonPatchOperation[] {
  return diffToPatch(object, defaultedEntry(object, schema));
}
