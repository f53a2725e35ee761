# helm for the chart tests (helm lint, helm template, and the install e2e against the local
# control plane). Built from helm.sh/helm/v3's Go module like every other tool of the tier.
HELM_VERSION=3.19.5

TOOLSET_BUILDS=(
  helm=helm.sh/helm/v3/cmd/helm
)
# helm --version reports the release instead of v3.x-dirty-unknown.
TOOLSET_LDFLAGS="-X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"

toolset_update_go_mod() {
  rm -f go.mod go.sum
  go mod init local.invalid/mcpentry-helm >/dev/null 2>&1
  go mod edit -go=1.24.0 -require="helm.sh/helm/v3@v$HELM_VERSION" -tool=helm.sh/helm/v3/cmd/helm
  go mod tidy
}
