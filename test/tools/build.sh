#!/usr/bin/env bash
# The one build script for every Go tool the tests need. Each toolset is a
# directory beside this script holding a Go module (go.mod, go.sum) and a
# toolset.sh that names what to build from it. Binaries land in a cache
# outside the repository, keyed by the toolset's files, and are reused until
# those files change. Every toolset shares Go's own module and build caches,
# so a package built for one toolset is not compiled again for another.
#
#   test/tools/build.sh TOOLSET                 build (or reuse); prints the bin dir
#   test/tools/build.sh TOOLSET --update-go-mod regenerate the toolset's go.mod/go.sum
#
# Environment:
#   MCPENTRY_TOOLS_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/mcpentry-webhook/tools)
#
# toolset.sh sets:
#   TOOLSET_BUILDS   array of "name=package" (one binary each)
#   TOOLSET_LDFLAGS  extra -ldflags (optional)
#   TOOLSET_CGO      1 to build with cgo (optional; default off: static binaries)
# and may define toolset_update_go_mod, run in the toolset directory.
set -euo pipefail

tools_dir=$(cd "$(dirname "$0")" && pwd)
log() { printf 'tools-build: %s\n' "$*" >&2; }

toolset=${1:-}
[ -n "$toolset" ] || { log "usage: build.sh TOOLSET [--update-go-mod]"; exit 2; }
toolset_dir=$tools_dir/$toolset
[ -f "$toolset_dir/toolset.sh" ] || { log "no toolset '$toolset' (expected $toolset_dir/toolset.sh)"; exit 2; }

TOOLSET_BUILDS=()
TOOLSET_LDFLAGS=""
TOOLSET_CGO=0
# shellcheck source=/dev/null
. "$toolset_dir/toolset.sh"

if [ "${2:-}" = "--update-go-mod" ]; then
  declare -F toolset_update_go_mod >/dev/null || { log "toolset '$toolset' has no toolset_update_go_mod"; exit 2; }
  (cd "$toolset_dir" && toolset_update_go_mod)
  exit 0
elif [ -n "${2:-}" ]; then
  log "unknown argument: $2"; exit 2
fi

# The key covers everything that decides the binaries: the toolset's own
# files. A changed go.mod or flag list builds into a new directory, so a stale
# binary is never reused.
key=$(cd "$toolset_dir" && cat toolset.sh go.mod go.sum 2>/dev/null | sha256sum | cut -c1-12)
cache_root=${MCPENTRY_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcpentry-webhook/tools}
bin_dir=$cache_root/$toolset-$key/bin

have_all() {
  local entry
  for entry in "${TOOLSET_BUILDS[@]}"; do
    [ -x "$bin_dir/${entry%%=*}" ] || return 1
  done
}

scratch=""
cleanup() { [ -z "$scratch" ] || rm -rf "$scratch"; }
trap cleanup EXIT

build() {
  command -v go >/dev/null 2>&1 || { log "go is not installed; it is needed once to build '$toolset'"; exit 1; }
  cd "$toolset_dir"
  # Build into a scratch directory and rename at the end, so an interrupted
  # run never leaves a half-written binary that the fast path would trust.
  scratch=$(mktemp -d "$cache_root/.build-$toolset.XXXXXX")
  chmod 755 "$scratch"
  local started=$SECONDS entry
  log "building $toolset (${#TOOLSET_BUILDS[@]} binaries; a cold build takes minutes)"
  export CGO_ENABLED=$TOOLSET_CGO GOWORK=off
  for entry in "${TOOLSET_BUILDS[@]}"; do
    go build -trimpath -ldflags "-s -w $TOOLSET_LDFLAGS" -o "$scratch/${entry%%=*}" "${entry#*=}"
  done
  mkdir -p "$bin_dir"
  for entry in "${TOOLSET_BUILDS[@]}"; do mv -f "$scratch/${entry%%=*}" "$bin_dir/"; done
  log "built $toolset in $((SECONDS - started))s into $bin_dir"
}

if ! have_all; then
  mkdir -p "$cache_root"
  # Two test runs starting at once on a fresh machine: the second waits for
  # the first build instead of compiling everything a second time.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$cache_root/.build-$toolset.lock"
    flock 9
  fi
  have_all || build
fi
printf '%s\n' "$bin_dir"
