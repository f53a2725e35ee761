// Bounds on one AdmissionReview, checked on the request text before it is parsed, so that the
// work and memory one request can cost are bounded by these numbers and not by what a client
// chooses to send. A review that breaks one is refused (denied, so failurePolicy cannot turn
// it into an admission) after a single pass over its text: no JSON.parse, no schema, no rule.
//
// Why this exists: a 4.5 MiB review holding 400,000 unknown spec keys fits the body limit and
// the API server's own byte limits, yet cost ~2.8 s of parsing and schema work, and its
// garbage kept the heap over the shedding threshold for ~105 s (an outage from one request).
//
// Each limit beside the API server's own:
//
// | what                            | ours            | the API server                               |
// |---------------------------------|-----------------|----------------------------------------------|
// | request body                    | --body-limit,   | 3 MiB per request object (apiserver          |
// |                                 | 7 MiB           | MaxRequestBodyBytes); 1.5 MiB per stored     |
// |                                 |                 | object (etcd --max-request-bytes)            |
// | values (fields and list items)  | 10,000 in       | none: only the byte limits bound them        |
// |   per object                    | object, in      |                                              |
// |                                 | oldObject       |                                              |
// | values in the rest of the review| 10,000          | none (userInfo groups, options)              |
// | nesting                         | 100 levels per  | 10,000 levels (its JSON decoder's limit)     |
// |                                 | object          |                                              |
// | one string (key or value)       | 256 KiB         | 256 KiB for all annotations together         |
// |                                 | as written      | (TotalAnnotationSizeLimitB); CRD maxLength   |
// |                                 |                 | per field (remoteUrl: 1024)                  |
//
// A real MCPServerEntry review holds a few hundred values (the entry, its managedFields, some
// labels), so 10,000 is ~25 times what a big one needs while keeping the schema and rule work
// of the largest admitted review to tens of milliseconds. The API server prunes unknown fields
// before admission, so only metadata (labels, annotations, managedFields) could ever carry more
// from a real client; such an entry is refused, by design.
import { BACKSLASH, COLON, DOUBLE_QUOTE, NEWLINE, CR, SPACE, TAB } from '../char-codes.ts';
import { fieldPath, rootPath } from '../model/field-path.ts';
import type { Finding, FindingType } from '../model/findings.ts';
import { renderFinding } from '../render/messages.ts';

export const reviewLimits = {
  /** Values (object fields and list items) in request.object, and again in request.oldObject. */
  valuesPerObject: 10_000,
  /** Values in everything else (the envelope, userInfo, options). */
  valuesOutsideObjects: 10_000,
  /** Nesting levels within an object (the object itself is level 1). */
  depthPerObject: 100,
  /** Characters of one string, key or value, as written in the request (escapes count in full). */
  stringLength: 256 * 1024,
} as const;

/** The parts of a review the limits name, as field paths ('' for the rest of the review). */
export type ReviewPart = 'request.object' | 'request.oldObject' | '';

export const limitsRule = 'request.limits';

/**
 * A review refused for its size: the finding (shaped like any other, so it reaches kubectl and
 * the log the same way) and the uid when it could be read. Names the part and the limit, never
 * content.
 */
export class ReviewOverLimits {
  readonly uid: string | undefined;
  readonly finding: Finding;
  constructor(uid: string | undefined, finding: Finding) {
    this.uid = uid;
    this.finding = finding;
  }
  get message(): string {
    return renderFinding(this.finding);
  }
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
/** Longest uid the decoder accepts (decode.ts); a longer one is not read here either. */
const maxUidText = 256;

const isSpace = (c: number): boolean => c === SPACE || c === NEWLINE || c === CR || c === TAB;

/**
 * One pass over the review text: returns what it breaks, or undefined. The count of values is
 * the commas plus the opened objects and lists, an upper bound on the fields and items there
 * (exact up to one per container). The text need not be valid JSON: JSON.parse decides that
 * afterwards, and for valid JSON the tokens read here are exactly JSON's.
 *
 * It also remembers request.uid (the last one, as a Go decoder keeps the last duplicate), so a
 * refusal can be an AdmissionReview answer rather than a bare HTTP error.
 */
export function reviewOverLimits(text: string): ReviewOverLimits | undefined {
  const n = text.length;
  let depth = 0;
  // Key most recently read at depths 1 and 2 (the review, its request), as text positions.
  let keyStart1 = -1;
  let keyEnd1 = -1;
  let keyStart2 = -1;
  let keyEnd2 = -1;
  let inRequest = false;
  let part: 0 | 1 | 2 = 0; // 0: outside the objects, 1: object, 2: oldObject
  let partDepth = 0;
  const values = [0, 0, 0];
  let uidStart = -1;
  let uidEnd = -1;
  let exceeded: { part: 0 | 1 | 2; type: FindingType; detail: string } | undefined;

  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === DOUBLE_QUOTE) {
      const start = i;
      // Jump from quote to quote; a quote preceded by an odd run of backslashes is escaped.
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes += 1;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) end = n; // unterminated: JSON.parse will refuse it
      if (end - start - 1 > reviewLimits.stringLength) {
        exceeded = {
          part,
          type: 'TooLong',
          detail: `a string may not be longer than ${reviewLimits.stringLength} characters (one has ${end - start - 1})`,
        };
        break;
      }
      i = end + 1;
      if (depth === 1 || depth === 2) {
        let j = i;
        while (j < n && isSpace(text.charCodeAt(j))) j += 1;
        if (j < n && text.charCodeAt(j) === COLON) {
          if (depth === 1) {
            keyStart1 = start + 1;
            keyEnd1 = end;
          } else {
            keyStart2 = start + 1;
            keyEnd2 = end;
          }
        } else if (
          depth === 2 &&
          inRequest &&
          keyEquals(text, keyStart2, keyEnd2, 'uid') &&
          end - start + 1 <= maxUidText
        ) {
          uidStart = start;
          uidEnd = end + 1;
        }
      }
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth === 2)
        inRequest = c === OPEN_BRACE && keyEquals(text, keyStart1, keyEnd1, 'request');
      if (depth === 3 && inRequest) {
        if (keyEquals(text, keyStart2, keyEnd2, 'object')) part = 1;
        else if (keyEquals(text, keyStart2, keyEnd2, 'oldObject')) part = 2;
        partDepth = depth;
      }
      values[part]! += 1;
      if (
        part !== 0
          ? depth - partDepth + 1 > reviewLimits.depthPerObject
          : depth > reviewLimits.depthPerObject
      ) {
        exceeded = {
          part,
          type: 'Forbidden',
          detail: `nests deeper than ${reviewLimits.depthPerObject} levels`,
        };
        break;
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (part !== 0 && depth === partDepth) part = 0;
      depth -= 1;
      if (depth < 2) inRequest = false;
    } else if (c === COMMA) {
      values[part]! += 1;
    } else {
      i += 1;
      continue;
    }
    const limit = part === 0 ? reviewLimits.valuesOutsideObjects : reviewLimits.valuesPerObject;
    if (values[part]! > limit) {
      exceeded = {
        part,
        type: 'TooMany',
        detail: `must have at most ${limit} values (fields and list items)`,
      };
      break;
    }
    i += 1;
  }
  if (exceeded === undefined) return undefined;
  const parts: readonly ReviewPart[] = ['', 'request.object', 'request.oldObject'];
  return new ReviewOverLimits(uidText(text, uidStart, uidEnd), {
    path: exceeded.part === 0 ? rootPath : fieldPath(...parts[exceeded.part]!.split('.')),
    type: exceeded.type,
    detail: exceeded.detail,
    rule: limitsRule,
  });
}

function keyEquals(text: string, start: number, end: number, key: string): boolean {
  return end - start === key.length && text.startsWith(key, start);
}

/** The uid seen so far, decoded; undefined when there was none or it is not a usable string. */
function uidText(text: string, start: number, end: number): string | undefined {
  if (start < 0) return undefined;
  try {
    const uid: unknown = JSON.parse(text.slice(start, end));
    return typeof uid === 'string' && uid !== '' && uid.length <= 128 ? uid : undefined;
  } catch {
    return undefined;
  }
}
