# Shared by toolsets built from k8s.io/kubernetes (sourced by their toolset.sh).
#
# Why a wrapper module: k8s.io/kubernetes requires its staging modules at
# v0.0.0 and points them at ./staging with replace lines, which Go ignores in
# dependencies, so neither `go install ...@v1.34.2` nor a plain require builds
# (kubernetes/kubernetes#79384, #113302). The wrapper's go.mod replaces each
# staging module with its published tag. etcd's server module has the same
# kind of replace lines, but its requirements carry real versions, so
# requiring it is enough.

# The -X flags that make /version report the release instead of v0.0.0-master
# (without them kubectl warns about version skew).
k8s_version_ldflags() {
  local version=$1 minor=${1#1.}
  minor=${minor%%.*}
  printf '%s' "-X k8s.io/component-base/version.gitVersion=v$version" \
    " -X k8s.io/component-base/version.gitMajor=1" \
    " -X k8s.io/component-base/version.gitMinor=$minor" \
    " -X k8s.io/component-base/version.gitTreeState=clean"
}

# k8s_wrapper_go_mod KUBE_VERSION GO_VERSION EXTRA_REQUIRE... -- TOOL_PACKAGE...
# Regenerates go.mod/go.sum in the current directory.
k8s_wrapper_go_mod() {
  local kube_version=$1 go_version=$2
  shift 2
  local staging_version=0.${kube_version#1.} requires=() tools=() seen_sep=0 arg
  for arg in "$@"; do
    if [ "$arg" = "--" ]; then seen_sep=1; continue; fi
    if [ $seen_sep = 0 ]; then requires+=("-require=$arg"); else tools+=("-tool=$arg"); fi
  done
  rm -f go.mod go.sum
  go mod init local.invalid/mcpentry-tools >/dev/null 2>&1
  go mod edit -go="$go_version"
  # The staging list changes between releases, so read it from the release's
  # own go.mod: every k8s.io module it requires at v0.0.0 is a staging module.
  local published staging m
  published=$(go mod download -json "k8s.io/kubernetes@v$kube_version" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [ -n "$published" ] || { echo "could not download k8s.io/kubernetes@v$kube_version" >&2; return 1; }
  staging=$(grep -E '^[[:space:]]+k8s\.io/[a-z0-9-]+ v0\.0\.0([[:space:]]|$)' "$published" | awk '{print $1}' | sort -u)
  for m in $staging; do go mod edit -replace="$m=$m@v$staging_version"; done
  go mod edit -require="k8s.io/kubernetes@v$kube_version" "${requires[@]}" "${tools[@]}"
  go mod tidy
  echo "go.mod regenerated with $(echo "$staging" | wc -w) staging replaces" >&2
}
