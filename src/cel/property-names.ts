// Kubernetes exposes an object's properties to CEL under escaped names, because a property may
// be called `namespace` (a CEL reserved word) or `x-api-key` (not an identifier). A rule written
// for the API server says `self.__namespace__` and `self.x__dash__api__dash__key`; so must we.
const reserved = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** The name a rule uses for a property, or undefined when Kubernetes makes it inaccessible. */
export function escapedPropertyName(name: string): string | undefined {
  if (reserved.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name
    .replaceAll('__', '__underscores__')
    .replaceAll('.', '__dot__')
    .replaceAll('-', '__dash__')
    .replaceAll('/', '__slash__');
}
