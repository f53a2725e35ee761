# promql-check (main.go here): Prometheus's own PromQL parser over the shipped alert rules
# (deploy/components/prometheusrule). Only the parser packages, not promtool, whose service
# discovery plugins pull in every cloud SDK. 0.307 (Prometheus 3.7) keeps the Go floor at 1.24.
PROMETHEUS_VERSION=0.307.3

TOOLSET_BUILDS=(
  promql-check=local.invalid/mcpentry-promql
)

toolset_update_go_mod() {
  rm -f go.mod go.sum
  go mod init local.invalid/mcpentry-promql >/dev/null 2>&1
  go mod edit -go=1.24.0 -require="github.com/prometheus/prometheus@v$PROMETHEUS_VERSION"
  go mod tidy
}
