#!/usr/bin/env bash
# Stop what scripts/ckan-up.sh started (idempotent): the CKAN server (.ckan/ckan.pid), and
# the xloader job worker (.ckan/worker.pid), Redis / PostgreSQL if ckan-up started them (.ckan/redis.pid, .ckan/postgres.started-by-ckan-up)
# AND no other portal on the machine uses them. Data (.ckan/, the databases) is kept.
#
# A good neighbour: other checkouts' portals share the machine's PostgreSQL cluster and maybe
# a Redis. Redis is kept while another CKAN process's ckan.ini points at the same port, or
# while other clients are connected to it. PostgreSQL is kept while another CKAN process
# runs, or while any client is connected to a database that is not this portal's.
#
#   CKAN_DOWN_DRY_RUN=1 bash scripts/ckan-down.sh   # say what would be stopped or kept; stop nothing
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CK="$ROOT/.ckan"
INI="$CK/ckan.ini"
DRY="${CKAN_DOWN_DRY_RUN:-}"
PG_PORT="${CKAN_PG_PORT:-5432}"
say() { echo "ckan-down: $*"; }

# ini_value KEY: a value of this portal's ckan.ini ("" when there is none).
ini_value() { [[ -f "$INI" ]] && sed -n "s|^$1 *= *||p" "$INI" | tail -n1 || true; }
OUR_REDIS_PORT="$(ini_value ckan.redis.url | sed -n 's|^redis://[^:/]*:\([0-9]*\).*|\1|p')"
OUR_DB="$(ini_value sqlalchemy.url | sed -n 's|.*/\([a-z_][a-z0-9_]*\)$|\1|p')"
OUR_DS_DB="$(ini_value ckan.datastore.write_url | sed -n 's|.*/\([a-z_][a-z0-9_]*\)$|\1|p')"

# other_ckan_inis: the ckan.ini of every running CKAN server except this checkout's.
other_ckan_inis() {
  local d cmd ini
  for d in /proc/[0-9]*; do
    cmd="$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" || continue
    [[ "$cmd" =~ /bin/ckan\ -c\ ([^ ]+)\ run\  ]] || continue
    ini="${BASH_REMATCH[1]}"
    [[ "$ini" == "$INI" ]] || echo "$ini"
  done
}

# redis_users: why this portal's Redis must stay (empty when nobody else uses it).
redis_users() {
  local ini port clients
  while read -r ini; do
    [[ -n "$ini" ]] || continue
    port="$(sed -n 's|^ckan.redis.url *= *redis://[^:/]*:\([0-9]*\).*|\1|p' "$ini" 2>/dev/null | tail -n1)"
    [[ -z "$port" ]] && port=6379   # CKAN's default
    [[ "$port" == "$OUR_REDIS_PORT" ]] && echo "the portal of $ini"
  done < <(other_ckan_inis)
  if [[ -n "$OUR_REDIS_PORT" ]]; then
    # connected clients, minus the redis-cli asking
    clients="$(redis-cli -h 127.0.0.1 -p "$OUR_REDIS_PORT" client list 2>/dev/null | grep -vc 'cmd=client' || true)"
    [[ "${clients:-0}" -gt 0 ]] && echo "$clients other client connection(s)"
  fi
  return 0
}

# postgres_users: why the cluster must stay (empty only when provably nobody else uses it).
postgres_users() {
  local n
  n="$(other_ckan_inis | grep -c . || true)"
  [[ "$n" -gt 0 ]] && echo "$n other CKAN portal(s) running"
  if n="$(as_postgres psql -X -q -tA -p "$PG_PORT" -d postgres -c \
      "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'
         AND pid <> pg_backend_pid() AND datname IS NOT NULL
         AND datname NOT IN ('${OUR_DB:-}', '${OUR_DS_DB:-}')" 2>/dev/null)"; then
    [[ "$n" -gt 0 ]] && echo "$n client connection(s) to other databases"
  else
    echo "its sessions could not be checked"   # unknown: keep it
  fi
  return 0
}

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@")
  else (cd / && sudo -n -u postgres -- "$@"); fi
}

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
    if [[ -n "$DRY" ]]; then say "would stop $name (pid $pid)"; return 0; fi
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

stop_pid "$CK/worker.pid" "ckan.* jobs worker" "the job worker"
stop_pid "$CK/ckan.pid" "ckan.* run " "CKAN"

if [[ -s "$CK/redis.pid" ]]; then
  users="$(redis_users)"
  if [[ -n "$users" ]]; then
    say "keeping Redis on port ${OUR_REDIS_PORT:-?}: still used by $(echo "$users" | paste -sd, - | sed 's/,/, /g')"
  else
    stop_pid "$CK/redis.pid" "redis-server" "Redis"
  fi
fi

marker="$CK/postgres.started-by-ckan-up"
if [[ -s "$marker" ]]; then
  read -r pg_version pg_cluster <"$marker"
  if [[ "$(pg_lsclusters -h "$pg_version" "$pg_cluster" 2>/dev/null | awk '{print $4}')" == online* ]]; then
    users="$(postgres_users)"
    if [[ -n "$users" ]]; then
      say "keeping PostgreSQL $pg_version/$pg_cluster: still used ($(echo "$users" | paste -sd, - | sed 's/,/, /g'))"
    elif [[ -n "$DRY" ]]; then
      say "would stop PostgreSQL $pg_version/$pg_cluster"
    else
      say "stopping PostgreSQL $pg_version/$pg_cluster"
      pg_ctlcluster "$pg_version" "$pg_cluster" stop
      rm -f "$marker"
    fi
  else
    rm -f "$marker"
  fi
fi
say "${DRY:+(dry run) }done"
