#!/bin/sh
# Prints where the release workflow publishes the image, <registry>/<org>/mcpentry-webhook,
# read from the one place that names the registry and organisation: the `env` of
# .github/workflows/release.yml.
set -eu
workflow="$(cd "$(dirname "$0")/.." && pwd)/.github/workflows/release.yml"
registry=$(sed -n 's/^  REGISTRY: *//p' "$workflow")
org=$(sed -n 's/^  ORG: *//p' "$workflow")
if [ -z "$registry" ] || [ -z "$org" ]; then
  echo "image/published-name.sh: no REGISTRY or ORG in $workflow's env" >&2
  exit 1
fi
printf '%s/%s/mcpentry-webhook\n' "$registry" "$org"
