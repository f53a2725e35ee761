// The AdmissionReview (admission.k8s.io/v1) request, narrowed from untrusted JSON once, here.
// Anything that a real API server never sends is a bad request (HTTP 400), not a verdict.
import type { Operation } from '../model/review.ts';
import { isRecord } from '../json-object.ts';

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly operation: Operation;
  readonly namespace: string;
  /** `request.name`, or the object's name (deletecollection and generateName leave it empty). */
  readonly name: string;
  readonly subResource: string;
  readonly dryRun: boolean;
  readonly object: Record<string, unknown> | null;
  readonly oldObject: Record<string, unknown> | null;
}

export type DecodeResult =
  | { readonly ok: true; readonly request: AdmissionRequest }
  | { readonly ok: false; readonly message: string; readonly uid?: string };

const operations = new Set<string>(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);
/** The API server sends a UUID; anything much longer is not from it. */
const maxUidLength = 128;

/**
 * Deepest nesting an object in a review may have. No MCPServerEntry field sits deeper than
 * about a dozen levels (managedFields mirror the same shape) and the API server prunes unknown
 * fields before admission, so 100 is generous. The rules below recurse (schema checks, JSON
 * equality, patch diffs) and overflow the stack near 2,500 levels; Kubernetes' own JSON limit
 * is 10,000, so without this bound a hand-crafted review turned into a 500.
 */
export const maxObjectDepth = 100;

/**
 * Whether anything in `value` (itself at depth 1) sits deeper than `limit`. The recursion stops
 * at `limit` levels, so measuring a hostile object cannot itself overflow the stack; and it
 * allocates nothing, because it runs over every node of every review.
 */
function deeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (deeperThan(value[i], limit - 1)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (Object.hasOwn(record, key) && deeperThan(record[key], limit - 1)) return true;
  }
  return false;
}

/**
 * A received value, quoted for a message and a log line: short, and never converted through
 * its own `toString` (a parsed `{"toString":1}` makes String() throw, which was a 500).
 */
function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 64 ? `${v.slice(0, 61)}...` : v);
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function objectOrNull(v: unknown): Record<string, unknown> | null | undefined {
  if (v === undefined || v === null) return null;
  return isRecord(v) ? v : undefined;
}

export function decodeAdmissionReview(body: unknown): DecodeResult {
  if (!isRecord(body))
    return { ok: false, message: 'body must be a JSON object (an AdmissionReview)' };
  if (body['apiVersion'] !== 'admission.k8s.io/v1' || body['kind'] !== 'AdmissionReview') {
    return {
      ok: false,
      message: `expected apiVersion "admission.k8s.io/v1" and kind "AdmissionReview", got ${describeValue(body['apiVersion'])} and ${describeValue(body['kind'])}`,
    };
  }
  const req = body['request'];
  if (!isRecord(req)) return { ok: false, message: 'request is missing or not an object' };
  const uid = req['uid'];
  if (typeof uid !== 'string' || uid === '' || uid.length > maxUidLength) {
    return {
      ok: false,
      message: `request.uid must be a non-empty string of at most ${maxUidLength} characters`,
    };
  }
  const fail = (message: string): DecodeResult => ({ ok: false, message, uid });

  const kind = req['kind'];
  if (
    !isRecord(kind) ||
    typeof kind['group'] !== 'string' ||
    typeof kind['version'] !== 'string' ||
    typeof kind['kind'] !== 'string'
  ) {
    return fail('request.kind must be an object with string group, version and kind');
  }
  const operation = req['operation'];
  if (typeof operation !== 'string' || !operations.has(operation)) {
    return fail('request.operation must be one of CREATE, UPDATE, DELETE, CONNECT');
  }
  const object = objectOrNull(req['object']);
  const oldObject = objectOrNull(req['oldObject']);
  if (object === undefined) return fail('request.object must be an object or null');
  if (oldObject === undefined) return fail('request.oldObject must be an object or null');
  // Plain statements rather than loops over [label, value] tuples: this runs on every review.
  if (deeperThan(object, maxObjectDepth))
    return fail(`request.object nests deeper than ${maxObjectDepth} levels`);
  if (deeperThan(oldObject, maxObjectDepth))
    return fail(`request.oldObject nests deeper than ${maxObjectDepth} levels`);
  const notString = (v: unknown): boolean => v !== undefined && typeof v !== 'string';
  if (notString(req['namespace'])) return fail('request.namespace must be a string');
  if (notString(req['name'])) return fail('request.name must be a string');
  if (notString(req['subResource'])) return fail('request.subResource must be a string');
  if (req['dryRun'] !== undefined && typeof req['dryRun'] !== 'boolean')
    return fail('request.dryRun must be a boolean');

  const gvk: GroupVersionKind = {
    group: kind['group'],
    version: kind['version'],
    kind: kind['kind'],
  };
  // The object must be what request.kind says it is; a mismatch means the review was forged
  // or garbled, and judging it against the wrong schema would be meaningless.
  const expected = gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
  const mismatch = (label: string, obj: Record<string, unknown> | null): string | undefined => {
    if (obj === null) return undefined;
    const apiVersion = obj['apiVersion'];
    const objKind = obj['kind'];
    if (
      (apiVersion === undefined || apiVersion === expected) &&
      (objKind === undefined || objKind === gvk.kind)
    )
      return undefined;
    return `request.${label} is ${describeValue(apiVersion)} ${describeValue(objKind)}, but request.kind says ${JSON.stringify(expected)} ${JSON.stringify(gvk.kind)}`;
  };
  const wrongKind = mismatch('object', object) ?? mismatch('oldObject', oldObject);
  if (wrongKind !== undefined) return fail(wrongKind);

  const metaName = (o: Record<string, unknown> | null): string => {
    const m = o?.['metadata'];
    const n = isRecord(m) ? m['name'] : undefined;
    return typeof n === 'string' ? n : '';
  };
  const name =
    typeof req['name'] === 'string' && req['name'] !== ''
      ? req['name']
      : metaName(object) || metaName(oldObject);

  return {
    ok: true,
    request: {
      uid,
      kind: gvk,
      operation: operation as Operation,
      namespace: typeof req['namespace'] === 'string' ? req['namespace'] : '',
      name,
      subResource: typeof req['subResource'] === 'string' ? req['subResource'] : '',
      dryRun: req['dryRun'] === true,
      object,
      oldObject,
    },
  };
}
