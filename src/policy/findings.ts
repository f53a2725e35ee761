// A finding is one problem with one field, shaped like apimachinery's field.Error so that
// messages read the way kubectl users already know ("spec.transport: Unsupported value: ...").
import { jsonText } from '../json-object.ts';

export type FindingType =
  | 'Required'
  | 'Invalid'
  | 'NotSupported'
  | 'TooLong'
  | 'TooShort'
  | 'TooMany'
  | 'Duplicate'
  | 'Forbidden'
  | 'NotFound'
  | 'TypeInvalid'
  | 'InternalError';

export interface Finding {
  /** Kubernetes field path, e.g. `spec.headerForward.addHeadersFromSecret[0].headerName`. */
  readonly field: string;
  readonly type: FindingType;
  /** Human detail, already phrased; never contains a Secret value. */
  readonly message: string;
  /** Stable id of the rule that produced it (`schema`, `remote-url.metadata`, `reference.group`...). */
  readonly rule: string;
}

/** `field: message`, the one-line form used in deny messages and CLI output. */
export function formatFinding(f: Finding): string {
  return f.field === '' ? f.message : `${f.field}: ${f.message}`;
}

/**
 * Quote a value the way Go's %q does for ASCII text, so messages match kubectl's. A URL is
 * shown without its query and fragment: tokens travel there (`?access_token=...`), and
 * messages land in audit logs, events and CI output. No rule judges the query.
 */
export function quote(value: unknown): string {
  return JSON.stringify(
    typeof value === 'string' ? withoutUrlQuery(value) : (jsonText(value) ?? String(value)),
  );
}

function withoutUrlQuery(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  const at = text.search(/[?#]/);
  return at < 0 ? text : `${text.slice(0, at)}${text.charAt(at)}***`;
}

export const finding = {
  required: (field: string, rule: string, detail = ''): Finding => ({
    field,
    type: 'Required',
    message: detail === '' ? 'Required value' : `Required value: ${detail}`,
    rule,
  }),
  invalid: (field: string, value: unknown, detail: string, rule: string): Finding => ({
    field,
    type: 'Invalid',
    message: `Invalid value: ${quote(value)}: ${detail}`,
    rule,
  }),
  notSupported: (
    field: string,
    value: unknown,
    supported: readonly string[],
    rule: string,
  ): Finding => ({
    field,
    type: 'NotSupported',
    message: `Unsupported value: ${quote(value)}: supported values: ${supported.map((s) => quote(s)).join(', ')}`,
    rule,
  }),
  tooLong: (field: string, max: number, rule: string): Finding => ({
    field,
    type: 'TooLong',
    message: `Too long: may not be longer than ${max}`,
    rule,
  }),
  duplicate: (field: string, value: unknown, rule: string): Finding => ({
    field,
    type: 'Duplicate',
    message: `Duplicate value: ${quote(value)}`,
    rule,
  }),
  forbidden: (field: string, detail: string, rule: string): Finding => ({
    field,
    type: 'Forbidden',
    message: `Forbidden: ${detail}`,
    rule,
  }),
  notFound: (field: string, value: unknown, detail: string, rule: string): Finding => ({
    field,
    type: 'NotFound',
    message: detail === '' ? `Not found: ${quote(value)}` : `Not found: ${quote(value)}: ${detail}`,
    rule,
  }),
};
