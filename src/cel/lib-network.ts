// Kubernetes' CEL `ip` and `cidr` libraries. Values are opaque (see opaque-types.ts) and carry
// their canonical text; a string that does not parse is a CEL runtime error, as in Kubernetes.
import { CelScalar, celFunc, celMethod } from '@bufbuild/cel';
import {
  cidrContainsCidr,
  cidrContainsIp,
  formatCidr,
  formatIp,
  ipClass,
  maskedCidr,
  parseCidr,
  parseIp,
  type CidrValue,
  type IpValue,
} from './ip-values.ts';
import { cidrType, ipType } from './opaque-types.ts';

const { STRING, BOOL, INT } = CelScalar;
const IP = ipType.celType;
const CIDR = cidrType.celType;

function ipOf(value: unknown): IpValue {
  const text = typeof value === 'string' ? value : ipType.unwrap(value);
  const parsed = parseIp(text ?? '');
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

function cidrOf(value: unknown): CidrValue {
  const text = typeof value === 'string' ? value : cidrType.unwrap(value);
  const parsed = parseCidr(text ?? '');
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

const wrapIp = (ip: IpValue) => ipType.wrap(formatIp(ip));
const wrapCidr = (c: CidrValue) => cidrType.wrap(formatCidr(c));

const ipPredicate = (name: string, test: (ip: IpValue) => boolean) =>
  celMethod(name, IP, [], BOOL, function () {
    return test(ipOf(this));
  });

export const ipFunctions = [
  celFunc('ip', [STRING], IP, (text) => wrapIp(ipOf(text))),
  celFunc('isIP', [STRING], BOOL, (text) => parseIp(text).ok),
  celFunc('ip.isCanonical', [STRING], BOOL, (text) => formatIp(ipOf(text)) === text),
  celFunc('string', [IP], STRING, (ip) => ipType.unwrap(ip) ?? ''),
  celMethod('family', IP, [], INT, function () {
    return BigInt(ipOf(this).family);
  }),
  ipPredicate('isUnspecified', ipClass.unspecified),
  ipPredicate('isLoopback', ipClass.loopback),
  ipPredicate('isLinkLocalMulticast', ipClass.linkLocalMulticast),
  ipPredicate('isLinkLocalUnicast', ipClass.linkLocalUnicast),
  ipPredicate('isGlobalUnicast', ipClass.globalUnicast),
];

export const cidrFunctions = [
  celFunc('cidr', [STRING], CIDR, (text) => wrapCidr(cidrOf(text))),
  celFunc('isCIDR', [STRING], BOOL, (text) => parseCidr(text).ok),
  celFunc('string', [CIDR], STRING, (c) => cidrType.unwrap(c) ?? ''),
  celMethod('containsIP', CIDR, [IP], BOOL, function (ip) {
    return cidrContainsIp(cidrOf(this), ipOf(ip));
  }),
  celMethod('containsIP', CIDR, [STRING], BOOL, function (ip) {
    return cidrContainsIp(cidrOf(this), ipOf(ip));
  }),
  celMethod('containsCIDR', CIDR, [CIDR], BOOL, function (inner) {
    return cidrContainsCidr(cidrOf(this), cidrOf(inner));
  }),
  celMethod('containsCIDR', CIDR, [STRING], BOOL, function (inner) {
    return cidrContainsCidr(cidrOf(this), cidrOf(inner));
  }),
  celMethod('ip', CIDR, [], IP, function () {
    return wrapIp(cidrOf(this).ip);
  }),
  celMethod('masked', CIDR, [], CIDR, function () {
    return wrapCidr(maskedCidr(cidrOf(this)));
  }),
  celMethod('prefixLength', CIDR, [], INT, function () {
    return BigInt(cidrOf(this).prefixLength);
  }),
];
