#!/usr/bin/env bash
# Lays out the image's build context in OUT_DIR: app/ (the application bundled into one file
# by esbuild, with the package's schemas/, examples/ and LICENSE) and rootfs-<arch>/ for each ARCH
# (image/rootfs.sh). image/Dockerfile builds FROM scratch out of it; the local build
# (image/build.sh) and the release workflow (buildx, several architectures) use this same
# script and Dockerfile.
#
#   image/stage.sh OUT_DIR ARCH...
#
# The commit recorded in the bundle comes from MCPENTRY_COMMIT, else from git.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-}
shift || true
[ -n "$out" ] && [ "$#" -gt 0 ] || { echo "usage: image/stage.sh OUT_DIR ARCH..." >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out/app/dist"
out=$(cd "$out" && pwd)

cd "$root"
# One ES module, dependencies included: no node_modules (about 120 MB) in the image. The
# banner gives bundled CommonJS dependencies the `require` they expect.
node_modules/.bin/esbuild src/main.ts --bundle --platform=node --format=esm --target=node24 \
  --minify-whitespace --minify-syntax --legal-comments=eof --log-level=warning \
  --banner:js="import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" \
  --outfile="$out/app/dist/main.js"
commit=$(node -e "import('./scripts/build.ts').then((m) => process.stdout.write(m.currentCommit()))")
printf '{"commit":"%s"}\n' "$commit" >"$out/app/dist/build-info.json"
# package.json for the version (src/package-files.ts) and the module type; nothing else.
node -e "const p = require('./package.json'); process.stdout.write(JSON.stringify({ name: p.name, version: p.version, type: 'module', license: p.license }, null, 2) + '\n')" \
  >"$out/app/package.json"
cp LICENSE "$out/app/LICENSE"
cp -r schemas "$out/app/schemas"
mkdir -p "$out/app/examples"
cp examples/*.yaml "$out/app/examples/"
chmod -R a+rX,go-w "$out/app"

for arch in "$@"; do
  "$root/image/rootfs.sh" "$arch" "$out/rootfs-$arch"
done
cp "$root/image/Dockerfile" "$out/Dockerfile"
