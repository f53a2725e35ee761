// Bytes to text, refusing what Kubernetes would refuse: manifests are UTF-8 (JSON requires it,
// and the API server rejects invalid UTF-8 in strings), so a stray Latin-1 byte or a UTF-16
// file is an input error with its position, not a silent U+FFFD in a header value.
import { isUtf8 } from 'node:buffer';

export type DecodedText =
  | { readonly ok: true; readonly text: string }
  | {
      readonly ok: false;
      readonly line: number;
      readonly column: number;
      readonly message: string;
    };

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

export function decodeManifestBytes(bytes: Uint8Array): DecodedText {
  if (isUtf8(bytes)) {
    const hasBom = UTF8_BOM.every((b, i) => bytes[i] === b);
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    return { ok: true, text: hasBom ? text.slice(1) : text };
  }
  const offset = firstInvalidUtf8Offset(bytes);
  const { line, column } = positionOfByte(bytes, offset);
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  return {
    ok: false,
    line,
    column,
    message: utf16
      ? 'file is UTF-16; manifests must be UTF-8'
      : `invalid UTF-8 (byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset}); manifests must be UTF-8`,
  };
}

/** Offset of the first byte that starts an ill-formed sequence (RFC 3629 rules). */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    let length: number;
    let min: number;
    if (b < 0x80) {
      i += 1;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      min = 0x10000;
    } else {
      return i;
    }
    let codePoint = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are ill-formed too.
    if (codePoint < min || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff) {
      return i;
    }
    i += length;
  }
  return bytes.length;
}

/** 1-based line and column (in characters) of a byte offset in the valid prefix. */
function positionOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let lineStart = 0;
  let line = 1;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line += 1;
      lineStart = i + 1;
    }
  }
  const prefix = Buffer.from(bytes.buffer, bytes.byteOffset + lineStart, offset - lineStart);
  return { line, column: [...prefix.toString('utf8')].length + 1 };
}
