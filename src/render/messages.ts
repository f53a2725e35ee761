// The one place findings become text. Every edge renders through here: the AdmissionReview
// message, causes and warnings, the review log line, and each of the CLI's formats. Two
// guarantees live here and nowhere else:
//
// - No URL credential is ever shown, whichever rule fired: a shown value loses its userinfo
//   (`user:password@`), query and fragment before it is quoted, and the finished message is
//   scrubbed once more, so a spelling no URL parser accepts (a backslash, whitespace, a zero-width
//   character, port 65536, `http:` without slashes, a third slash) cannot carry a password into
//   kubectl, the audit log, a log line or a CI report.
// - Nothing a terminal would act on is printed raw: ESC, BEL, the C1 controls (CSI, OSC...),
//   DEL, line separators, bidi and zero-width characters become `\uXXXX`, so a name cannot
//   recolour, retitle or rewrite a terminal, fake a log line or reorder text.
import { plainFieldPath, type FieldPath } from '../model/field-path.ts';
import type { BadValue, Finding, FindingType } from '../model/findings.ts';
import { clip } from '../model/text.ts';
import { jsonText } from '../json-object.ts';

/** Values are cut here: a message names the value, it need not carry all of it. */
const maxShownValue = 200;
/** Header and field names are cut here (an HTTP name longer than this is already wrong). */
const maxShownName = 64;

const phrase: Record<FindingType, string> = {
  Required: 'Required value',
  Invalid: 'Invalid value',
  NotSupported: 'Unsupported value',
  TooLong: 'Too long',
  TooShort: 'Too short',
  TooMany: 'Too many',
  Duplicate: 'Duplicate value',
  Forbidden: 'Forbidden',
  NotFound: 'Not found',
  TypeInvalid: 'Invalid value',
  InternalError: 'Internal error',
};

const ratchetNote = ' (unchanged on update, so not enforced)';

/** The field as apimachinery prints it, every name and key escaped. */
export function renderFieldPath(path: FieldPath): string {
  return plainFieldPath(path, (name) => printableName(name, false));
}

/** The message of one finding, without its field: `Invalid value: "x": detail`. */
export function renderMessage(f: Finding): string {
  const shown = f.badValue === undefined ? undefined : showValue(f.badValue);
  let text: string;
  if (f.phrasing === 'note') {
    text = shown === undefined ? f.detail : `${f.detail} ${shown}`;
  } else {
    text = phrase[f.type];
    if (shown !== undefined) text += `: ${shown}`;
    if (f.detail !== '') text += `: ${f.detail}`;
  }
  if (f.ratcheted === true) text += ratchetNote;
  return escapeInvisible(scrubUserinfo(text));
}

/** `field: message`, the one-line form of deny messages, warnings and the CLI. */
export function renderFinding(f: Finding): string {
  const field = renderFieldPath(f.path);
  const message = renderMessage(f);
  return field === '' ? message : `${field}: ${message}`;
}

/** A finding as plain fields, for the machine formats (JSON, SARIF properties, causes). */
export function findingFields(f: Finding): {
  readonly field: string;
  readonly type: FindingType;
  readonly message: string;
  readonly rule: string;
} {
  return { field: renderFieldPath(f.path), type: f.type, message: renderMessage(f), rule: f.rule };
}

/** For the log line: where and which rule, never the value. */
export const findingPlace = (f: Finding): string => `${renderFieldPath(f.path)} (${f.rule})`;

/**
 * Any other text a user or an object supplied (an object's name, a file name, a parse error
 * that quotes input), made safe for a terminal and a log: credentials out, controls escaped.
 */
export function renderText(text: string): string {
  return escapeInvisible(scrubUserinfo(text));
}

function showValue(bad: BadValue): string {
  switch (bad.shown) {
    case 'name':
      return printableName(bad.value, true);
    case 'literal':
      return jsonText(bad.value) ?? String(bad.value);
    case 'value':
      if (typeof bad.value === 'string')
        return JSON.stringify(clip(shownUrl(bad.value), maxShownValue));
      return JSON.stringify(jsonText(bad.value) ?? String(bad.value));
  }
}

// -- URL credentials --------------------------------------------------------------------------

// What a URL parser, a browser or a person might take for the `@` that ends userinfo: the ASCII
// sign, and the full-width and small forms that IDNA mapping folds into it.
const atSigns = /[@\uFF20\uFE6B]/;

/**
 * A value shown without what a URL could hide in it: the userinfo (everything between the
 * scheme and the last `@`) becomes `***`, the query and fragment `?***` / `#***`. Tokens
 * travel in all three; messages land in audit logs, events and CI output.
 *
 * Deliberately looser than any URL parser: it does not ask whether the text is a valid URL
 * (the invalid ones are exactly those that reach a message), only whether something between a
 * `scheme:` and an `@` could be credentials. A path or query holding an `@` (`https://h/@me`)
 * is over-redacted; that costs a less helpful message, never a leak.
 */
export function shownUrl(text: string): string {
  const scheme = /^[^:/\\?#@\uFF20\uFE6B]*:/.exec(text);
  if (scheme === null) return text;
  let out = withoutUserinfo(text, scheme[0].length);
  if (/^[\s\u200B-\u200D\u2060\uFEFF]*[A-Za-z][A-Za-z0-9+.-]*:[/\\]/.test(out)) {
    const userinfoEnd = out.indexOf('***');
    const cut = out.slice(userinfoEnd < 0 ? scheme[0].length : userinfoEnd).search(/[?#]/);
    if (cut >= 0) {
      const at = (userinfoEnd < 0 ? scheme[0].length : userinfoEnd) + cut;
      out = `${out.slice(0, at)}${out.charAt(at)}***`;
    }
  }
  return out;
}

/** `text` with anything between the slashes after `from` and its last `@` hidden. */
function withoutUserinfo(text: string, from: number): string {
  let at = -1;
  for (let i = text.length - 1; i >= from; i--) {
    if (atSigns.test(text.charAt(i))) {
      at = i;
      break;
    }
  }
  if (at < 0) return text;
  // Keep the slashes (and backslashes, which special schemes read as slashes) after the scheme.
  let start = from;
  while (start < at && /[/\\]/.test(text.charAt(start))) start++;
  return `${text.slice(0, start)}***${text.slice(at)}`;
}

/**
 * The second net, over finished text: anything shaped `scheme:` + slashes + `userinfo@`
 * anywhere in a message loses the userinfo, so a detail that echoes part of a URL cannot leak
 * what the shown value hid. The userinfo run stops only at a quote, `/`, `?`, `#` or the end:
 * spaces and zero-width characters inside a password are among the spellings that reach a
 * message.
 */
function scrubUserinfo(text: string): string {
  if (!atSigns.test(text)) return text;
  return text.replace(
    /([A-Za-z][A-Za-z0-9+.-]*:[/\\]*)[^"/?#]*[@\uFF20\uFE6B]/g,
    (m: string, prefix: string) => `${prefix}***${m.slice(-1)}`,
  );
}

// -- Escaping ---------------------------------------------------------------------------------

/**
 * A header or field name made safe to print: anything outside printable ASCII becomes
 * `\uXXXX` and long names are cut. `quoted` also escapes `"` and `\` and wraps the result in
 * quotes, for messages; field paths use the bare form, as apimachinery does.
 */
export function printableName(name: string, quoted: boolean): string {
  if (name.length <= maxShownName && printsAsIs(name, quoted)) return quoted ? `"${name}"` : name;
  const cut = name.length > maxShownName ? name.slice(0, maxShownName) : name;
  let out = '';
  for (let i = 0; i < cut.length; i++) {
    const code = cut.charCodeAt(i);
    if (quoted && (code === 0x22 || code === 0x5c)) out += '\\' + cut[i];
    else if (code >= 0x20 && code < 0x7f) out += cut[i];
    else out += '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
  }
  if (cut !== name) out += '...';
  return quoted ? `"${out}"` : out;
}

function printsAsIs(name: string, quoted: boolean): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code >= 0x7f || (quoted && (code === 0x22 || code === 0x5c))) return false;
  }
  return true;
}

/**
 * `text` with every character a terminal would act on or hide (C0 controls including ESC and
 * BEL, DEL, C1 controls including CSI and OSC, line and paragraph separators, bidi and
 * zero-width format characters) replaced by its `\uXXXX` escape.
 */
export function escapeInvisible(text: string): string {
  let out: string | null = null;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || !needsEscape(c)) continue;
    out = (out ?? '') + text.slice(from, i) + `\\u${c.toString(16).padStart(4, '0')}`;
    from = i + 1;
  }
  return out === null ? text : out + text.slice(from);
}

function needsEscape(c: number): boolean {
  return (
    c < 0x20 ||
    (c >= 0x7f && c <= 0x9f) ||
    c === 0xad ||
    c === 0x61c ||
    c === 0x180e ||
    (c >= 0x200b && c <= 0x200f) ||
    (c >= 0x2028 && c <= 0x202e) ||
    (c >= 0x2060 && c <= 0x206f) ||
    c === 0xfeff ||
    (c >= 0xfff9 && c <= 0xfffb)
  );
}
