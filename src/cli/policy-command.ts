// `mcpentry-webhook policy`: print the ValidatingAdmissionPolicy and its binding generated from
// the engine's rule tables (src/admission-policy/). Arguments are parsed by one pure function,
// so the command is testable without a process; the caller sets the exit code.
import { stringify } from 'yaml';
import {
  admissionPolicy,
  defaultPolicyName,
  validationActionNames,
  type ValidationAction,
} from '../admission-policy/policy-document.ts';

export const policyUsage = `Usage: mcpentry-webhook policy [options]

Print a ValidatingAdmissionPolicy and its binding that enforce, inside the API server, every
rule of the webhook that needs no lookups (remoteUrl, headerForward, transport). Apply it with
\`mcpentry-webhook policy | kubectl apply -f -\`; see docs/admission-policy.md.

Options:
  --action ACTIONS   What the API server does on a failed rule: Deny (default), Warn, Audit,
                     or a comma-separated combination such as Warn,Audit
  --name NAME        Name of the policy and the binding (default ${defaultPolicyName})
  --host-lists-configmap NAMESPACE/NAME
                     Also enforce the operator's allowedHosts/deniedHosts from this ConfigMap
                     (the policy's paramKind; the same ConfigMap the webhook's --host-lists
                     mounts). Without the ConfigMap the lists are empty.
  -o, --output FMT   yaml (default) or json (a v1 List)
  -h, --help         Show this help
`;

export interface PolicyCommandOptions {
  readonly actions: readonly ValidationAction[];
  readonly name: string;
  readonly output: 'yaml' | 'json';
  readonly hostLists?: { readonly namespace: string; readonly name: string } | undefined;
}

export type PolicyArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'run'; readonly options: PolicyCommandOptions }
  | { readonly kind: 'error'; readonly message: string };

// Kubernetes' own rule for a binding's actions: Deny and Warn together would report twice.
function parseActions(text: string): ValidationAction[] | string {
  const actions: ValidationAction[] = [];
  for (const part of text.split(',')) {
    const found = validationActionNames.find((a) => a.toLowerCase() === part.trim().toLowerCase());
    if (found === undefined)
      return `unknown action ${JSON.stringify(part)} (expected ${validationActionNames.join(', ')})`;
    if (!actions.includes(found)) actions.push(found);
  }
  if (actions.includes('Deny') && actions.includes('Warn'))
    return 'Deny and Warn cannot be combined (the API server refuses such a binding)';
  return actions;
}

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parsePolicyArgs(args: readonly string[]): PolicyArgs {
  let actions: ValidationAction[] = ['Deny'];
  let name = defaultPolicyName;
  let output: 'yaml' | 'json' = 'yaml';
  let hostLists: { namespace: string; name: string } | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case '-h':
      case '--help':
        return { kind: 'help' };
      case '--action': {
        const text = value();
        if (text === undefined) return { kind: 'error', message: '--action needs a value' };
        const parsed = parseActions(text);
        if (typeof parsed === 'string') return { kind: 'error', message: parsed };
        actions = parsed;
        break;
      }
      case '--name': {
        const text = value();
        if (text === undefined || !dns1123Subdomain.test(text) || text.length > 253)
          return { kind: 'error', message: '--name needs a DNS subdomain name' };
        name = text;
        break;
      }
      case '--host-lists-configmap': {
        const [namespace = '', configMap = '', ...rest] = (value() ?? '').split('/');
        const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
        if (!label.test(namespace) || !dns1123Subdomain.test(configMap) || rest.length > 0)
          return { kind: 'error', message: '--host-lists-configmap needs NAMESPACE/NAME' };
        hostLists = { namespace, name: configMap };
        break;
      }
      case '-o':
      case '--output': {
        const text = value();
        if (text !== 'yaml' && text !== 'json')
          return { kind: 'error', message: '--output is yaml or json' };
        output = text;
        break;
      }
      default:
        return { kind: 'error', message: `unknown argument ${JSON.stringify(arg)}` };
    }
  }
  return { kind: 'run', options: { actions, name, output, hostLists } };
}

/** The policy and binding as text, in the requested format. */
export function renderPolicy(options: PolicyCommandOptions): string {
  const { documents } = admissionPolicy({
    name: options.name,
    validationActions: options.actions,
    hostLists: options.hostLists,
  });
  if (options.output === 'json')
    return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: documents }, null, 2)}\n`;
  const yaml = (doc: unknown): string => stringify(doc, { lineWidth: 0 });
  return `# Generated by \`mcpentry-webhook policy\` from the webhook's rule tables; do not edit.\n${documents.map(yaml).join('---\n')}`;
}

export interface PolicyIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Runs the command; returns the exit code. */
export function runPolicyCommand(args: readonly string[], io: PolicyIo): number {
  const parsed = parsePolicyArgs(args);
  if (parsed.kind === 'help') {
    io.stdout.write(policyUsage);
    return 0;
  }
  if (parsed.kind === 'error') {
    io.stderr.write(`mcpentry-webhook policy: ${parsed.message}\n\n${policyUsage}`);
    return 2;
  }
  io.stdout.write(renderPolicy(parsed.options));
  return 0;
}
