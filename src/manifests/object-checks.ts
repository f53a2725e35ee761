// What the API server refuses about a manifest before any webhook sees it, checked offline:
// the object's identity (a misspelt kind or API group would otherwise make `check` count the
// document as "other" and pass, while `kubectl apply` fails with "no matches for kind") and its
// metadata (apimachinery's ValidateObjectMeta: name and namespace syntax, a missing name,
// label and annotation keys, values and sizes). Messages follow apimachinery's wording.
import { fieldPath, keyOf, type FieldPath } from '../model/field-path.ts';
import { finding, quoted as quote, type Finding } from '../model/findings.ts';
import { TOOLHIVE_API_GROUP } from './object-identity.ts';

/** The kinds ToolHive's CRDs define in toolhive.stacklok.dev. */
export const TOOLHIVE_KINDS: readonly string[] = [
  'EmbeddingServer',
  'MCPAuthzConfig',
  'MCPExternalAuthConfig',
  'MCPGroup',
  'MCPOIDCConfig',
  'MCPRegistry',
  'MCPRemoteProxy',
  'MCPServer',
  'MCPServerEntry',
  'MCPTelemetryConfig',
  'MCPToolConfig',
  'MCPWebhookConfig',
  'VirtualMCPCompositeToolDefinition',
  'VirtualMCPServer',
];

const ENTRY_KIND = 'MCPServerEntry';

/**
 * Findings about the document's kind and API group: a kind that toolhive.stacklok.dev does not
 * define, a group one or two typing slips from it, or an MCPServerEntry (or a near spelling)
 * under another group. Empty for documents that are plainly something else.
 */
export function identityFindings(object: Record<string, unknown>): Finding[] {
  const apiVersion = object['apiVersion'];
  const kind = object['kind'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return [];
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const rule = 'manifest.kind';
  if (group === TOOLHIVE_API_GROUP) {
    if (TOOLHIVE_KINDS.includes(kind)) return [];
    const near = nearest(kind, TOOLHIVE_KINDS);
    return [
      finding.invalid(
        fieldPath('kind'),
        kind,
        `no kind ${quote(kind)} in ${TOOLHIVE_API_GROUP}${near === undefined ? '' : `; did you mean ${quote(near)}?`}`,
        rule,
      ),
    ];
  }
  if (group !== '' && isNear(group.toLowerCase(), TOOLHIVE_API_GROUP, 3)) {
    return [
      finding.invalid(
        fieldPath('apiVersion'),
        apiVersion,
        `API group ${quote(group)} is not ${TOOLHIVE_API_GROUP}; a misspelling?`,
        'manifest.api-group',
      ),
    ];
  }
  if (kind === ENTRY_KIND || isNear(kind.toLowerCase(), ENTRY_KIND.toLowerCase(), 2)) {
    const detail =
      kind === ENTRY_KIND
        ? `${ENTRY_KIND} is served by ${TOOLHIVE_API_GROUP}, not ${quote(group === '' ? 'the core group' : group)}`
        : `kind ${quote(kind)} looks like ${quote(ENTRY_KIND)} (served by ${TOOLHIVE_API_GROUP})`;
    return [
      finding.invalid(
        fieldPath(kind === ENTRY_KIND ? 'apiVersion' : 'kind'),
        kind === ENTRY_KIND ? apiVersion : kind,
        detail,
        rule,
      ),
    ];
  }
  return [];
}

function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}

function isNear(word: string, target: string, max: number): boolean {
  return (
    word !== target &&
    Math.abs(word.length - target.length) <= max &&
    editDistance(word, target) <= max
  );
}

/** Levenshtein distance (small inputs only). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// apimachinery/pkg/util/validation, word for word where it phrases a rule.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QUALIFIED_NAME_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
/** apimachinery's TotalAnnotationSizeLimitB. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

const RULE = 'metadata';

/** The API server's ObjectMeta validation for a namespaced object, on create. */
export function metadataFindings(object: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  const metadata = object['metadata'];
  if (metadata === undefined || metadata === null) {
    return [
      finding.required(fieldPath('metadata', 'name'), RULE, 'name or generateName is required'),
    ];
  }
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    return [finding.invalid(fieldPath('metadata'), metadata, 'must be an object', RULE)];
  }
  const meta = metadata as Record<string, unknown>;
  const name = meta['name'];
  const generateName = meta['generateName'];
  if (name === undefined || name === null || name === '') {
    if (typeof generateName !== 'string' || generateName === '') {
      out.push(
        finding.required(fieldPath('metadata', 'name'), RULE, 'name or generateName is required'),
      );
    }
  } else if (typeof name !== 'string') {
    out.push(finding.invalid(fieldPath('metadata', 'name'), name, 'must be a string', RULE));
  } else {
    out.push(...dnsSubdomain(fieldPath('metadata', 'name'), name));
  }
  const namespace = meta['namespace'];
  if (namespace !== undefined && namespace !== null && namespace !== '') {
    if (typeof namespace !== 'string') {
      out.push(
        finding.invalid(fieldPath('metadata', 'namespace'), namespace, 'must be a string', RULE),
      );
    } else if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) {
      out.push(
        finding.invalid(
          fieldPath('metadata', 'namespace'),
          namespace,
          namespace.length > 63 ? 'must be no more than 63 characters' : DNS1123_LABEL_MESSAGE,
          RULE,
        ),
      );
    }
  }
  out.push(...labelFindings(meta['labels']));
  out.push(...annotationFindings(meta['annotations']));
  return out;
}

function dnsSubdomain(field: FieldPath, value: string): Finding[] {
  if (value.length > 253)
    return [finding.invalid(field, value, 'must be no more than 253 characters', RULE)];
  return DNS1123_SUBDOMAIN.test(value)
    ? []
    : [finding.invalid(field, value, DNS1123_SUBDOMAIN_MESSAGE, RULE)];
}

function keyField(map: string, key: string): FieldPath {
  return keyOf(fieldPath('metadata', map), key);
}

/** IsQualifiedName: `[prefix/]name`, prefix a DNS subdomain, name at most 63 characters. */
function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  let name = key;
  if (parts.length > 2) {
    return `a qualified name ${QUALIFIED_NAME_MESSAGE.replace('name part must', 'must')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`;
  }
  if (parts.length === 2) {
    const [prefix = '', rest = ''] = parts;
    if (prefix === '') return 'prefix part must be non-empty';
    if (prefix.length > 253) return 'prefix part must be no more than 253 characters';
    if (!DNS1123_SUBDOMAIN.test(prefix)) return `prefix part ${DNS1123_SUBDOMAIN_MESSAGE}`;
    name = rest;
  }
  if (name === '') return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!QUALIFIED_NAME_PART.test(name)) return QUALIFIED_NAME_MESSAGE;
  return undefined;
}

function labelFindings(labels: unknown): Finding[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) {
    return [
      finding.invalid(fieldPath('metadata', 'labels'), labels, 'must be a map of strings', RULE),
    ];
  }
  const out: Finding[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const problem = qualifiedNameProblem(key);
    if (problem !== undefined)
      out.push(finding.invalid(keyField('labels', key), key, problem, RULE));
    if (typeof value !== 'string') {
      out.push(finding.invalid(keyField('labels', key), value, 'must be a string', RULE));
    } else if (value.length > 63) {
      out.push(
        finding.invalid(keyField('labels', key), value, 'must be no more than 63 characters', RULE),
      );
    } else if (!LABEL_VALUE.test(value)) {
      out.push(finding.invalid(keyField('labels', key), value, LABEL_VALUE_MESSAGE, RULE));
    }
  }
  return out;
}

function annotationFindings(annotations: unknown): Finding[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== 'object' || Array.isArray(annotations)) {
    return [
      finding.invalid(
        fieldPath('metadata', 'annotations'),
        annotations,
        'must be a map of strings',
        RULE,
      ),
    ];
  }
  const out: Finding[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    // The API server checks annotation keys lower-cased.
    const problem = qualifiedNameProblem(key.toLowerCase());
    if (problem !== undefined)
      out.push(finding.invalid(keyField('annotations', key), key, problem, RULE));
    if (typeof value !== 'string') {
      out.push(finding.invalid(keyField('annotations', key), value, 'must be a string', RULE));
      continue;
    }
    total += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (total > MAX_ANNOTATIONS_BYTES) {
    out.push({
      path: fieldPath('metadata', 'annotations'),
      type: 'TooLong',
      detail: `may not be more than ${MAX_ANNOTATIONS_BYTES} bytes`,
      rule: RULE,
    });
  }
  return out;
}
