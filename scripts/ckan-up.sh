#!/usr/bin/env bash
# Start a real CKAN 2.12.0 test portal on 127.0.0.1 (idempotent, CI-safe, no prompts).
#
#   bash scripts/ckan-up.sh          # or: make ckan-up
#
# Everything lives in .ckan/ (git-ignored): venv/, ckan.ini, storage/, ckan.log, ckan.pid,
# env (CKAN_URL + CKAN_API_TOKEN, mode 600). Stop with scripts/ckan-down.sh.
# Search runs through the test-only plugin tests/ckan_portal/ckanext-searchstub (no Solr).
# DCAT: ckanext-dcat + scheming (pinned) and the project profile ckan/ckanext-opendata; the
# catalog settings come from scripts/ckan_catalog_config.py (docs/dcat.md).
#
# Overridable: CKAN_PORT (5055), CKAN_DB (ckan_test), CKAN_DATASTORE_DB (datastore_test),
# CKAN_DB_USER (ckan_default), CKAN_DATASTORE_RO_USER (datastore_ro), CKAN_DB_PASSWORD,
# CKAN_PG_VERSION (15), CKAN_PG_CLUSTER (main), CKAN_PG_PORT (5432), CKAN_REDIS_PORT (6379),
# CKAN_PYTHON (python3), CKAN_START_TIMEOUT (60), CKAN_DATASTORE_EXECUTEMANY (values_only:
# SQLAlchemy's default; values_plus_batch sends datastore_upsert's rows in pages, docs/ckan.md),
# CKAN_PREFECT_DB (<CKAN_DB>_prefect: the
# PostgreSQL database of the Prefect server in the two-worker test; env's TEST_PREFECT_DATABASE_URL).
# ckanext-xloader runs with its job worker (`ckan jobs worker`, pid in .ckan/worker.pid, log
# .ckan/worker.log) on this portal's own Redis queue (ckan.site_id is derived from the database
# names, so two portals on one Redis never take each other's jobs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CK="$ROOT/.ckan"
VENV="$CK/venv"
INI="$CK/ckan.ini"
ENV_FILE="$CK/env"
PID_FILE="$CK/ckan.pid"
LOG="$CK/ckan.log"
PLUGIN_SRC="$ROOT/tests/ckan_portal/ckanext-searchstub"
# The project's ckanext-dcat profile (ckan/ckanext-opendata): part of what a municipality installs.
PROFILE_SRC="$ROOT/ckan/ckanext-opendata"
STAMP="$CK/ckan.ini.running"   # sha256 of the ckan.ini the running server was started with
CKAN_VERSION=2.12.0
# DCAT from the portal itself (docs/ckan.md): pinned, they depend on CKAN internals.
# ckanext-fluent 1.0.0 (its only PyPI release) is Python 2 code: the shipped scheming schema
# (ckan/scheming/opendata_dataset.yaml) uses ckanext-scheming's JSON fields instead.
DCAT_VERSION=2.4.4
SCHEMING_VERSION=3.1.0
# The fast DataStore load path (docs/ckan.md "Two load paths"): 2.6.0 is the release for CKAN 2.11/2.12.
XLOADER_VERSION=2.6.0
PLUGINS="datastore xloader datatables_view searchstub scheming_datasets dcat structured_data"
WORKER_PID_FILE="$CK/worker.pid"
WORKER_LOG="$CK/worker.log"
SCHEMA_FILE="$ROOT/ckan/scheming/opendata_dataset.yaml"
RDF_PROFILES="euro_dcat_ap_3 opendata_dcat_ap"

PORT="${CKAN_PORT:-5055}"
DB="${CKAN_DB:-ckan_test}"
DS_DB="${CKAN_DATASTORE_DB:-datastore_test}"
PREFECT_DB="${CKAN_PREFECT_DB:-${DB}_prefect}"   # a Prefect server's database for the tests with several workers
DB_USER="${CKAN_DB_USER:-ckan_default}"
RO_USER="${CKAN_DATASTORE_RO_USER:-datastore_ro}"
DB_PASS="${CKAN_DB_PASSWORD:-ckan_test_pw}"   # local throw-away test cluster only
PG_VERSION="${CKAN_PG_VERSION:-15}"
PG_CLUSTER="${CKAN_PG_CLUSTER:-main}"
PG_PORT="${CKAN_PG_PORT:-5432}"
SITE_ID="opendata-$DB"   # the job queue's name in Redis is ckan:<site_id>:<queue>
REDIS_PORT="${CKAN_REDIS_PORT:-6379}"
PYTHON="${CKAN_PYTHON:-python3}"
START_TIMEOUT="${CKAN_START_TIMEOUT:-60}"
EXECUTEMANY="${CKAN_DATASTORE_EXECUTEMANY:-values_only}"
case "$EXECUTEMANY" in values_only|values_plus_batch) ;;
  *) echo "ckan-up: CKAN_DATASTORE_EXECUTEMANY is '$EXECUTEMANY': set it to values_only or values_plus_batch" >&2; exit 2;;
esac
URL="http://127.0.0.1:$PORT"

export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
say() { echo "ckan-up: $*"; }
die() { echo "ckan-up: ERROR: $*" >&2; exit 1; }

for name in "$DB" "$DS_DB" "$DB_USER" "$RO_USER"; do
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "invalid database/role name: $name"
done
[[ "$DB_PASS" =~ ^[A-Za-z0-9_.-]+$ ]] || die "CKAN_DB_PASSWORD may use only [A-Za-z0-9_.-]"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "invalid CKAN_PORT: $PORT"

mkdir -p "$CK"
chmod 700 "$CK"
umask 077

# ------------------------------------------------------------------ helpers
ckan() { "$VENV/bin/ckan" -c "$INI" "$@"; }

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@")
  else (cd / && sudo -n -u postgres -- "$@"); fi
}
psql_pg() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"; }

ckan_pid_alive() {
  [[ -s "$PID_FILE" ]] || return 1
  local pid; pid=$(<"$PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  local cmd; cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *ckan*" run "* ]]
}

# (No `curl | grep -q` pipes: with pipefail an early grep exit could fail the check.)
status_ok() {
  local out; out="$(curl -fsS --max-time 5 "$URL/api/3/action/status_show" 2>/dev/null)" || return 1
  [[ "$out" =~ \"success\":\ *true ]]
}

# A CKAN of ours (this ckan.ini, this port) whose pid file was lost.
find_own_ckan() {
  local d cmd
  for d in /proc/[0-9]*; do
    cmd="$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" || continue
    if [[ "$cmd" == *"/bin/ckan -c $INI run -H 127.0.0.1 -p $PORT "* ]]; then
      echo "${d#/proc/}"; return 0
    fi
  done
  return 1
}

# Does the token authenticate as a sysadmin? (api_token_list for admin is 403 otherwise.)
# The token goes to curl through a header file on stdin, never on a command line.
token_ok() {
  local token="$1"
  [[ -n "$token" ]] || return 1
  local out
  out="$(printf 'Authorization: %s\n' "$token" \
    | curl -fsS --max-time 10 -H @- "$URL/api/3/action/api_token_list?user_id=admin" 2>/dev/null)" \
    || return 1
  [[ "$out" =~ \"success\":\ *true ]]
}

env_token() {
  [[ -f "$ENV_FILE" ]] || return 0
  sed -n 's/^CKAN_API_TOKEN=//p' "$ENV_FILE" | tail -n1 | tr -d "'\""
}

# Does the running portal have the extensions this script configures?
extensions_ok() {
  local out; out="$(curl -fsS --max-time 5 "$URL/api/3/action/status_show" 2>/dev/null)" || return 1
  local plugin
  for plugin in $PLUGINS; do [[ "$out" == *"\"$plugin\""* ]] || return 1; done
}

# Our `ckan jobs worker` (this ckan.ini), alive?
worker_alive() {
  [[ -s "$WORKER_PID_FILE" ]] || return 1
  local pid; pid=$(<"$WORKER_PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  local cmd; cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"ckan -c $INI jobs worker"* ]]
}

# ------------------------------------------------------------------ fast path: reuse
ini_current() { [[ -s "$STAMP" && "$(sha256sum "$INI" | cut -d' ' -f1)" == "$(<"$STAMP")" ]]; }
# The catalog record of /catalog.rdf (title, languages, publisher, CC0), from the publisher's facts.
catalog_settings() { "$VENV/bin/python" "$ROOT/scripts/ckan_catalog_config.py"; }
catalog_in_ini() {
  local line lines
  lines="$(catalog_settings 2>/dev/null)" && [[ -n "$lines" ]] || return 1
  while IFS= read -r line; do grep -qxF -- "$line" "$INI" || return 1; done <<<"$lines"
}
if ckan_pid_alive && status_ok && extensions_ok && worker_alive && [[ -f "$ENV_FILE" ]] \
    && grep -qE "^ckanext.dcat.rdf.profiles ?= ?$RDF_PROFILES$" "$INI" && ini_current && catalog_in_ini \
    && grep -qx "CKAN_URL=$URL" "$ENV_FILE" && grep -q "^TEST_PREFECT_DATABASE_URL=" "$ENV_FILE" && token_ok "$(env_token)"; then
  say "already running, reusing $URL (pid $(<"$PID_FILE"))"
  exit 0
fi

# ------------------------------------------------------------------ system packages
missing=()
for pkg in redis-server libpq-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "apt-get install ${missing[*]}"
  [[ $(id -u) -eq 0 ]] || die "need root to apt-get install ${missing[*]}"
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi
command -v curl >/dev/null || die "curl is required"

# ------------------------------------------------------------------ CKAN venv + plugin
if ! "$VENV/bin/python" -c "import ckan, sys; sys.exit(ckan.__version__ != '$CKAN_VERSION')" \
    2>/dev/null; then
  say "installing CKAN $CKAN_VERSION into .ckan/venv"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q "ckan[requirements]==$CKAN_VERSION" 2>&1 \
    | grep -v "^WARNING: Location .* is ignored" || true
  "$VENV/bin/python" -c "import ckan, sys; sys.exit(ckan.__version__ != '$CKAN_VERSION')" \
    || die "CKAN $CKAN_VERSION install failed"
fi
if ! "$VENV/bin/python" -c "import ckanext.searchstub.plugin" 2>/dev/null; then
  say "installing the test search plugin (ckanext-searchstub, editable)"
  "$VENV/bin/pip" install -q -e "$PLUGIN_SRC" 2>&1 | grep -v "^WARNING: Location .* is ignored" || true
  "$VENV/bin/python" -c "import ckanext.searchstub.plugin" || die "ckanext-searchstub install failed"
fi
if ! "$VENV/bin/python" - "$DCAT_VERSION" "$SCHEMING_VERSION" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
sys.exit(version("ckanext-dcat") != sys.argv[1] or version("ckanext-scheming") != sys.argv[2])
PY
  say "installing ckanext-dcat $DCAT_VERSION and ckanext-scheming $SCHEMING_VERSION"
  "$VENV/bin/pip" install -q "ckanext-dcat==$DCAT_VERSION" "ckanext-scheming==$SCHEMING_VERSION" 2>&1 \
    | grep -v "^WARNING: Location .* is ignored" || true
  "$VENV/bin/python" -c "import ckanext.dcat.plugins, ckanext.scheming.plugins" \
    || die "ckanext-dcat / ckanext-scheming install failed"
fi
if ! "$VENV/bin/python" - "$XLOADER_VERSION" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
sys.exit(version("ckanext-xloader") != sys.argv[1])
PY
  say "installing ckanext-xloader $XLOADER_VERSION"
  "$VENV/bin/pip" install -q "ckanext-xloader==$XLOADER_VERSION" 2>&1 \
    | grep -v "^WARNING: Location .* is ignored" || true
  "$VENV/bin/python" -c "import ckanext.xloader.plugin" || die "ckanext-xloader install failed"
fi

if ! "$VENV/bin/python" -c "from ckanext.opendata.profile import OpendataDCATAPProfile" 2>/dev/null; then
  say "installing the project's DCAT profile (ckan/ckanext-opendata, editable)"
  "$VENV/bin/pip" install -q -e "$PROFILE_SRC" 2>&1 \
    | grep -v "^WARNING: Location .* is ignored" || true
  "$VENV/bin/python" -c "from ckanext.opendata.profile import OpendataDCATAPProfile" \
    || die "ckanext-opendata install failed"
fi

# ------------------------------------------------------------------ PostgreSQL
pg_status() { pg_lsclusters -h "$PG_VERSION" "$PG_CLUSTER" 2>/dev/null | awk '{print $4}'; }
[[ -n "$(pg_status)" ]] || die "PostgreSQL cluster $PG_VERSION/$PG_CLUSTER not found (pg_lsclusters)"
if [[ "$(pg_status)" != online* ]]; then
  say "starting PostgreSQL $PG_VERSION/$PG_CLUSTER"
  pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
  echo "$PG_VERSION $PG_CLUSTER" >"$CK/postgres.started-by-ckan-up"
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.5; done
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL does not answer on 127.0.0.1:$PG_PORT"

# ------------------------------------------------------------------ Redis
redis_ok() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }
if ! redis_ok; then
  say "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
    --appendonly no --pidfile "$CK/redis.pid" --logfile "$CK/redis.log" --dir "$CK" >/dev/null
  for _ in $(seq 1 20); do redis_ok && break; sleep 0.25; done
  redis_ok || die "Redis did not start (see .ckan/redis.log)"
fi

# ------------------------------------------------------------------ roles + databases
psql_pg -d postgres <<SQL
DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASS';
  ELSE ALTER ROLE $DB_USER LOGIN PASSWORD '$DB_PASS'; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$RO_USER') THEN
    CREATE ROLE $RO_USER LOGIN PASSWORD '$DB_PASS';
  ELSE ALTER ROLE $RO_USER LOGIN PASSWORD '$DB_PASS'; END IF;
END\$\$;
SQL
for db in "$DB" "$DS_DB" "$PREFECT_DB"; do
  if [[ -z "$(psql_pg -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
    say "creating database $db"
    as_postgres createdb -p "$PG_PORT" -O "$DB_USER" -E UTF8 -T template0 "$db"
  fi
done

# ------------------------------------------------------------------ ckan.ini
if [[ ! -s "$INI" ]]; then
  say "generating .ckan/ckan.ini"
  "$VENV/bin/ckan" generate config "$INI" </dev/null >/dev/null
fi
mkdir -p "$CK/storage"
"$VENV/bin/ckan" config-tool "$INI" \
  "sqlalchemy.url=postgresql://$DB_USER:$DB_PASS@127.0.0.1:$PG_PORT/$DB" \
  "ckan.datastore.write_url=postgresql://$DB_USER:$DB_PASS@127.0.0.1:$PG_PORT/$DS_DB" \
  "ckan.datastore.read_url=postgresql://$RO_USER:$DB_PASS@127.0.0.1:$PG_PORT/$DS_DB" \
  "ckan.site_url=$URL" \
  "ckan.site_id=$SITE_ID" \
  "ckan.redis.url=redis://127.0.0.1:$REDIS_PORT/1" \
  "ckan.storage_path=$CK/storage" \
  "ckan.plugins=$PLUGINS" \
  "scheming.dataset_schemas=file://$SCHEMA_FILE" \
  "scheming.presets=ckanext.scheming:presets.json ckanext.dcat.schemas:presets.yaml" \
  "ckanext.dcat.rdf.profiles=$RDF_PROFILES" \
  "ckan.datastore.sqlsearch.enabled=true" \
  "ckan.datastore.sqlalchemy.executemany_mode=$EXECUTEMANY" \
  "ckan.max_resource_size=2048" \
  "ckan.views.default_views=datatables_view" \
  "solr_url=http://127.0.0.1:1/solr/ckan" \
  "ckanext.xloader.jobs_db.uri=sqlite:///$CK/xloader_jobs.db" \
  "ckanext.xloader.formats=xloader-on-request" \
  "ckanext.xloader.job_timeout=3600" >/dev/null
# ckanext.xloader.formats matches no format: xloader loads only what is submitted to it
# (xloader_submit, the pipeline's xloader path), never on its own after an upload, so the
# API-path tests' typed tables are not reloaded behind their back (docs/ckan-test-portal.md).
catalog_lines="$(catalog_settings)" && [[ -n "$catalog_lines" ]] \
  || die "scripts/ckan_catalog_config.py printed no settings"
mapfile -t catalog_args <<<"$catalog_lines"
"$VENV/bin/ckan" config-tool "$INI" "${catalog_args[@]}" >/dev/null

# ------------------------------------------------------------------ schema, permissions, admin
say "initialising the database (ckan db init, datastore set-permissions)"
ckan db init >>"$LOG" 2>&1 || { tail -n 30 "$LOG" >&2; die "ckan db init failed"; }
ckan datastore set-permissions 2>>"$LOG" | psql_pg >>"$LOG" 2>&1 \
  || { tail -n 30 "$LOG" >&2; die "datastore set-permissions failed"; }

if [[ -z "$(psql_pg -d "$DB" -tAc "SELECT 1 FROM \"user\" WHERE name = 'admin' AND state = 'active'")" ]]; then
  say "creating sysadmin admin"
  if [[ ! -s "$CK/admin-password" ]]; then
    "$VENV/bin/python" -c "import secrets; print(secrets.token_urlsafe(18))" >"$CK/admin-password"
  fi
  ckan user add admin email=admin@example.invalid "password=$(<"$CK/admin-password")" \
    >>/dev/null 2>>"$LOG" || { tail -n 30 "$LOG" >&2; die "ckan user add admin failed"; }
fi
if [[ "$(psql_pg -d "$DB" -tAc "SELECT sysadmin FROM \"user\" WHERE name = 'admin'")" != t ]]; then
  ckan sysadmin add admin </dev/null >>"$LOG" 2>&1 || { tail -n 30 "$LOG" >&2; die "sysadmin add failed"; }
fi

# xloader_submit needs ckanext.xloader.api_token (the job downloads the upload and reports
# back with it). A token of admin's, made with the CLI before the server reads the ini.
XL_TOKEN_FILE="$CK/xloader-token"
xl_token=""
[[ -s "$XL_TOKEN_FILE" ]] && xl_token="$(<"$XL_TOKEN_FILE")"
if [[ -z "$xl_token" ]] || ! grep -qF "ckanext.xloader.api_token = $xl_token" "$INI"; then
  xl_token="$(ckan user token add admin "xloader-$(date +%Y%m%d%H%M%S)" 2>>"$LOG" </dev/null \
    | tail -n1 | tr -d '[:space:]')" || true
  [[ -n "$xl_token" ]] || die "could not create the xloader API token (see .ckan/ckan.log)"
  printf '%s' "$xl_token" >"$XL_TOKEN_FILE"
  "$VENV/bin/ckan" config-tool "$INI" "ckanext.xloader.api_token=$xl_token" >/dev/null
  if ckan_pid_alive; then  # the running server has the old token: restart it below
    kill "$(<"$PID_FILE")" 2>/dev/null || true; sleep 1; rm -f "$PID_FILE"
  fi
  if worker_alive; then kill "$(<"$WORKER_PID_FILE")" 2>/dev/null || true; rm -f "$WORKER_PID_FILE"; fi
fi
unset xl_token

# ------------------------------------------------------------------ start the server
if ckan_pid_alive && status_ok && { ! extensions_ok || ! ini_current; }; then  # ours, older settings
  old_pid="$(<"$PID_FILE")"
  say "restarting CKAN (pid $old_pid) with the current ckan.ini (plugins: $PLUGINS)"
  kill "$old_pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$old_pid" 2>/dev/null || true
  rm -f "$PID_FILE"
fi
if ckan_pid_alive && status_ok; then
  say "server already running (pid $(<"$PID_FILE"))"
else
  if ckan_pid_alive; then   # ours but not answering: replace it
    old_pid="$(<"$PID_FILE")"
    say "restarting the unresponsive CKAN (pid $old_pid)"
    kill "$old_pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$old_pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
fi
if ! ckan_pid_alive && status_ok && own="$(find_own_ckan)"; then
  say "adopting the running CKAN (pid $own)"
  echo "$own" >"$PID_FILE"
fi
if ! ckan_pid_alive || ! status_ok; then
  if curl -s -o /dev/null --max-time 2 "$URL/"; then
    die "something else already answers on $URL (set CKAN_PORT to another port)"
  fi
  say "starting CKAN on $URL (log: .ckan/ckan.log)"
  echo "---- $(date -Is) ckan run" >>"$LOG"
  cd "$CK"
  nohup setsid "$VENV/bin/ckan" -c "$INI" run -H 127.0.0.1 -p "$PORT" \
    --disable-reloader --threaded </dev/null >>"$LOG" 2>&1 &
  echo $! >"$PID_FILE"
  sha256sum "$INI" | cut -d' ' -f1 >"$STAMP"
  cd "$ROOT"
  deadline=$((SECONDS + START_TIMEOUT))
  until status_ok; do
    if ! kill -0 "$(<"$PID_FILE")" 2>/dev/null; then
      tail -n 40 "$LOG" >&2; rm -f "$PID_FILE"; die "CKAN exited during start-up"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$LOG" >&2; kill "$(<"$PID_FILE")" 2>/dev/null || true; rm -f "$PID_FILE"
      die "CKAN did not answer status_show within ${START_TIMEOUT}s"
    fi
    sleep 0.5
  done
fi

# ------------------------------------------------------------------ the job worker (xloader)
if worker_alive && [[ "$WORKER_PID_FILE" -nt "$INI" ]]; then
  say "job worker already running (pid $(<"$WORKER_PID_FILE"))"
else
  if worker_alive; then  # started before the last ini change
    kill "$(<"$WORKER_PID_FILE")" 2>/dev/null || true; sleep 1
  fi
  say "starting the job worker (log: .ckan/worker.log)"
  echo "---- $(date -Is) ckan jobs worker" >>"$WORKER_LOG"
  cd "$CK"
  nohup setsid "$VENV/bin/ckan" -c "$INI" jobs worker </dev/null >>"$WORKER_LOG" 2>&1 &
  echo $! >"$WORKER_PID_FILE"
  cd "$ROOT"
  sleep 2
  worker_alive || { tail -n 30 "$WORKER_LOG" >&2; rm -f "$WORKER_PID_FILE"; die "the job worker exited at start"; }
fi

# ------------------------------------------------------------------ API token + .ckan/env
token="$(env_token)"
if ! token_ok "$token"; then
  token="$(ckan user token add admin "ckan-up-$(date +%Y%m%d%H%M%S)" 2>>"$LOG" </dev/null \
    | tail -n1 | tr -d '[:space:]')" || true
  token_ok "$token" || die "could not create a working API token for admin (see .ckan/ckan.log)"
fi
tmp="$(mktemp "$CK/env.XXXXXX")"
printf 'CKAN_URL=%s\nCKAN_API_TOKEN=%s\nTEST_PREFECT_DATABASE_URL=%s\n' "$URL" "$token" \
  "postgresql+asyncpg://$DB_USER:$DB_PASS@127.0.0.1:$PG_PORT/$PREFECT_DB" >"$tmp"
chmod 600 "$tmp"
mv -f "$tmp" "$ENV_FILE"
unset token

say "ready at $URL (credentials in .ckan/env)"
