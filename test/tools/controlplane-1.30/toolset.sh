# kube-apiserver of the oldest Kubernetes minor the project supports (the chart's kubeVersion),
# for the version matrix: the generated ValidatingAdmissionPolicy and the webhook's e2e
# verdicts also run on it, since the CEL environment differs between minors. etcd and kubectl
# come from the `controlplane` toolset (etcd 3.6 serves a 1.30 API server; kubectl only sends
# requests the server judges).
KUBE_VERSION=1.30.14
. "$(dirname "${BASH_SOURCE[0]}")/../k8s-wrapper.sh"

TOOLSET_BUILDS=(
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver
)
TOOLSET_LDFLAGS=$(k8s_version_ldflags "$KUBE_VERSION")

toolset_update_go_mod() {
  k8s_wrapper_go_mod "$KUBE_VERSION" 1.22.0 -- k8s.io/kubernetes/cmd/kube-apiserver
}
