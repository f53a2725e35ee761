#!/bin/sh
# Installs the webhook with certificates from certs/generate.ts (no cert-manager needed).
# Generates the CA and serving certificate on first run (reused afterwards), renders the
# self-signed overlay with caBundle filled in plus the TLS Secret, and applies it.
#
# Requires: kubectl pointed at the cluster, Node >= 22.18 and `npm ci` run in the repository.
# Environment:
#   CERTS_DIR      where the certificates live (default certs/generated)
#   IMAGE          webhook image to run instead of the overlay's (e.g. one loaded into kind)
#   KUSTOMIZATION  a kustomization built on this overlay, e.g. adding components
#   ROTATE=1       issue a new serving certificate under the same CA before applying
set -eu

repo=$(cd "$(dirname "$0")/../../.." && pwd)
certs=${CERTS_DIR:-$repo/certs/generated}
node=node
if [ -x "$repo/node_modules/.bin/node" ]; then node="$repo/node_modules/.bin/node"; fi

if [ ! -f "$certs/tls.crt" ] || [ "${ROTATE:-0}" = 1 ]; then
  "$node" "$repo/certs/generate.ts" --service mcpentry-webhook --namespace mcpentry-webhook \
    --out "$certs" >/dev/null
fi

set -- --certs "$certs"
if [ -n "${IMAGE:-}" ]; then set -- "$@" --image "$IMAGE"; fi
if [ -n "${KUSTOMIZATION:-}" ]; then set -- "$@" --kustomization "$KUSTOMIZATION"; fi

# Server-side apply: client-side apply would copy the whole Secret, private key included,
# into the last-applied-configuration annotation.
"$node" "$repo/deploy/render-self-signed.ts" "$@" |
  kubectl apply --server-side --field-manager=mcpentry-webhook-install -f -
