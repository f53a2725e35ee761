#!/usr/bin/env bash
# Docker Engine from Debian's packages (docker.io), and its daemon started in the background
# (no init system here). The image test builds and runs the webhook image with it; the node
# tier uses it too. Idempotent: an installed package is not reinstalled, a daemon that answers
# is left alone, and concurrent runs wait on one lock.
set -euo pipefail

log() { printf '20-docker: %s\n' "$*" >&2; }
exec 8>/var/lock/mcpentry-docker.lock
flock 8

daemon_answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# A machine with a running Docker of its own (a GitHub runner's docker-ce) keeps it.
if ! daemon_answers && ! command -v dockerd >/dev/null; then
  log "installing docker.io"
  apt-get update -qq
  # The package's own start-up attempt fails without an init system; the daemon is started below.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io iptables >/dev/null
fi

if ! daemon_answers; then
  log "starting dockerd (log: /var/log/mcpentry-dockerd.log)"
  # A daemon killed uncleanly leaves its pid file; the new one refuses to start while it exists.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  # 8>&-: the daemon must not inherit the lock, or the next run of this script waits forever.
  setsid nohup dockerd >>/var/log/mcpentry-dockerd.log 2>&1 </dev/null 8>&- &
  for _ in $(seq 1 60); do
    daemon_answers && break
    sleep 1
  done
  daemon_answers || { log "dockerd did not answer within 60 s; see /var/log/mcpentry-dockerd.log"; exit 1; }
fi
log "docker $(docker version --format '{{.Server.Version}}') ready"
