// Waits until the API server has stopped recompiling the ValidatingAdmissionPolicies just
// applied, before a test writes objects they judge.
//
// Why: kube-apiserver (seen on 1.30.14; the same code is in 1.34) compiles every policy's
// `variables` into one type shared by all policies, and evaluating a policy reads that type.
// A compile during an evaluation can crash the whole API server with "fatal error: concurrent
// map read and map write" (kubernetes/kubernetes#135757). The API server compiles a policy
// when it, or a binding of it, changes, on its policy source's next one-second tick: each
// binding applied can land on a later tick than the policy that the probe already sees in
// force. Writing entries in that window made the version matrix lose its 1.30 API server in
// about one run of three. With kube-controller-manager running, its status controller writes
// each policy's type-check status a moment later, which changes the resourceVersion and
// compiles the policy once more; the test tier's control planes have no controller manager,
// so nobody writes that status there. docs/admission-policy.md tells operators the same.
import type { Kubectl } from '../../harness/kubectl.ts';

interface PolicyObject {
  readonly metadata: { readonly name: string; readonly generation?: number };
  readonly status?: { readonly observedGeneration?: number };
}

// The API server's policy source looks for changed policies and bindings once a second.
const refreshTicksMs = 2_500;

/**
 * Every policy with a type-check status (`{}` until a controller writes one) is waited for until
 * that status is for its generation, then two ticks pass: by then the policy source has
 * compiled the last change.
 */
export async function waitForPoliciesSettled(kubectl: Kubectl, giveUpMs = 60_000): Promise<void> {
  const deadline = Date.now() + giveUpMs;
  for (;;) {
    const { stdout } = await kubectl([
      'get',
      'validatingadmissionpolicies.admissionregistration.k8s.io',
      '-o',
      'json',
    ]);
    const pending = (JSON.parse(stdout) as { items: PolicyObject[] }).items
      .filter((p) => {
        const observed = p.status?.observedGeneration;
        return observed !== undefined && observed !== p.metadata.generation;
      })
      .map((p) => p.metadata.name);
    if (pending.length === 0) break;
    if (Date.now() > deadline)
      throw new Error(`the type checker never caught up with: ${pending.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await new Promise((resolve) => setTimeout(resolve, refreshTicksMs));
}
