// Reading the operator's host lists (src/policy/host-lists.ts) from where an operator keeps
// them: a ConfigMap manifest (for `check --host-lists`), or the directory a mounted ConfigMap
// becomes in the webhook's pod (one file per key). The same ConfigMap is the generated
// policy's parameter (`policy --host-lists-configmap`).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isRecord } from '../json-object.ts';
import { allowedHostsKey, deniedHostsKey, hostListsFromData } from '../model/host-lists.ts';
import type { HostLists } from '../model/review.ts';

export class HostListsFileError extends Error {}

export function readHostListsFile(path: string): HostLists {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new HostListsFileError(`host lists: cannot read ${path}`);
  }
  if (isDirectory) {
    const data: Record<string, string> = {};
    for (const key of [allowedHostsKey, deniedHostsKey]) {
      try {
        data[key] = readFileSync(join(path, key), 'utf8');
      } catch {
        // An absent key is an empty list.
      }
    }
    return hostListsFromData(data);
  }
  const docs = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as unknown);
  const configMap = docs.find((d) => isRecord(d) && d['kind'] === 'ConfigMap');
  if (!isRecord(configMap)) throw new HostListsFileError(`host lists: ${path} holds no ConfigMap`);
  return hostListsFromData(configMap['data']);
}
