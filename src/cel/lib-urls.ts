// Kubernetes' CEL `url` library: url(), isURL() and the getters on a URL value.
import { CelScalar, celFunc, celMethod, listType, mapType } from '@bufbuild/cel';
import { urlType } from './opaque-types.ts';
import {
  escapedPath,
  hostname,
  parseRequestUri,
  port,
  queryOf,
  type UrlParts,
} from './url-values.ts';

const { STRING, BOOL } = CelScalar;
const URL_TYPE = urlType.celType;

function partsOf(value: unknown): UrlParts {
  const text = typeof value === 'string' ? value : (urlType.unwrap(value) ?? '');
  const parsed = parseRequestUri(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

const getter = (name: string, read: (u: UrlParts) => string) =>
  celMethod(name, URL_TYPE, [], STRING, function () {
    return read(partsOf(this));
  });

export const urlFunctions = [
  celFunc('url', [STRING], URL_TYPE, (text) => {
    partsOf(text);
    return urlType.wrap(text);
  }),
  celFunc('isURL', [STRING], BOOL, (text) => parseRequestUri(text).ok),
  getter('getScheme', (u) => u.scheme),
  getter('getHost', (u) => u.host),
  getter('getHostname', hostname),
  getter('getPort', port),
  getter('getEscapedPath', escapedPath),
  celMethod('getQuery', URL_TYPE, [], mapType(STRING, listType(STRING)), function () {
    return queryOf(partsOf(this));
  }),
];
