// Field paths as structure, the way apimachinery's field.Path keeps them: a named child, a list
// index and a map key are three different steps. `spec.headers[0]` under a list and the map key
// "0" under a map print alike but are not the same field, so anything that compares fields (UPDATE
// ratcheting, placing a finding on a manifest line) compares these segments, never the printed
// text. Printing is the renderer's job (src/render/messages.ts).

export type PathSegment =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'key'; readonly key: string };

export type FieldPath = readonly PathSegment[];

/** The object itself (a finding about the whole object). */
export const rootPath: FieldPath = [];

/** `fieldPath('spec', 'remoteUrl')`: named children from the root. */
export function fieldPath(...names: readonly string[]): FieldPath {
  return names.map((name) => ({ kind: 'field', name }));
}

export const childOf = (parent: FieldPath, name: string): FieldPath => [
  ...parent,
  { kind: 'field', name },
];

export const indexOf = (parent: FieldPath, index: number): FieldPath => [
  ...parent,
  { kind: 'index', index },
];

export const keyOf = (parent: FieldPath, key: string): FieldPath => [
  ...parent,
  { kind: 'key', key },
];

/** The parent path (the root's parent is the root). */
export const parentOf = (path: FieldPath): FieldPath => path.slice(0, -1);

export function sameSegment(a: PathSegment, b: PathSegment): boolean {
  switch (a.kind) {
    case 'field':
      return b.kind === 'field' && a.name === b.name;
    case 'key':
      return b.kind === 'key' && a.key === b.key;
    case 'index':
      return b.kind === 'index' && a.index === b.index;
  }
}

/** Field identity: same steps of the same kinds. */
export function samePath(a: FieldPath, b: FieldPath): boolean {
  return a.length === b.length && a.every((s, i) => sameSegment(s, b[i]!));
}

/**
 * The value at `path` inside `root`, or undefined; never throws. A `field` or `key` step reads
 * only an own property of a non-array object, an `index` step only an array element, so a map
 * key "0" never reads a list's first item and `__proto__` never reads a prototype.
 */
export function valueAt(root: unknown, path: FieldPath): unknown {
  let node = root;
  for (const s of path) {
    if (node === null || typeof node !== 'object') return undefined;
    if (s.kind === 'index') {
      if (!Array.isArray(node)) return undefined;
      node = (node as unknown[])[s.index];
    } else {
      const name = s.kind === 'field' ? s.name : s.key;
      if (Array.isArray(node) || !Object.hasOwn(node, name)) return undefined;
      node = (node as Record<string, unknown>)[name];
    }
  }
  return node;
}

/**
 * apimachinery's plain spelling (`spec.a[0].b[key]`), with nothing escaped. For identity keys
 * and messages about the path itself; what reaches a user goes through the renderer, which
 * escapes what a terminal would act on.
 */
export function plainFieldPath(path: FieldPath, name: (text: string) => string = (t) => t): string {
  let out = '';
  for (const s of path) {
    if (s.kind === 'index') out += `[${s.index}]`;
    else if (s.kind === 'key') out += `[${name(s.key)}]`;
    else out += out === '' ? name(s.name) : `.${name(s.name)}`;
  }
  return out;
}

/**
 * A path from plain steps, as a YAML or JSON walk records them: a number is a list index, a
 * string a named child. (Such a walk cannot tell a map key from a field; the schema can.)
 */
export const pathFromSteps = (steps: readonly (string | number)[]): FieldPath =>
  steps.map((s) =>
    typeof s === 'number' ? { kind: 'index', index: s } : { kind: 'field', name: s },
  );

/** The plain steps of a path, the inverse of `pathFromSteps` (keys become strings). */
export const stepsOf = (path: FieldPath): (string | number)[] =>
  path.map((s) => (s.kind === 'index' ? s.index : s.kind === 'key' ? s.key : s.name));

/**
 * A path read back from text that something else printed (a generated policy's message), to
 * place it on a manifest line: `[digits]` is an index, any other `[...]` a key. Lossy where a
 * key holds `]` or `.`; never use it to compare fields.
 */
export function pathFromText(text: string): FieldPath {
  const path: PathSegment[] = [];
  for (const m of text.matchAll(/\.?([^.[\]]+)|\[([^\]]*)\]/g)) {
    if (m[1] !== undefined) path.push({ kind: 'field', name: m[1] });
    else if (/^\d+$/.test(m[2]!)) path.push({ kind: 'index', index: Number(m[2]) });
    else path.push({ kind: 'key', key: m[2]! });
  }
  return path;
}
