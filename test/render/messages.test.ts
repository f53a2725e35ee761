// What the one renderer escapes: every character a terminal would act on or hide becomes its
// \uXXXX escape; printable text, non-ASCII letters and emoji included, is left as it is. Rule
// tests (test/policy/remote-url.test.ts) call escapeInvisible as their definition of printable.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeInvisible } from '../../src/render/messages.ts';

const escaped: readonly (readonly [number, string])[] = [
  [0x00, 'NUL'],
  [0x07, 'BEL'],
  [0x0a, 'line feed'],
  [0x1b, 'ESC, which starts terminal control sequences'],
  [0x7f, 'DEL'],
  [0x85, 'NEL (C1)'],
  [0x9b, 'CSI (C1)'],
  [0x9d, 'OSC (C1)'],
  [0xad, 'soft hyphen'],
  [0x61c, 'Arabic letter mark'],
  [0x180e, 'Mongolian vowel separator'],
  [0x200b, 'zero-width space'],
  [0x200f, 'right-to-left mark'],
  [0x2028, 'line separator'],
  [0x2029, 'paragraph separator'],
  [0x202e, 'right-to-left override'],
  [0x2060, 'word joiner'],
  [0x2066, 'left-to-right isolate'],
  [0xfeff, 'byte order mark'],
  [0xfff9, 'interlinear annotation anchor'],
  [0xfffb, 'interlinear annotation terminator'],
];

const kept = ['plain ASCII ~!@#', 'é', 'ß', '中文', '😀', '\u00a0 no-break space', '\u2027'];

void describe('escapeInvisible', () => {
  for (const [code, what] of escaped) {
    test(`escapes U+${code.toString(16).padStart(4, '0')} (${what})`, () => {
      const ch = String.fromCharCode(code);
      assert.equal(escapeInvisible(`a${ch}b`), `a\\u${code.toString(16).padStart(4, '0')}b`);
    });
  }
  for (const text of kept) {
    test(`keeps ${JSON.stringify(text)}`, () => assert.equal(escapeInvisible(text), text));
  }
});
