// The ValidatingAdmissionPolicy and its binding, assembled from the rule tables' CEL. Printed by
// `mcpentry-webhook policy` and run offline by src/admission-policy/evaluate.ts.
import { entryCrdName, entryGroup } from '../crd/crd-versions.ts';
import { loadBundledEntrySchemas } from '../crd/entry-schemas.ts';
import { isRecord } from '../json-object.ts';
import { celString } from './cel-text.ts';
import {
  headerValidations,
  headerVariables,
  headerWarningValidations,
  headerWarningVariables,
} from './header-cel.ts';
import { hostListValidation } from './host-lists-cel.ts';
import type { PolicyValidation, PolicyVariable } from './policy-types.ts';
import {
  remoteUrlValidations,
  remoteUrlVariables,
  remoteUrlWarningValidations,
} from './remote-url-cel.ts';

export const validationActionNames = ['Deny', 'Warn', 'Audit'] as const;
export type ValidationAction = (typeof validationActionNames)[number];

export interface AdmissionPolicyOptions {
  /** What the API server does when a validation fails (Deny, Warn, Audit; Deny with Warn is allowed). */
  readonly validationActions: readonly ValidationAction[];
  /** Name of the policy and its binding. */
  readonly name: string;
  /** The ConfigMap holding the operator's host lists, the policy's parameter. */
  readonly hostLists?: { readonly namespace: string; readonly name: string } | undefined;
}

export const defaultPolicyName = `mcpserverentries.mcpentry-webhook.dev`;

export interface AdmissionPolicy {
  /** Policy, binding, the warnings policy and binding, and with host lists one more pair. */
  readonly documents: readonly Record<string, unknown>[];
}

/** The transport values every served version of the bundled schema accepts. */
function transportValues(): string[] {
  const schemas = loadBundledEntrySchemas();
  const values = new Set<string>();
  for (const version of schemas.versions) {
    const schema = schemas.schema(version);
    const spec = isRecord(schema) && isRecord(schema.properties) ? schema.properties.spec : null;
    const props = isRecord(spec) && isRecord(spec.properties) ? spec.properties : null;
    const transport = props === null ? null : props.transport;
    const allowed = isRecord(transport) ? transport.enum : null;
    if (Array.isArray(allowed))
      for (const value of allowed) if (typeof value === 'string') values.add(value);
  }
  if (values.size === 0) throw new Error('the bundled schema has no transport enum');
  return [...values].sort();
}

function transportValidation(): PolicyValidation {
  const values = transportValues();
  const list = `[${values.map(celString).join(', ')}]`;
  const supported = values.map((value) => `"${value}"`).join(', ');
  return {
    expression:
      '!has(object.spec) || !has(object.spec.transport) || object.spec.transport in ' + list,
    messageExpression: `'spec.transport: Unsupported value: ' + strings.quote(object.spec.transport) + ${celString(`: supported values: ${supported}`)}`,
  };
}

export const policyVariables: readonly PolicyVariable[] = [
  ...remoteUrlVariables,
  ...headerVariables,
];

export function policyValidations(): PolicyValidation[] {
  return [transportValidation(), ...remoteUrlValidations, ...headerValidations];
}

/** The warnings policy: what the webhook warns about (plain http, credentials in plaintext). */
export const warningVariables: readonly PolicyVariable[] = [
  ...policyVariables,
  ...headerWarningVariables,
];
export const warningValidations: readonly PolicyValidation[] = [
  ...remoteUrlWarningValidations,
  ...headerWarningValidations,
];

/**
 * The webhook configurations' matchConditions: an object being deleted is only finishing, and an
 * UPDATE that leaves spec as it was (a label, a finalizer, a storage-version migration, a GitOps
 * re-apply) cannot change the verdict; neither is evaluated, so neither costs CEL.
 */
export const policyMatchConditions = [
  { name: 'not-being-deleted', expression: '!has(object.metadata.deletionTimestamp)' },
  {
    name: 'spec-changed',
    expression:
      "request.operation != 'UPDATE' || !has(object.spec) || !has(oldObject.spec) || object.spec != oldObject.spec",
  },
] as const;

const labels = { 'app.kubernetes.io/name': 'mcpentry-webhook' };

function policyObject(
  name: string,
  validations: readonly PolicyValidation[],
  withParams: boolean,
  variables: readonly PolicyVariable[] = policyVariables,
): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: {
      name,
      labels,
      annotations: { 'mcpentry-webhook.dev/generated-by': 'mcpentry-webhook policy' },
    },
    spec: {
      failurePolicy: 'Fail',
      ...(withParams ? { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } } : {}),
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [entryGroup],
            apiVersions: ['*'],
            operations: ['CREATE', 'UPDATE'],
            resources: [entryCrdName.slice(0, entryCrdName.indexOf('.'))],
          },
        ],
      },
      matchConditions: policyMatchConditions.map((c) => ({ ...c })),
      variables: variables.map((v) => ({ name: v.name, expression: v.expression })),
      validations: validations.map((v) => ({
        expression: v.expression,
        messageExpression: v.messageExpression,
      })),
    },
  };
}

function bindingObject(
  name: string,
  actions: readonly ValidationAction[],
  paramRef?: Record<string, string>,
): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels },
    spec: {
      policyName: name,
      validationActions: [...actions],
      ...(paramRef === undefined ? {} : { paramRef }),
    },
  };
}

/**
 * The policy and its binding; then the warnings policy (plain http, credentials in plaintext
 * headers: warnings in the webhook too), bound with Warn, or with Audit when the main binding
 * only audits; with host lists, a third pair whose parameter is the ConfigMap.
 * The lists live in a policy of their own because a binding whose parameter is missing either
 * passes everything (Allow) or refuses everything (Deny): a missing ConfigMap must mean "no
 * lists", not "no rules" or "no entries".
 */
export function admissionPolicy(options: AdmissionPolicyOptions): AdmissionPolicy {
  const documents = [
    policyObject(options.name, policyValidations(), false),
    bindingObject(options.name, options.validationActions),
  ];
  const warnings = `warnings.${options.name}`;
  const quiet = options.validationActions.every((a) => a === 'Audit');
  documents.push(
    policyObject(warnings, warningValidations, false, warningVariables),
    bindingObject(warnings, [quiet ? 'Audit' : 'Warn']),
  );
  if (options.hostLists !== undefined) {
    const name = `host-lists.${options.name}`;
    documents.push(
      policyObject(name, [hostListValidation], true),
      bindingObject(name, options.validationActions, {
        namespace: options.hostLists.namespace,
        name: options.hostLists.name,
        parameterNotFoundAction: 'Allow',
      }),
    );
  }
  return { documents };
}
