// Character codes for the scanners that walk text by `charCodeAt` (YAML pre-scans, URL and IP
// readers): named once here so each scanner reads as prose and no two disagree on a value.
export const TAB = 0x09;
export const NEWLINE = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const DOUBLE_QUOTE = 0x22;
export const HASH = 0x23;
export const PERCENT = 0x25;
export const SINGLE_QUOTE = 0x27;
export const DASH = 0x2d;
export const DOT = 0x2e;
export const SLASH = 0x2f;
export const ZERO = 0x30;
export const NINE = 0x39;
export const COLON = 0x3a;
export const QUESTION = 0x3f;
export const BACKSLASH = 0x5c;
export const PIPE = 0x7c;
