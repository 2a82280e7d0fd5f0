#!/usr/bin/env bash
# Stop what scripts/ckan-up.sh started (idempotent): the CKAN server (.ckan/ckan.pid), Redis
# if ckan-up started it (.ckan/redis.pid) and PostgreSQL if ckan-up started it
# (.ckan/postgres.started-by-ckan-up). Data (.ckan/, the databases) is kept.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CK="$ROOT/.ckan"
say() { echo "ckan-down: $*"; }

# stop_pid FILE PATTERN NAME: TERM (then KILL after 15 s) the pid in FILE if its command line
# matches PATTERN (guards against a recycled pid), then remove FILE.
stop_pid() {
  local file="$1" pattern="$2" name="$3" pid
  [[ -s "$file" ]] || { rm -f "$file"; return 0; }
  pid="$(<"$file")"
  local cmd=""
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || cmd=""
  fi
  if [[ -n "$cmd" && "$cmd" =~ $pattern ]]; then
    say "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name did not stop, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

stop_pid "$CK/ckan.pid" "ckan.* run " "CKAN"
stop_pid "$CK/redis.pid" "redis-server" "Redis"

marker="$CK/postgres.started-by-ckan-up"
if [[ -s "$marker" ]]; then
  read -r pg_version pg_cluster <"$marker"
  if [[ "$(pg_lsclusters -h "$pg_version" "$pg_cluster" 2>/dev/null | awk '{print $4}')" == online* ]]; then
    say "stopping PostgreSQL $pg_version/$pg_cluster"
    pg_ctlcluster "$pg_version" "$pg_cluster" stop
  fi
  rm -f "$marker"
fi
say "stopped"
