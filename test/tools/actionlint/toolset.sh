# actionlint: lints action.yml's workflows under .github/workflows (and the shell in their
# `run:` steps, when shellcheck is installed) for test/package/workflows.test.ts.
ACTIONLINT_VERSION=1.7.12
TOOLSET_BUILDS=(
  actionlint=github.com/rhysd/actionlint/cmd/actionlint
)
TOOLSET_LDFLAGS="-X github.com/rhysd/actionlint.version=v$ACTIONLINT_VERSION"

toolset_update_go_mod() {
  rm -f go.mod go.sum
  go mod init local.invalid/mcpentry-actionlint
  go mod edit -go=1.24.0
  go get -tool "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
  go mod tidy
}
