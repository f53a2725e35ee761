# The node side of the one-node cluster (test/harness/node-cluster.ts): kubelet,
# kube-controller-manager, kube-scheduler and kube-proxy from the same Kubernetes
# release as the controlplane toolset (so Go's build cache is shared), plus the
# pod sandbox ("pause") program built from ./pause.
# pause/main.go is not part of the cache key; bump PAUSE_REVISION when it changes.
KUBE_VERSION=1.34.2
PAUSE_REVISION=1
. "$(dirname "${BASH_SOURCE[0]}")/../k8s-wrapper.sh"

TOOLSET_BUILDS=(
  pause=./pause
  kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler
  kube-proxy=k8s.io/kubernetes/cmd/kube-proxy
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager
  kubelet=k8s.io/kubernetes/cmd/kubelet
)
TOOLSET_LDFLAGS=$(k8s_version_ldflags "$KUBE_VERSION")

toolset_update_go_mod() {
  k8s_wrapper_go_mod "$KUBE_VERSION" 1.24.0 -- \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy
}
