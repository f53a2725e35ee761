# celcost (main.go here): the runtime CEL cost the API server charges the generated
# ValidatingAdmissionPolicy, computed by the API server's own admission packages
# (k8s.io/apiserver 0.34.2, the control plane's version, so the compiled packages are shared).
# The API server keeps no static cost estimate for a ValidatingAdmissionPolicy: it compiles the
# expressions on create and enforces the cost at run time (10^6 per expression, 10^7 per policy
# evaluation), which is what this tool measures.
# build.sh's cache key covers this file and go.mod/go.sum, not main.go: MAIN_GO_SHA256 is
# main.go's hash (test/admission-policy/cel-cost.test.ts checks it), so editing main.go means
# updating it, which rebuilds.
MAIN_GO_SHA256=c6d77542503ffdc5448f53bfdd4b36e4896317e5d919f0ef928107315f9c16fd
KUBE_VERSION=1.34.2
. "$(dirname "${BASH_SOURCE[0]}")/../k8s-wrapper.sh"

TOOLSET_BUILDS=(
  celcost=local.invalid/mcpentry-tools
)

toolset_update_go_mod() {
  k8s_wrapper_go_mod "$KUBE_VERSION" 1.24.0 "k8s.io/apiserver@v0.34.2" --
}
