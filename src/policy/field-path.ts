// Kubernetes field paths (`spec.headerForward.addHeadersFromSecret[0].headerName`,
// `spec.headerForward.addPlaintextHeaders[X-Foo]`) and the value they point at. Ratcheting
// compares a finding's field in the old and new object, so it needs the path back as segments.

export type PathSegment = string | number;

/** Render segments the way apimachinery's field.Path does: `.name`, `[index]`, `[mapKey]`. */
export function formatFieldPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (out === '') out = s;
    else out += `.${s}`;
  }
  return out;
}

/** Render a map-key child: `[key]`, used for maps such as addPlaintextHeaders. */
export function mapKeyPath(parent: string, key: string): string {
  return `${parent}[${key}]`;
}

/**
 * Parse a field path back into segments. Returns undefined when the path is ambiguous
 * (a map key containing `]`), so callers fall back to the strict behaviour.
 */
export function parseFieldPath(path: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '[') {
      const close = path.indexOf(']', i + 1);
      if (close < 0) return undefined;
      const inner = path.slice(i + 1, close);
      if (path.indexOf('[', i + 1) !== -1 && path.indexOf('[', i + 1) < close) return undefined;
      segments.push(/^\d+$/.test(inner) ? Number(inner) : inner);
      i = close + 1;
      if (path[i] !== undefined && path[i] !== '.' && path[i] !== '[') return undefined;
    } else {
      if (ch === '.') i += 1;
      let end = i;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end += 1;
      if (end === i) return undefined;
      segments.push(path.slice(i, end));
      i = end;
    }
  }
  return segments;
}

/** The value at `segments` inside `root`, or undefined; never throws on any input. */
export function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let node = root;
  for (const s of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    if (typeof s === 'number') {
      if (!Array.isArray(node)) return undefined;
      node = node[s];
    } else {
      if (Array.isArray(node) || !Object.hasOwn(node, s)) return undefined;
      node = (node as Record<string, unknown>)[s];
    }
  }
  return node;
}
