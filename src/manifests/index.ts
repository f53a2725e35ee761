// The manifest layer's public face: read manifests as kubectl does, and tell objects apart.
export { readManifests, DEFAULT_MAX_FILE_BYTES, STDIN_SOURCE } from './read-manifests.ts';
export type { ReadManifestsOptions, ReadManifestsResult } from './read-manifests.ts';
export { parseManifestText } from './parse-manifest-text.ts';
export type { ParsedManifests } from './parse-manifest-text.ts';
export type { ManifestDocument, ManifestError, SourcePosition } from './manifest-document.ts';
export {
  apiGroupOf,
  groupVersionOf,
  isMcpServerEntry,
  kindOf,
  nameOf,
  namespaceOf,
  TOOLHIVE_API_GROUP,
} from './object-identity.ts';
export { MAX_ALIAS_EXPANSION_NODES, MAX_NESTING_DEPTH } from './construct.ts';
