// A parsed YAML document (the `yaml` package's AST, composed with the failsafe schema so every
// scalar is still text) turned into the JSON value Kubernetes would see, with the source offset
// of every field kept for `file:line:col` reporting. We construct the value ourselves instead of
// calling `toJS()` because the scalar rules are go-yaml v2's (see yaml11-scalars.ts), map keys
// become strings as sigs.k8s.io/yaml makes them, and hostile documents must fail fast with a
// position: alias bombs (CVE-2019-11253 took down API servers with one), deep nesting, numbers
// JSON cannot carry exactly.
import { isAlias, isMap, isScalar, isSeq, Scalar } from 'yaml';
import type { Alias, Node, YAMLMap, YAMLSeq } from 'yaml';
import { pathFromSteps, plainFieldPath } from '../model/field-path.ts';

/** A step of a YAML walk: a mapping key or a sequence index. */
type PathSegment = string | number;
import { keyString, resolvePlainScalar } from './yaml11-scalars.ts';
import type { ResolvedScalar } from './yaml11-scalars.ts';

/** Kubernetes objects nest a few dozen levels at most; the YAML composer itself recurses per level. */
export const MAX_NESTING_DEPTH = 256;
/**
 * Nodes an alias may re-create in one document. Legitimate manifests alias a handful of small
 * blocks; a "billion laughs" document needs exponentially many, so it stops here in milliseconds.
 */
export const MAX_ALIAS_EXPANSION_NODES = 10_000;

export interface ConstructError {
  readonly offset: number;
  readonly message: string;
}

export interface Constructed {
  readonly value: unknown;
  /** Source offset of each field, keyed by `pathKey(segments)`; the key's offset for map members. */
  readonly offsets: ReadonlyMap<string, number>;
  readonly errors: readonly ConstructError[];
}

const PATH_SEPARATOR = '\u0000';

/** The key under which `offsets` stores a field (segments as strings, array indexes in decimal). */
export function pathKey(segments: readonly (string | number)[]): string {
  return segments.map(String).join(PATH_SEPARATOR);
}

const TAG_PREFIX = 'tag:yaml.org,2002:';

class ConstructAbort extends Error {}

/** `source`: the text the nodes' ranges point into (escapes are checked in it). */
export function constructDocument(root: Node | null, rootOffset: number, source = ''): Constructed {
  const builder = new DocumentBuilder(source);
  let value: unknown = null;
  try {
    value = builder.node(root, '', [], 0);
  } catch (error) {
    if (!(error instanceof ConstructAbort)) throw error;
  }
  if (!builder.offsets.has('')) builder.offsets.set('', rootOffset);
  return { value, offsets: builder.offsets, errors: builder.errors };
}

class DocumentBuilder {
  private readonly source: string;
  readonly offsets = new Map<string, number>();
  readonly errors: ConstructError[] = [];
  private readonly anchors = new Map<string, Node>();
  private readonly expanding = new Set<Node>();
  private aliasDepth = 0;
  private aliasNodes = 0;

  constructor(source: string) {
    this.source = source;
  }

  node(node: Node | null, key: string, path: readonly PathSegment[], depth: number): unknown {
    if (depth > MAX_NESTING_DEPTH) {
      this.abort(offsetOf(node), `nesting deeper than ${MAX_NESTING_DEPTH} levels`);
    }
    if (this.aliasDepth > 0 && ++this.aliasNodes > MAX_ALIAS_EXPANSION_NODES) {
      this.abort(
        offsetOf(node),
        `aliases expand to more than ${MAX_ALIAS_EXPANSION_NODES} nodes (an alias bomb?)`,
      );
    }
    if (node === null) return null;
    if (this.aliasDepth === 0 && node.anchor !== undefined) this.anchors.set(node.anchor, node);
    // Inside an alias, fields keep the position of the alias itself: that is where the user wrote them.
    if (this.aliasDepth === 0 && !this.offsets.has(key)) this.offsets.set(key, offsetOf(node));
    if (isAlias(node)) return this.alias(node, key, path, depth);
    if (isScalar(node)) return this.scalar(node, path);
    if (isSeq(node)) return this.sequence(node, key, path, depth);
    if (isMap(node)) return this.mapping(node, key, path, depth);
    return null;
  }

  private alias(node: Alias, key: string, path: readonly PathSegment[], depth: number): unknown {
    const target = this.anchors.get(node.source);
    if (target === undefined) {
      this.abort(offsetOf(node), `unknown anchor "${node.source}" referenced`);
    }
    if (this.expanding.has(target)) {
      this.abort(offsetOf(node), `alias "*${node.source}" refers to a node that contains it`);
    }
    this.expanding.add(target);
    this.aliasDepth += 1;
    try {
      return this.node(target, key, path, depth);
    } finally {
      this.aliasDepth -= 1;
      this.expanding.delete(target);
    }
  }

  private scalar(node: Scalar, path: readonly PathSegment[]): unknown {
    if (node.type === Scalar.QUOTE_DOUBLE && node.range !== undefined && node.range !== null) {
      const slash = yaml12OnlyEscape(this.source, node.range[0], node.range[1]);
      // `\/` is YAML 1.2's; go-yaml (YAML 1.1) refuses it, and so kubectl apply does.
      if (slash !== -1) this.abort(slash, 'found unknown escape character "\\/"');
    }
    const resolved = this.resolveScalar(node);
    if (resolved === undefined) return null;
    if (resolved.kind === 'float' && !Number.isFinite(resolved.value)) {
      this.errors.push({
        offset: offsetOf(node),
        message: `${describePath(path)}${String(node.value)} is not a number JSON can carry`,
      });
    }
    return resolved.value;
  }

  /** go-yaml's resolve(): plain untagged scalars by the YAML 1.1 rules, tags checked. */
  private resolveScalar(node: Scalar): ResolvedScalar | undefined {
    const text = typeof node.value === 'string' ? node.value : String(node.value);
    const tag = node.tag;
    const quoted = node.type !== Scalar.PLAIN && node.type !== undefined;
    if (tag === undefined || tag === '!') {
      return quoted || tag === '!' ? { kind: 'string', value: text } : resolvePlainScalar(text);
    }
    if (!tag.startsWith(TAG_PREFIX)) return { kind: 'string', value: text }; // local tags: kept as text
    const wanted = tag.slice(TAG_PREFIX.length);
    if (wanted === 'str' || wanted === 'timestamp') return { kind: 'string', value: text };
    if (wanted === 'binary') {
      // go-yaml decodes with Go's base64.StdEncoding (line breaks skipped, padding required)
      // into a Go string, and JSON then replaces invalid UTF-8: kubectl sends the decoded text,
      // so that text (CR/LF and all) is what the rules must judge.
      const base64 = text.replace(/[\r\n]/g, '');
      if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(base64)) {
        this.errors.push({
          offset: offsetOf(node),
          message: '!!binary value contains invalid base64 data',
        });
        return undefined;
      }
      return { kind: 'string', value: Buffer.from(base64, 'base64').toString('utf8') };
    }
    const resolved = resolvePlainScalar(text);
    const matches =
      resolved.kind === wanted ||
      (wanted === 'float' && resolved.kind === 'int') ||
      wanted === 'merge';
    if (wanted === 'float' && resolved.kind === 'int') {
      return { kind: 'float', value: Number(resolved.value) };
    }
    if (!matches) {
      this.errors.push({
        offset: offsetOf(node),
        message: `cannot decode !!${resolved.kind === 'string' ? 'str' : resolved.kind} \`${text}\` as a !!${wanted}`,
      });
      return undefined;
    }
    return resolved;
  }

  private sequence(
    node: YAMLSeq,
    key: string,
    path: readonly PathSegment[],
    depth: number,
  ): unknown[] {
    const out: unknown[] = [];
    node.items.forEach((item, index) => {
      const childPath = [...path, index];
      out.push(this.node(item as Node | null, childKey(key, String(index)), childPath, depth + 1));
    });
    return out;
  }

  private mapping(
    node: YAMLMap,
    key: string,
    path: readonly PathSegment[],
    depth: number,
  ): Record<string, unknown> {
    // go-yaml (and so kubectl) applies the members in the order written: a later key, explicit
    // or merged, overwrites an earlier one. A merge after an explicit key therefore wins, and
    // within `<<: [*a, *b]` the first source wins (go-yaml merges the list back to front).
    // Only two explicit keys with the same name are refused (a duplicate field).
    const out: Record<string, unknown> = {};
    const explicit = new Map<string, number>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      if (isMergeKey(keyNode)) {
        if (pair.value === null) continue;
        const sources = this.mergeSources(pair.value as Node, key, path, depth);
        for (const { offset, members } of sources.reverse()) {
          for (const [name, value] of members) {
            const memberKey = childKey(key, name);
            if (this.aliasDepth === 0 && Object.hasOwn(out, name))
              this.offsets.set(memberKey, offset);
            setMember(out, name, value);
          }
        }
        continue;
      }
      const name = this.memberName(keyNode, path, depth);
      if (name === undefined) continue;
      const keyOffset = offsetOf(keyNode);
      const first = explicit.get(name);
      if (first !== undefined) {
        this.errors.push({
          offset: keyOffset,
          message: `duplicate field "${plainFieldPath(pathFromSteps([...path, name]))}"`,
        });
      }
      explicit.set(name, keyOffset);
      const memberKey = childKey(key, name);
      if (this.aliasDepth === 0 && (!this.offsets.has(memberKey) || Object.hasOwn(out, name)))
        this.offsets.set(memberKey, keyOffset);
      setMember(
        out,
        name,
        this.node(pair.value as Node | null, memberKey, [...path, name], depth + 1),
      );
    }
    return out;
  }

  private memberName(
    keyNode: Node | null,
    path: readonly PathSegment[],
    depth: number,
  ): string | undefined {
    const offset = offsetOf(keyNode);
    const key = this.node(keyNode, PATH_SEPARATOR + 'key', path, depth + 1);
    this.offsets.delete(PATH_SEPARATOR + 'key');
    let resolved: ResolvedScalar | undefined;
    if (key === null) resolved = { kind: 'null', value: null };
    else if (typeof key === 'string') resolved = { kind: 'string', value: key };
    else if (typeof key === 'boolean') resolved = { kind: 'bool', value: key };
    else if (typeof key === 'bigint') resolved = { kind: 'int', value: key, text: String(key) };
    else if (typeof key === 'number') {
      resolved = Number.isInteger(key)
        ? { kind: 'int', value: key, text: String(key) }
        : { kind: 'float', value: key };
    }
    const name = resolved === undefined ? undefined : keyString(resolved);
    if (name === undefined) {
      this.errors.push({
        offset,
        message: `${describePath(path)}map key must be a string, number or boolean (JSON has no ${key === null ? 'null' : 'collection'} keys)`,
      });
    }
    return name;
  }

  /** The sources a `<<` value names, in the order written, each with its members. */
  private mergeSources(
    source: Node,
    key: string,
    path: readonly PathSegment[],
    depth: number,
  ): { offset: number; members: [string, unknown][] }[] {
    const sources = isSeq(source) ? (source.items as (Node | null)[]) : [source];
    const out: { offset: number; members: [string, unknown][] }[] = [];
    for (const item of sources) {
      const value = this.node(item, key, path, depth);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        this.errors.push({
          offset: offsetOf(item),
          message: `${describePath(path)}map merge (<<) requires a map or a sequence of maps`,
        });
        continue;
      }
      out.push({ offset: offsetOf(item), members: Object.entries(value) });
    }
    return out;
  }

  private abort(offset: number, message: string): never {
    this.errors.push({ offset, message });
    throw new ConstructAbort(message);
  }
}

function childKey(parent: string, segment: string): string {
  return parent === '' ? segment : parent + PATH_SEPARATOR + segment;
}

function isMergeKey(node: Node | null): boolean {
  return (
    isScalar(node) &&
    node.value === '<<' &&
    (node.tag === `${TAG_PREFIX}merge` || (node.tag === undefined && node.type === Scalar.PLAIN))
  );
}

function offsetOf(node: Node | null | undefined): number {
  return node?.range?.[0] ?? 0;
}

function describePath(path: readonly PathSegment[]): string {
  return path.length === 0 ? '' : `${plainFieldPath(pathFromSteps(path))}: `;
}

/** Assign a member; `__proto__` becomes an own data property instead of a prototype change. */
function setMember(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(target, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[name] = value;
  }
}

/** Offset of a `\/` escape in the double-quoted scalar at `source[from, to)`, or -1. */
function yaml12OnlyEscape(source: string, from: number, to: number): number {
  for (let i = source.indexOf('\\', from); i !== -1 && i < to; i = source.indexOf('\\', i + 2)) {
    if (source.charCodeAt(i + 1) === 0x2f) return i;
  }
  return -1;
}
