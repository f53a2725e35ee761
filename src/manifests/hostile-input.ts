// A linear pre-scan that refuses pathological nesting before the YAML parser sees it. The
// `yaml` package handles deep nesting correctly but slowly (a 2 MB line of `[` or `- - - ...`
// takes seconds to reject), so a CI job or a server start-up fed such a file would hang. This
// scan is deliberately coarse: it counts brackets without understanding quotes, so it only
// fires far beyond anything a real manifest contains (Kubernetes objects nest a few dozen deep).
import { NEWLINE, SPACE, TAB } from '../char-codes.ts';

/** Net open `[`/`{` allowed in one document; the composer overflows its stack well before this. */
export const MAX_FLOW_BRACKETS = 1000;
/** Block indicators (`- `, `? `, `: `) or node properties chained on one line. */
export const MAX_INDICATORS_PER_LINE = 256;
/**
 * Aliases (`*name`) in one document. Each alias re-creates at least one node, so a document
 * with more than construct.ts's MAX_ALIAS_EXPANSION_NODES aliases would be refused anyway;
 * counting them first refuses it before the parser builds millions of nodes (2 million aliases
 * took 33 s and 2.9 GB to refuse after parsing). Quoted text is not told apart, so a `*` in a
 * string after a space counts too: the bound is far above any real manifest either way.
 */
export const MAX_ALIASES_PER_DOCUMENT = 10_000;

export interface HostileInput {
  readonly offset: number;
  readonly message: string;
}

export function findHostileNesting(text: string): HostileInput | undefined {
  let flowDepth = 0;
  let aliases = 0;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    if (isDocumentMarker(text, lineStart, lineEnd)) {
      // `---`/`...` at column 0 always ends a document, even inside an unclosed flow collection.
      flowDepth = 0;
      aliases = 0;
    } else {
      const chain = indicatorChainLength(text, lineStart, lineEnd);
      if (chain > MAX_INDICATORS_PER_LINE) {
        return {
          offset: lineStart,
          message: `more than ${MAX_INDICATORS_PER_LINE} nested block indicators on one line; refusing to parse`,
        };
      }
      for (let i = lineStart; i < lineEnd; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x5b || c === 0x7b) {
          if (++flowDepth > MAX_FLOW_BRACKETS) {
            return {
              offset: i,
              message: `brackets nest deeper than ${MAX_FLOW_BRACKETS} levels; refusing to parse`,
            };
          }
        } else if ((c === 0x5d || c === 0x7d) && flowDepth > 0) {
          flowDepth -= 1;
        } else if (c === 0x2a && isAliasStart(text, i, lineStart)) {
          if (++aliases > MAX_ALIASES_PER_DOCUMENT) {
            return {
              offset: i,
              message: `more than ${MAX_ALIASES_PER_DOCUMENT} aliases in one document; refusing to parse`,
            };
          }
        }
      }
    }
    lineStart = lineEnd + 1;
  }
  return undefined;
}

/** A `*` where a YAML alias can start: after white space, `[`, `{`, `,` or at the line start. */
function isAliasStart(text: string, at: number, lineStart: number): boolean {
  if (at === lineStart) return true;
  const before = text.charCodeAt(at - 1);
  return (
    before === SPACE || before === TAB || before === 0x5b || before === 0x7b || before === 0x2c
  );
}

function isDocumentMarker(text: string, start: number, end: number): boolean {
  const marker = text.slice(start, start + 3);
  if (marker !== '---' && marker !== '...') return false;
  const next = start + 3 < end ? text.charCodeAt(start + 3) : NEWLINE;
  return next === SPACE || next === TAB || next === NEWLINE || next === 0x0d;
}

/** How many `-`/`?`/`:` indicators or `!tag`/`&anchor` properties open the line. */
function indicatorChainLength(text: string, start: number, end: number): number {
  let i = start;
  let count = 0;
  for (;;) {
    while (i < end && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
    if (i >= end) return count;
    const c = text.charCodeAt(i);
    if (c === 0x2d || c === 0x3f || c === 0x3a) {
      const next = i + 1 < end ? text.charCodeAt(i + 1) : SPACE;
      if (next !== SPACE && next !== TAB && next !== 0x0d) return count;
      i += 1;
    } else if (c === 0x21 || c === 0x26) {
      while (i < end && text.charCodeAt(i) !== SPACE && text.charCodeAt(i) !== TAB) i++;
    } else {
      return count;
    }
    count += 1;
  }
}
