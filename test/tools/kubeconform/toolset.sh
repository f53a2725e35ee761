# kubeconform: the schema-only manifest validator, the speed baseline of bench/check-speed.ts.
KUBECONFORM_VERSION=0.7.0
TOOLSET_BUILDS=(
  kubeconform=github.com/yannh/kubeconform/cmd/kubeconform
)

toolset_update_go_mod() {
  rm -f go.mod go.sum
  go mod init local.invalid/mcpentry-kubeconform
  go mod edit -go=1.24.0
  go get "github.com/yannh/kubeconform@v$KUBECONFORM_VERSION"
  go mod edit -tool=github.com/yannh/kubeconform/cmd/kubeconform
  go mod tidy
}
