// A small RFC 6902 diff for "default by diff" (controller-runtime's approach): the defaulting
// code builds the defaulted object, and the patch is whatever differs. Patches stay minimal and
// always agree with the object. applyPatch exists for tests and the CLI's --show-defaults.
//
// Untrusted JSON may carry keys such as `__proto__`; every read goes through Object.hasOwn and
// every write through defineProperty, so such a key stays an ordinary data property and can
// never reach (or replace) Object.prototype.
import type { JsonPatchOperation } from '../model/verdict.ts';
import { isRecord } from '../json-object.ts';

type JsonObject = Record<string, unknown>;

/** A present key: own, and not `undefined` (which JSON cannot express and serialisation drops). */
function hasKey(object: JsonObject, key: string): boolean {
  return Object.hasOwn(object, key) && object[key] !== undefined;
}

/** Sets an own data property, even for `__proto__`, without invoking any setter. */
export function setOwn(object: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/** Deep copy of a JSON value; keys copied as own data properties, a null prototype kept. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => cloneJson(item)) as T;
  if (isRecord(value)) {
    const copy: JsonObject =
      Object.getPrototypeOf(value) === null ? (Object.create(null) as JsonObject) : {};
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === undefined) continue;
      // Only `__proto__` is an accessor on Object.prototype; every other key assigned to a
      // fresh plain object becomes an own data property, and assignment is far cheaper than
      // defineProperty (this runs for every field of every entry `check` judges).
      if (key === '__proto__') setOwn(copy, key, cloneJson(item));
      else copy[key] = cloneJson(item);
    }
    return copy as T;
  }
  return value;
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
    const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
    if (keysA.length !== keysB.length) return false;
    return keysA.every((k) => hasKey(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** RFC 6901: `~` becomes `~0` first, then `/` becomes `~1`, so `~1` in a key survives. */
export function jsonPointer(segments: readonly (string | number)[]): string {
  let pointer = '';
  for (const segment of segments) {
    pointer += '/' + String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
  }
  return pointer;
}

/**
 * The operations that turn `before` into `after`: `add` for new keys (the whole subtree, so no
 * operation ever targets a parent missing from `before`), `remove` for dropped keys, `replace`
 * for changed scalars and for arrays whose length changed.
 */
export function diffToPatch(before: unknown, after: unknown): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  diffInto(operations, [], before, after);
  return operations;
}

/**
 * One walk over both values: equal parts produce no operation, so there is no separate deep
 * comparison at each level (which made the diff quadratic in the depth). `path` is the walk's
 * own stack, pushed and popped in place.
 */
function diffInto(
  operations: JsonPatchOperation[],
  path: (string | number)[],
  before: unknown,
  after: unknown,
): void {
  if (before === after) return;
  if (isRecord(before) && isRecord(after)) {
    for (const key of Object.keys(before)) {
      if (hasKey(before, key) && !hasKey(after, key)) {
        path.push(key);
        operations.push({ op: 'remove', path: jsonPointer(path) });
        path.pop();
      }
    }
    for (const key of Object.keys(after)) {
      if (!hasKey(after, key)) continue;
      path.push(key);
      if (hasKey(before, key)) diffInto(operations, path, before[key], after[key]);
      else operations.push({ op: 'add', path: jsonPointer(path), value: cloneJson(after[key]) });
      path.pop();
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    for (let i = 0; i < after.length; i++) {
      path.push(i);
      diffInto(operations, path, before[i], after[i]);
      path.pop();
    }
    return;
  }
  operations.push({ op: 'replace', path: jsonPointer(path), value: cloneJson(after) });
}

/** RFC 6901 parsing; a malformed pointer is a bug in the caller, so it throws. */
function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new Error(`json-patch: path ${JSON.stringify(pointer)} must be empty or start with "/"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) {
        throw new Error(`json-patch: path ${JSON.stringify(pointer)} has a bad "~" escape`);
      }
      return token.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

/** An array index as RFC 6901 spells it: `0` or digits without a leading zero. */
function arrayIndex(token: string, pointer: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(token)) {
    throw new Error(
      `json-patch: path ${JSON.stringify(pointer)}: ${JSON.stringify(token)} is not an array index`,
    );
  }
  return Number(token);
}

/**
 * Applies `patch` to `doc` without changing it, with RFC 6902 semantics: `add` on an existing
 * key replaces it, `add` at an array index inserts, `-` appends. Each operation copies only the
 * containers on its path; the result shares everything else with `doc` (an empty patch gives
 * a copy), so neither should be changed afterwards; it never shares an operation's `value`. Throws an Error naming the
 * path when an operation cannot apply (missing parent, missing target).
 */
export function applyPatch(doc: unknown, patch: readonly JsonPatchOperation[]): unknown {
  if (patch.length === 0) return cloneJson(doc);
  let root = doc;
  for (const operation of patch) root = applyOperation(root, operation);
  return root;
}

/** A shallow copy of an object or array (own data properties only); anything else as is. */
function copyContainer(node: unknown): unknown {
  if (Array.isArray(node)) return node.slice();
  if (!isRecord(node)) return node;
  const copy: JsonObject = {};
  for (const key of Object.keys(node)) {
    if (key === '__proto__') setOwn(copy, key, node[key]);
    else copy[key] = node[key];
  }
  return copy;
}

function applyOperation(root: unknown, operation: JsonPatchOperation): unknown {
  const { op, path } = operation;
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw new Error(`json-patch: unsupported op ${JSON.stringify(op)} at ${JSON.stringify(path)}`);
  }
  const needsValue = op !== 'remove';
  if (needsValue && !Object.hasOwn(operation, 'value')) {
    throw new Error(`json-patch: ${op} at ${JSON.stringify(path)} has no value`);
  }
  const value = cloneJson(operation.value);
  const tokens = parsePointer(path);
  const last = tokens.pop();
  if (last === undefined) {
    if (op === 'remove') throw new Error('json-patch: cannot remove the document root');
    return value;
  }

  // The path from the root down to the parent is copied; the copies replace the originals in
  // the (already copied) container above them.
  const newRoot = copyContainer(root);
  let parent: unknown = newRoot;
  tokens.forEach((token, depth) => {
    const here = jsonPointer(tokens.slice(0, depth + 1));
    if (Array.isArray(parent)) {
      const index = arrayIndex(token, path);
      if (index >= parent.length)
        throw new Error(`json-patch: parent ${JSON.stringify(here)} does not exist`);
      const child = copyContainer(parent[index]);
      parent[index] = child;
      parent = child;
    } else if (isRecord(parent) && Object.hasOwn(parent, token)) {
      const child = copyContainer(parent[token]);
      setOwn(parent, token, child);
      parent = child;
    } else {
      throw new Error(
        `json-patch: parent ${JSON.stringify(here)} of ${JSON.stringify(path)} does not exist`,
      );
    }
  });

  if (Array.isArray(parent)) {
    if (op === 'add') {
      const index = last === '-' ? parent.length : arrayIndex(last, path);
      if (index > parent.length)
        throw new Error(`json-patch: add at ${JSON.stringify(path)} is past the end of the array`);
      parent.splice(index, 0, value);
      return newRoot;
    }
    const index = arrayIndex(last, path);
    if (index >= parent.length)
      throw new Error(`json-patch: ${op} target ${JSON.stringify(path)} does not exist`);
    if (op === 'replace') parent[index] = value;
    else parent.splice(index, 1);
    return newRoot;
  }
  if (isRecord(parent)) {
    if (op !== 'add' && !Object.hasOwn(parent, last)) {
      throw new Error(`json-patch: ${op} target ${JSON.stringify(path)} does not exist`);
    }
    if (op === 'remove') delete parent[last];
    else setOwn(parent, last, value);
    return newRoot;
  }
  throw new Error(`json-patch: parent of ${JSON.stringify(path)} is not an object or array`);
}
