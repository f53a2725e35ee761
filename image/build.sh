#!/usr/bin/env bash
# Builds the image locally for this machine's architecture and tags it
# mcpentry-webhook:<package.json version>, and also with the published name the chart, deploy/
# and the README use (<registry>/<org>/mcpentry-webhook:<version>, from the one place that
# names them, .github/workflows/release.yml), so their commands run the local build. Prints the
# first tag; reports the size on stderr. Docker 20.10's classic builder is enough: the Dockerfile starts FROM
# scratch, so nothing is pulled.
#
#   image/build.sh [TAG]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=$(node -p "require('./package.json').version")
tag=${1:-mcpentry-webhook:$version}
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) echo "unsupported machine $(uname -m)" >&2; exit 1 ;; esac
stage=$(mktemp -d "${TMPDIR:-/tmp}/mcpentry-image.XXXXXX")
trap 'rm -rf "$stage"' EXIT
image/stage.sh "$stage" "$arch"
revision=$(cat "$stage/app/dist/build-info.json" | node -p "JSON.parse(require('fs').readFileSync(0, 'utf8')).commit")
docker build --quiet --tag "$tag" \
  --build-arg TARGETARCH="$arch" --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  "$stage" >/dev/null
published=$(image/published-name.sh):$version
docker tag "$tag" "$published"
size=$(docker image inspect --format '{{.Size}}' "$tag")
printf 'image/build: %s (also %s) built, %s MB uncompressed\n' "$tag" "$published" "$((size / 1000000))" >&2
printf '%s\n' "$tag"
