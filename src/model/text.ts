// Bounding text that is built into a finding's detail (a host name, a parse error).

/** `text` cut to at most `max` UTF-16 units, never splitting a surrogate pair, marked if cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
