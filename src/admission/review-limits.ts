// Bounds on one AdmissionReview, checked on the request bytes as they arrive, before anything
// is parsed, so that the work and memory one request can cost are bounded by these numbers and
// not by what a client chooses to send. A review that breaks one is refused (denied, so
// failurePolicy cannot turn it into an admission) as soon as it breaks it: the scan is
// resumable, chunk by chunk, so the server answers while the rest of the body is still on its
// way and reads that rest only to discard it (no buffering, no decoding, no JSON.parse, no
// schema, no rule). A 5 MiB review with 400,000 keys is refused after its first ~130 KB.
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
// | one string (key or value)       | 256 KiB of      | 256 KiB for all annotations together         |
// |                                 | bytes as written| (TotalAnnotationSizeLimitB); CRD maxLength   |
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
  /** Bytes of one string, key or value, as written in the request (UTF-8, escapes in full). */
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
/** Strings at depths 1 and 2 are kept up to this many bytes: enough for "oldObject" and a uid. */
const keptStringBytes = maxUidText;

const isSpace = (c: number): boolean => c === SPACE || c === NEWLINE || c === CR || c === TAB;

type Part = 0 | 1 | 2; // 0: outside the objects, 1: request.object, 2: request.oldObject
const partPaths: readonly ReviewPart[] = ['', 'request.object', 'request.oldObject'];

/**
 * The scan of one review, fed its bytes in any number of chunks (`push`); it answers as soon
 * as a limit is broken, and keeps nothing of the bytes but a few short strings. The count of
 * values is the commas plus the opened objects and lists, an upper bound on the fields and
 * items there (exact up to one per container). The bytes need not be valid JSON: JSON.parse
 * decides that afterwards, and for valid JSON the tokens read here are exactly JSON's. A
 * structural byte is ASCII, and UTF-8 never uses an ASCII byte inside a multi-byte character,
 * so reading bytes instead of characters finds the same tokens.
 *
 * It also remembers request.uid (the last one, as a Go decoder keeps the last duplicate), so a
 * refusal can be an AdmissionReview answer rather than a bare HTTP error. Kubernetes writes
 * the uid before the objects, so it is known long before a limit in an object breaks.
 */
export class ReviewLimitScan {
  private depth = 0;
  private inRequest = false;
  private part: Part = 0;
  private partDepth = 0;
  private readonly values = [0, 0, 0];
  private uid: string | undefined;
  /** Key most recently read at depths 1 and 2 (the review, its request), raw; undefined if long. */
  private key1: string | undefined;
  private key2: string | undefined;
  // Inside a string: its bytes so far, the backslashes just before the chunk's end (an escape
  // may straddle two chunks), and its first bytes when it is at depth 1 or 2.
  private inString = false;
  private stringBytes = 0;
  private trailingBackslashes = 0;
  private kept: Buffer[] | undefined;
  private keptBytes = 0;
  /** A string at depth 1 or 2 just ended: a key if a colon follows, else a value. */
  private lastString: string | undefined | null = null;
  private refusal: ReviewOverLimits | undefined;

  /** Scan the next bytes; the refusal once a limit is broken (and from then on). */
  push(chunk: Uint8Array): ReviewOverLimits | undefined {
    if (this.refusal !== undefined) return this.refusal;
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      if (this.inString) {
        i = this.readString(bytes, i);
        if (this.refusal !== undefined) return this.refusal;
        continue;
      }
      const c = bytes[i]!;
      if (this.lastString !== null && !isSpace(c)) this.stringEnded(c === COLON);
      if (c === DOUBLE_QUOTE) {
        this.inString = true;
        this.stringBytes = 0;
        this.trailingBackslashes = 0;
        this.kept = this.depth === 1 || this.depth === 2 ? [] : undefined;
        this.keptBytes = 0;
        i += 1;
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) this.open(c);
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) this.close();
      else if (c === COMMA) this.count();
      if (this.refusal !== undefined) return this.refusal;
      i += 1;
    }
    return undefined;
  }

  /** From `from` inside a string to just past its closing quote, or to the chunk's end. */
  private readString(bytes: Buffer, from: number): number {
    let end = bytes.indexOf(DOUBLE_QUOTE, from);
    while (end !== -1) {
      // A quote after an odd run of backslashes is escaped; the run may begin in an earlier chunk.
      let run = 0;
      while (end - 1 - run >= from && bytes[end - 1 - run] === BACKSLASH) run += 1;
      if (end - run === from) run += this.trailingBackslashes;
      if (run % 2 === 0) break;
      end = bytes.indexOf(DOUBLE_QUOTE, end + 1);
    }
    const stop = end === -1 ? bytes.length : end;
    this.stringBytes += stop - from;
    if (this.stringBytes > reviewLimits.stringLength) {
      this.refuse(
        'TooLong',
        `a string may not be longer than ${reviewLimits.stringLength} bytes (one has ${end === -1 ? 'more' : this.stringBytes})`,
      );
      return bytes.length;
    }
    if (this.kept !== undefined && this.keptBytes <= keptStringBytes) {
      this.kept.push(bytes.subarray(from, Math.min(stop, from + keptStringBytes + 1)));
      this.keptBytes += stop - from;
    }
    if (end === -1) {
      let run = 0;
      while (run < stop - from && bytes[stop - 1 - run] === BACKSLASH) run += 1;
      this.trailingBackslashes = run === stop - from ? this.trailingBackslashes + run : run;
      return bytes.length;
    }
    this.inString = false;
    if (this.kept !== undefined)
      this.lastString =
        this.keptBytes <= keptStringBytes ? Buffer.concat(this.kept).toString('utf8') : undefined;
    this.kept = undefined;
    return end + 1;
  }

  /** The string that just ended at depth 1 or 2 was a key (`isKey`) or a value. */
  private stringEnded(isKey: boolean): void {
    const text = this.lastString;
    this.lastString = null;
    if (isKey) {
      if (this.depth === 1) this.key1 = text ?? undefined;
      else this.key2 = text ?? undefined;
    } else if (this.depth === 2 && this.inRequest && this.key2 === 'uid') {
      this.uid = text === undefined || text === null ? undefined : decodeUid(text);
    }
  }

  private open(c: number): void {
    this.depth += 1;
    if (this.depth === 2) this.inRequest = c === OPEN_BRACE && this.key1 === 'request';
    if (this.depth === 3 && this.inRequest) {
      if (this.key2 === 'object') this.part = 1;
      else if (this.key2 === 'oldObject') this.part = 2;
      this.partDepth = this.depth;
    }
    this.count();
    if (this.refusal !== undefined) return;
    const levels = this.part !== 0 ? this.depth - this.partDepth + 1 : this.depth;
    if (levels > reviewLimits.depthPerObject)
      this.refuse('Forbidden', `nests deeper than ${reviewLimits.depthPerObject} levels`);
  }

  private close(): void {
    if (this.part !== 0 && this.depth === this.partDepth) this.part = 0;
    this.depth -= 1;
    if (this.depth < 2) this.inRequest = false;
  }

  private count(): void {
    const part = this.part;
    this.values[part]! += 1;
    const limit = part === 0 ? reviewLimits.valuesOutsideObjects : reviewLimits.valuesPerObject;
    if (this.values[part]! > limit)
      this.refuse('TooMany', `must have at most ${limit} values (fields and list items)`);
  }

  private refuse(type: FindingType, detail: string): void {
    const path = partPaths[this.part]!;
    this.refusal = new ReviewOverLimits(this.uid, {
      path: path === '' ? rootPath : fieldPath(...path.split('.')),
      type,
      detail,
      rule: limitsRule,
    });
  }
}

/** One pass over a whole review text: what it breaks, or undefined. */
export function reviewOverLimits(text: string | Uint8Array): ReviewOverLimits | undefined {
  return new ReviewLimitScan().push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
}

/** The uid as written between its quotes, decoded; undefined when not a usable string. */
function decodeUid(raw: string): string | undefined {
  if (raw.length + 2 > maxUidText) return undefined;
  try {
    const uid: unknown = JSON.parse(`"${raw}"`);
    return typeof uid === 'string' && uid !== '' && uid.length <= 128 ? uid : undefined;
  } catch {
    return undefined;
  }
}
