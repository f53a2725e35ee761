#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd from the Go module proxy into a
# per-version cache outside the repository, and prints that directory.
#
#   test/controlplane/build.sh              build (or reuse) the binaries
#   test/controlplane/build.sh --update-go-mod
#                                           regenerate go.mod/go.sum from the
#                                           release's published go.mod
#
# Environment:
#   MCPENTRY_KUBE_BIN_DIR  where the binaries go (default: the version-keyed
#                          directory under ${XDG_CACHE_HOME:-$HOME/.cache})
#
# Why a wrapper module: k8s.io/kubernetes requires its staging modules at
# v0.0.0 and points them at ./staging with replace lines, which Go ignores in
# dependencies, so neither `go install ...@v1.34.2` nor a plain require
# builds (kubernetes/kubernetes#79384, #113302). Our go.mod replaces each
# staging module with its published v0.34.2 tag. etcd's server module has
# the same kind of replace lines, but its requirements carry real versions,
# so requiring it here is enough.
set -euo pipefail

KUBE_VERSION=1.34.2
ETCD_VERSION=3.6.5
STAGING_VERSION=0.${KUBE_VERSION#1.}
KUBE_MINOR=${KUBE_VERSION#1.}
KUBE_MINOR=${KUBE_MINOR%%.*}

cache_root=${XDG_CACHE_HOME:-$HOME/.cache}
bin_dir=${MCPENTRY_KUBE_BIN_DIR:-$cache_root/mcpentry-webhook/kube-v$KUBE_VERSION-etcd-v$ETCD_VERSION/bin}
module_dir=$(cd "$(dirname "$0")" && pwd)
binaries="kube-apiserver kubectl etcd"

log() { printf 'controlplane-build: %s\n' "$*" >&2; }

have_all_binaries() {
  for b in $binaries; do
    [ -x "$bin_dir/$b" ] || return 1
  done
}

update_go_mod() {
  cd "$module_dir"
  rm -f go.mod go.sum
  go mod init local.invalid/mcpentry-controlplane >/dev/null 2>&1
  # The release's own minimum; `go mod tidy` raises it if a dependency needs more.
  go mod edit -go=1.24.0
  # The staging list changes between releases (streaming, cri-streaming,
  # externaljwt ...), so read it from the release's own go.mod: every
  # k8s.io module it requires at v0.0.0 is a staging module.
  local published
  published=$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" |
    sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  [ -n "$published" ] || { log "could not download k8s.io/kubernetes@v$KUBE_VERSION"; exit 1; }
  local staging
  staging=$(grep -E '^[[:space:]]+k8s\.io/[a-z0-9-]+ v0\.0\.0([[:space:]]|$)' "$published" | awk '{print $1}' | sort -u)
  local m
  for m in $staging; do
    go mod edit -replace="$m=$m@v$STAGING_VERSION"
  done
  go mod edit \
    -require="k8s.io/kubernetes@v$KUBE_VERSION" \
    -require="go.etcd.io/etcd/server/v3@v$ETCD_VERSION" \
    -tool=k8s.io/kubernetes/cmd/kube-apiserver \
    -tool=k8s.io/kubernetes/cmd/kubectl \
    -tool=go.etcd.io/etcd/server/v3
  go mod tidy
  log "go.mod regenerated with $(echo "$staging" | wc -w) staging replaces"
}

scratch=""
cleanup() { [ -z "$scratch" ] || rm -rf "$scratch"; }
trap cleanup EXIT

build() {
  cd "$module_dir"
  mkdir -p "$(dirname "$bin_dir")"
  # Build into a scratch directory and rename at the end, so a run that is
  # interrupted never leaves a half-written binary that the fast path would
  # trust.
  scratch=$(mktemp -d "$(dirname "$bin_dir")/.bin-build.XXXXXX")
  chmod 755 "$scratch"
  # Without these -X flags /version reports v0.0.0-master and kubectl warns
  # about version skew.
  local version_flags="-X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION"
  version_flags="$version_flags -X k8s.io/component-base/version.gitMajor=1"
  version_flags="$version_flags -X k8s.io/component-base/version.gitMinor=$KUBE_MINOR"
  version_flags="$version_flags -X k8s.io/component-base/version.gitTreeState=clean"
  local started=$SECONDS
  log "building kube-apiserver and kubectl v$KUBE_VERSION, etcd v$ETCD_VERSION (a cold build takes minutes)"
  export CGO_ENABLED=0
  go build -trimpath -ldflags "-s -w $version_flags" -o "$scratch/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
  # etcd's main package path ends in /v3, so it needs its own -o name.
  go build -trimpath -ldflags "-s -w" -o "$scratch/etcd" go.etcd.io/etcd/server/v3
  if [ -d "$bin_dir" ]; then
    for b in $binaries; do mv -f "$scratch/$b" "$bin_dir/$b"; done
  else
    mv "$scratch" "$bin_dir" 2>/dev/null || {
      mkdir -p "$bin_dir"
      for b in $binaries; do mv -f "$scratch/$b" "$bin_dir/$b"; done
    }
  fi
  log "built in $((SECONDS - started))s into $bin_dir"
}

case "${1:-}" in
  --update-go-mod) update_go_mod; exit 0 ;;
  "") ;;
  *) log "unknown argument: $1"; exit 2 ;;
esac

if ! have_all_binaries; then
  command -v go >/dev/null 2>&1 || { log "go is not installed; it is needed once to build the control plane"; exit 1; }
  mkdir -p "$(dirname "$bin_dir")"
  # Two test runs starting at once on a fresh machine: the second waits for
  # the first build instead of compiling everything a second time.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$(dirname "$bin_dir")/.build.lock"
    flock 9
  fi
  have_all_binaries || build
fi
printf '%s\n' "$bin_dir"
