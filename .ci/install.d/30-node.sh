#!/usr/bin/env bash
# The one-node cluster of the e2e tier (test/harness/node-cluster.ts): containerd (Debian
# ships it with docker.io; the docker step installs that package), runc, the CNI plugins
# and iptables for kube-proxy. Idempotent: nothing is fetched when all are present.
# Docker itself (and its daemon) is .ci/install.d/20-docker.sh's; this only adds what the
# node needs on top.
set -euo pipefail

need=()
[ -x /usr/bin/containerd ] || need+=(containerd)
[ -x /usr/sbin/runc ] || need+=(runc)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
[ -x /usr/sbin/iptables ] || need+=(iptables)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v umount >/dev/null 2>&1 || need+=(mount)

if [ ${#need[@]} -gt 0 ]; then
  echo "30-node: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The docker step may have refreshed the lists a moment ago; a second update is cheap.
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "30-node: containerd $(/usr/bin/containerd --version | awk '{print $3}'), runc $(/usr/sbin/runc --version | awk 'NR==1{print $3}'), CNI plugins in /usr/lib/cni"
