// go-yaml (and so kubectl) treats NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH
// SEPARATOR (U+2029) as line breaks; the `yaml` package, following YAML 1.2, does not. A
// "comment" `# note<U+2028>remoteUrl: http://169.254.169.254/` is therefore a second key for
// kubectl and nothing for `yaml`. Before `yaml` reads a document we turn each such character
// into `\n` wherever go-yaml breaks the line on it, so both read the same lines; offsets do not
// move (one UTF-16 unit for one).
//
// Inside a quoted scalar go-yaml keeps LS and PS as text, and folds a NEL like any line break
// (one becomes a space, which is what we write). The quoted scalars are found with `yaml`'s
// lexer, again after each replacement, since a break can end a comment that seemed to hide a
// quote.
import { Lexer } from 'yaml';

const BREAKS = /[\u0085\u2028\u2029]/;
/** Far beyond any real manifest; each costs one pass of the lexer over the document. */
export const MAX_UNICODE_LINE_BREAKS = 256;

/** The text with go-yaml's extra line breaks made `\n`, or undefined when there are too many. */
export function normaliseUnicodeLineBreaks(text: string): string | undefined {
  if (!BREAKS.test(text)) return text;
  let current = text;
  for (let round = 0; round <= MAX_UNICODE_LINE_BREAKS; round++) {
    const found = firstBreak(current);
    if (found === undefined) return current;
    if (found === null) return undefined;
    current = current.slice(0, found.at) + found.as + current.slice(found.at + 1);
  }
  return undefined;
}

/** The next character to replace; null when one sits where we do not follow go-yaml. */
function firstBreak(text: string): { at: number; as: string } | null | undefined {
  let offset = 0;
  let blockBody = false; // the next content token is the body of a block scalar
  for (const token of new Lexer().lex(text)) {
    // Control tokens (document mode, scalar marker, flow-error end) take no source text.
    if (token.length === 1 && (token === '\x02' || token === '\x1f' || token === '\x18')) continue;
    const quoted = token.startsWith('"') || token.startsWith("'");
    const header = token.startsWith('|') || token.startsWith('>');
    const filler = token.trim() === '' || token.startsWith('#');
    const found = quoted ? token.indexOf('\u0085') : token.search(BREAKS);
    if (found !== -1) {
      // In a block scalar go-yaml breaks the line on LS/PS for indentation but keeps the
      // character in the text: no `yaml` input reproduces that, so such a document is refused.
      if (blockBody && !filler && token[found] !== '\u0085') return null;
      return { at: offset + found, as: quoted ? ' ' : '\n' };
    }
    if (header) blockBody = true;
    else if (!filler) blockBody = false;
    offset += token.length;
  }
  return undefined;
}
