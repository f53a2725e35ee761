// A finding is one problem with one field, kept as data the way apimachinery's field.Error keeps
// Field, Type, BadValue and Detail apart. Rules build findings; only the renderer
// (src/render/messages.ts) turns them into text, so escaping and the redaction of URL
// credentials happen in one place whichever rule fired.
import type { FieldPath } from './field-path.ts';

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

/**
 * The offending value. `value` is shown quoted like Go's %q (URLs without credentials, query
 * or fragment); `name` is a header or field name, shown quoted with everything outside
 * printable ASCII escaped and cut at 64 characters; `literal` is shown as JSON (a count, a
 * list-map key).
 */
export type BadValue =
  | { readonly shown: 'value'; readonly value: unknown }
  | { readonly shown: 'name'; readonly value: string }
  | { readonly shown: 'literal'; readonly value: unknown };

export interface Finding {
  readonly path: FieldPath;
  readonly type: FindingType;
  /** Stable id of the rule that produced it (`schema`, `remote-url.metadata`, `reference.group`...). */
  readonly rule: string;
  /** The value the finding is about; absent when the message names none. */
  readonly badValue?: BadValue;
  /** What is wrong, in words; never a Secret value. */
  readonly detail: string;
  /**
   * `typed` (the default) reads like kubectl: `Invalid value: "x": detail`. `note` is the
   * detail alone, followed by the bad value if any (`unknown field "spec.x"`), for warnings and
   * findings that are not about the value.
   */
  readonly phrasing?: 'note';
  /** Denial turned into a warning because an UPDATE did not change the field. */
  readonly ratcheted?: true;
}

const value = (v: unknown): BadValue => ({ shown: 'value', value: v });

export const finding = {
  required: (path: FieldPath, rule: string, detail = ''): Finding => ({
    path,
    type: 'Required',
    detail,
    rule,
  }),
  invalid: (path: FieldPath, bad: unknown, detail: string, rule: string): Finding => ({
    path,
    type: 'Invalid',
    badValue: value(bad),
    detail,
    rule,
  }),
  /** Invalid, naming the field but, like apimachinery's omitted value, not the value. */
  invalidWithoutValue: (path: FieldPath, detail: string, rule: string): Finding => ({
    path,
    type: 'Invalid',
    detail,
    rule,
  }),
  notSupported: (
    path: FieldPath,
    bad: unknown,
    supported: readonly string[],
    rule: string,
  ): Finding => ({
    path,
    type: 'NotSupported',
    badValue: value(bad),
    detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
    rule,
  }),
  tooLong: (path: FieldPath, max: number, rule: string): Finding => ({
    path,
    type: 'TooLong',
    detail: `may not be longer than ${max}`,
    rule,
  }),
  duplicate: (path: FieldPath, bad: unknown, rule: string): Finding => ({
    path,
    type: 'Duplicate',
    badValue: value(bad),
    detail: '',
    rule,
  }),
  forbidden: (path: FieldPath, detail: string, rule: string): Finding => ({
    path,
    type: 'Forbidden',
    detail,
    rule,
  }),
  notFound: (path: FieldPath, bad: unknown, detail: string, rule: string): Finding => ({
    path,
    type: 'NotFound',
    badValue: value(bad),
    detail,
    rule,
  }),
  /** A finding whose message is its detail alone (a warning, a note about the field). */
  note: (path: FieldPath, type: FindingType, detail: string, rule: string): Finding => ({
    path,
    type,
    detail,
    rule,
    phrasing: 'note',
  }),
};

/**
 * A value the way Go's %q prints ASCII text, for details that name a value other than the bad
 * one (a group name, a namespace). The renderer escapes and redacts the message as a whole.
 */
export const quoted = (text: string): string => JSON.stringify(text);
