# yamldecoder: the manifest reader of `kubectl apply -f` (apimachinery's YAMLOrJSONDecoder and
# sigs.k8s.io/yaml, Kubernetes 1.34), for the differential test of src/manifests/.
TOOLSET_BUILDS=(
  yamldecoder=.
)

toolset_update_go_mod() {
  rm -f go.mod go.sum
  go mod init local.invalid/mcpentry-yamldecoder
  go mod edit -go=1.24.0
  go get k8s.io/apimachinery@v0.34.2 sigs.k8s.io/yaml@v1.6.0
  go mod tidy
}
