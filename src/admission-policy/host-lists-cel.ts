// The operator's host lists (src/policy/host-lists.ts) in the generated policy: the same
// ConfigMap the webhook and `check` read is the policy's parameter (paramKind ConfigMap), so
// one edit of it changes all three.
import { allowedHostsKey, deniedHostsKey } from '../policy/host-lists.ts';
import { celLet } from './cel-text.ts';
import type { PolicyValidation } from './policy-types.ts';

const patterns = (key: string): string =>
  `has(params.data) && has(params.data.${key}) ? params.data.${key}.replace(',', '\\n').split('\\n').map(p, p.trim().lowerAscii()).filter(p, p != '' && !p.startsWith('#')) : []`;
const matches = (list: string): string =>
  `${list}.filter(p, p.startsWith('*.') ? variables.listHost.endsWith(p.substring(1)) : variables.listHost == p)`;

export const hostListValidation: PolicyValidation = {
  expression: `params == null || !variables.urlJudged || !variables.urlReadable || variables.hostProblem != '' || ${celLet(
    'denied',
    patterns(deniedHostsKey),
    celLet(
      'allowed',
      patterns(allowedHostsKey),
      `size(${matches('denied')}) == 0 && (size(allowed) == 0 || size(${matches('allowed')}) > 0)`,
    ),
  )}`,
  messageExpression: `'spec.remoteUrl: Invalid value: ' + strings.quote(variables.shownUrl) + ': ' + ${celLet(
    'denied',
    patterns(deniedHostsKey),
    `size(${matches('denied')}) > 0 ? 'host ' + variables.listHost + ' is refused by the operator\\'s denied host list (' + ${matches('denied')}[0] + ')' : 'host ' + variables.listHost + ' is not on the operator\\'s allowed host list'`,
  )}`,
};
