// @peculiar/x509 v2 resolves its algorithm providers through tsyringe, which refuses to
// load unless the Reflect metadata API exists (it reads `design:paramtypes` and its own
// injection tokens). The usual answer is the `reflect-metadata` package; this is the
// small subset tsyringe and tslib's __metadata call, installed only when no polyfill is
// present, so that certificate issuing needs no extra dependency. Import this module
// before @peculiar/x509.
type MetadataKey = unknown;
type PropertyKeyOrClass = string | symbol | undefined;

const store = new WeakMap<object, Map<PropertyKeyOrClass, Map<MetadataKey, unknown>>>();

function ownMap(
  target: object,
  property: PropertyKeyOrClass,
  create: boolean,
): Map<MetadataKey, unknown> | undefined {
  let byProperty = store.get(target);
  if (byProperty === undefined) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let metadata = byProperty.get(property);
  if (metadata === undefined && create) {
    metadata = new Map();
    byProperty.set(property, metadata);
  }
  return metadata;
}

function defineMetadata(
  key: MetadataKey,
  value: unknown,
  target: object,
  property?: string | symbol,
): void {
  ownMap(target, property, true)?.set(key, value);
}

function hasOwnMetadata(key: MetadataKey, target: object, property?: string | symbol): boolean {
  return ownMap(target, property, false)?.has(key) ?? false;
}

function getOwnMetadata(key: MetadataKey, target: object, property?: string | symbol): unknown {
  return ownMap(target, property, false)?.get(key);
}

// Metadata is inherited along the prototype chain, as in the reflect-metadata proposal.
function getMetadata(key: MetadataKey, target: object, property?: string | symbol): unknown {
  for (
    let current: object | null = target;
    current !== null;
    current = Object.getPrototypeOf(current) as object | null
  ) {
    if (hasOwnMetadata(key, current, property)) return getOwnMetadata(key, current, property);
  }
  return undefined;
}

function hasMetadata(key: MetadataKey, target: object, property?: string | symbol): boolean {
  for (
    let current: object | null = target;
    current !== null;
    current = Object.getPrototypeOf(current) as object | null
  ) {
    if (hasOwnMetadata(key, current, property)) return true;
  }
  return false;
}

function metadata(key: MetadataKey, value: unknown) {
  return (target: object, property?: string | symbol): void =>
    defineMetadata(key, value, target, property);
}

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect['getMetadata'] !== 'function') {
  Object.assign(reflect, {
    defineMetadata,
    hasOwnMetadata,
    getOwnMetadata,
    getMetadata,
    hasMetadata,
    metadata,
  });
}
