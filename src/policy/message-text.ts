// Making user text safe to put in a message. Deny messages reach terminals (kubectl), logs and
// CI annotations; an echoed value must not be able to move the cursor, fake a new log line or
// reorder text with bidi controls, and must not make a message arbitrarily long.

/** `text` cut to at most `max` UTF-16 units, never splitting a surrogate pair, marked if cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * `message` with every character JSON.stringify leaves raw but a terminal would act on or hide
 * (DEL, C1 controls, line and paragraph separators, bidi and zero-width format characters)
 * replaced by its `\uXXXX` escape. Run it over a message built with `quote`, which already
 * escapes C0 controls.
 */
export function escapeInvisible(message: string): string {
  let out: string | null = null;
  let from = 0;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || !needsEscape(c)) continue;
    out = (out ?? '') + message.slice(from, i) + `\\u${c.toString(16).padStart(4, '0')}`;
    from = i + 1;
  }
  return out === null ? message : out + message.slice(from);
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
