// The benchmark stream with every nested mapping and list written in flow style
// (`groupRef: {name: tools}`), as some generators and hand-written manifests do.
import { parseAllDocuments } from 'yaml';

/** The generated documents with nested mappings written as flow mappings. */
export function flowStyle(text: string): string {
  const plain = (v: unknown): string => {
    if (typeof v !== 'string') return String(v);
    return /^[A-Za-z0-9][A-Za-z0-9./:_-]*$/.test(v) &&
      !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(v) &&
      !/^[0-9.+-]/.test(v)
      ? v
      : JSON.stringify(v);
  };
  const flow = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
    if (v !== null && typeof v === 'object')
      return `{${Object.entries(v)
        .map(([k, x]) => `${plain(k)}: ${flow(x)}`)
        .join(', ')}}`;
    return plain(v);
  };
  return parseAllDocuments(text)
    .map((doc) => {
      const object = doc.toJS() as Record<string, unknown>;
      return Object.entries(object)
        .map(([k, v]) =>
          typeof v === 'string' && v.includes('\n')
            ? `${k}: ${JSON.stringify(v)}`
            : `${k}: ${flow(v)}`,
        )
        .join('\n');
    })
    .join('\n---\n')
    .concat('\n');
}
