# kube-apiserver, kubectl and etcd for the e2e tier's control plane.
KUBE_VERSION=1.34.2
ETCD_VERSION=3.6.5
. "$(dirname "${BASH_SOURCE[0]}")/../k8s-wrapper.sh"

TOOLSET_BUILDS=(
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver
  kubectl=k8s.io/kubernetes/cmd/kubectl
  etcd=go.etcd.io/etcd/server/v3
)
TOOLSET_LDFLAGS=$(k8s_version_ldflags "$KUBE_VERSION")

toolset_update_go_mod() {
  k8s_wrapper_go_mod "$KUBE_VERSION" 1.24.0 "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" -- \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl go.etcd.io/etcd/server/v3
}
