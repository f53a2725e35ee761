#!/bin/sh
# From nothing to a kind cluster where the webhook admits a good MCPServerEntry and refuses
# a bad one. Requires docker, kind, kubectl, and Node >= 22.18 with `npm ci` run in the
# repository (certs/generate.ts and the renderer run on the host).
#
#   deploy/kind/quickstart.sh            # create (or reuse) the cluster and install
#   CLUSTER_NAME=other deploy/kind/quickstart.sh
#   kind delete cluster --name mcpentry  # clean up
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
cluster=${CLUSTER_NAME:-mcpentry}
# Not :latest: kind nodes must use the loaded image, and :latest would make the kubelet
# try to pull it.
image=${IMAGE:-mcpentry-webhook:kind}
context="kind-$cluster"

step() { printf '\n==> %s\n' "$*"; }

cd "$repo"

step "cluster $cluster"
if kind get clusters | grep -qx "$cluster"; then
  echo "reusing existing cluster"
else
  kind create cluster --name "$cluster" --config deploy/kind/cluster.yaml --wait 120s
fi
kubectl config use-context "$context" >/dev/null

step "image $image"
image/build.sh "$image" >/dev/null   # FROM scratch: see image/README.md
kind load docker-image "$image" --name "$cluster"

step "CRDs (a bare cluster has no ToolHive; clusters with ToolHive already have them)"
kubectl apply --server-side -k deploy/crds
kubectl wait --for condition=Established --timeout=60s \
  crd/mcpserverentries.toolhive.stacklok.dev \
  crd/mcpgroups.toolhive.stacklok.dev \
  crd/mcpexternalauthconfigs.toolhive.stacklok.dev

step "webhook (self-signed overlay)"
IMAGE="$image" deploy/overlays/self-signed/install.sh
kubectl -n mcpentry-webhook rollout status deployment/mcpentry-webhook --timeout=180s

if [ -d examples ]; then
  step "examples/"
  # Not recursive: examples/reviews/ holds AdmissionReview requests, not manifests.
  kubectl apply --server-side -f examples/
fi

step "an entry the webhook admits"
kubectl create namespace quickstart --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -f - <<'YAML'
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPGroup
metadata:
  name: quickstart-tools
  namespace: quickstart
spec:
  description: Remote MCP servers for the quickstart
---
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServerEntry
metadata:
  name: public-docs
  namespace: quickstart
spec:
  remoteUrl: https://mcp.example.com/mcp
  transport: streamable-http
  groupRef:
    name: quickstart-tools
YAML
# No ToolHive operator here, so the group never turns Ready: expect a warning, not a denial.
kubectl -n quickstart get mcpserverentries

step "an entry the webhook refuses (cloud metadata endpoint, missing group)"
if kubectl apply -f - <<'YAML'
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServerEntry
metadata:
  name: metadata-grab
  namespace: quickstart
spec:
  remoteUrl: http://169.254.169.254/latest/meta-data
  transport: streamable-http
  groupRef:
    name: no-such-group
YAML
then
  echo "unexpected: the bad entry was admitted" >&2
  exit 1
fi

step "done"
echo "The webhook runs in namespace mcpentry-webhook (context $context)."
echo "Clean up with: kind delete cluster --name $cluster"
