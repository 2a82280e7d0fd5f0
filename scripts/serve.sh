#!/usr/bin/env bash
# A local Prefect server, a process worker and the deployments of prefect.yaml, so the
# manifests' schedules really fire and a steward can start runs from the UI.
#
#   scripts/serve.sh [up]      start the server (background), register, start the worker
#   scripts/serve.sh register  work pool + ckan-portal limit + `prefect deploy --all`, against
#                              PREFECT_API_URL (any server: this one, a shared one, Cloud)
#   scripts/serve.sh down      stop the worker and the server that `up` started
#   scripts/serve.sh status    what is running, and where
#
# Nothing here prompts (CI has no stdin). Everything lives under PREFECT_HOME (default
# <project>/.prefect): the SQLite database prefect.db, and run/ with pid and log files.
# The server is the same one `opendata publish` starts and reuses (flows/prefect_api.py:
# run/server.pid, run/server.url, run/server.log), so `make run` and `make serve` share it.
# Settings: PREFECT_SERVER_API_HOST (127.0.0.1), PREFECT_SERVER_API_PORT (4200, or any free
# port when 4200 is taken), OPENDATA_PREFECT_START_TIMEOUT (300 s to wait for it to answer),
# CKAN_CONCURRENCY (2: flow runs that may talk to CKAN at once), and for the worker the
# pipeline's own: CKAN_URL / CKAN_API_TOKEN (publish to CKAN instead of the local catalog).
set -euo pipefail

# The project: code, datasets/ and prefect.yaml. The deployments' pull step enters the same
# folder on the worker, read from OPENDATA_HOME there.
ROOT="${OPENDATA_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$ROOT"
if [[ -x "$ROOT/.venv/bin/prefect" ]]; then PATH="$ROOT/.venv/bin:$PATH"; fi

export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_HOME="${PREFECT_HOME:-$ROOT/.prefect}"
export PREFECT_SERVER_DATABASE_CONNECTION_URL="${PREFECT_SERVER_DATABASE_CONNECTION_URL:-sqlite+aiosqlite:///$PREFECT_HOME/prefect.db}"
PY="$(command -v python3)"   # the project's venv when on PATH (above), with flows/ importable
RUN="$PREFECT_HOME/run"
POOL=opendata                               # = flows/deployments.py WORK_POOL
CKAN_LIMIT=ckan-portal                      # = flows/limits.py CKAN_LIMIT
CKAN_CONCURRENCY="${CKAN_CONCURRENCY:-2}"

say() { printf '%s\n' "$*"; }

alive() {  # alive NAME: the process started by `up` under that name is still running
  [[ -f "$RUN/$1.pid" ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null
}

start() {  # start NAME COMMAND...: in its own session, detached, logging to run/NAME.log
  local name="$1"; shift
  if alive "$name"; then say "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  setsid nohup "$@" >"$RUN/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
  say "$name started (pid $!, log $RUN/$name.log)"
}

stop() {  # stop NAME: TERM, wait up to 20 s, then KILL; only the pid `up` recorded
  local name="$1" pid
  if ! alive "$name"; then rm -f "$RUN/$name.pid"; say "$name not running"; return; fi
  pid="$(cat "$RUN/$name.pid")"
  kill -TERM "$pid"
  for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -f "$RUN/$name.pid"
  say "$name stopped"
}

local_api() { "$PY" -m flows.prefect_api url; }

register() {
  export PREFECT_API_URL="${PREFECT_API_URL:-$(local_api)}"
  [[ -n "$PREFECT_API_URL" ]] || { say "no Prefect API: run \`make serve\` or set PREFECT_API_URL" >&2; exit 1; }
  # A stale prefect.yaml would deploy old schedules: refuse, and say how to fix it.
  OPENDATA_HOME="$ROOT" opendata deployments --check
  prefect work-pool inspect "$POOL" >/dev/null 2>&1 || prefect work-pool create "$POOL" --type process
  if prefect global-concurrency-limit inspect "$CKAN_LIMIT" >/dev/null 2>&1; then
    prefect global-concurrency-limit update "$CKAN_LIMIT" --limit "$CKAN_CONCURRENCY"
  else
    prefect global-concurrency-limit create "$CKAN_LIMIT" --limit "$CKAN_CONCURRENCY"
  fi
  # Without OPENDATA_HOME here, the pull step keeps its {{ $OPENDATA_HOME }} placeholder and
  # each worker resolves it when a run starts; with it, this machine's path would be baked in.
  env -u OPENDATA_HOME prefect --no-prompt deploy --all --prefect-file "$ROOT/prefect.yaml"
}

up() {
  mkdir -p "$RUN"
  # This project's server: reused when it answers, else started (and kept) in the background.
  PREFECT_API_URL="$(env -u PREFECT_API_URL "$PY" -m flows.prefect_api start)" || exit 1
  export PREFECT_API_URL   # `up` registers on this project's server, nowhere else
  say "server: $PREFECT_API_URL (pid $(cat "$RUN/server.pid"), log $RUN/server.log)"
  register
  OPENDATA_HOME="$ROOT" start worker prefect worker start --pool "$POOL" --name "opendata-${HOSTNAME:-local}"
  say ""
  say "Prefect UI:      ${PREFECT_API_URL%/api}  (Deployments, Runs, Artifacts)"
  say "Run one now:     PREFECT_API_URL=$PREFECT_API_URL prefect deployment run 'publish-dataset/bredband'"
  say "Stop:            make serve-down"
}

status() {
  for name in server worker; do
    if alive "$name"; then say "$name: running (pid $(cat "$RUN/$name.pid"), log $RUN/$name.log)"
    else say "$name: not running"; fi
  done
  say "database: $PREFECT_SERVER_DATABASE_CONNECTION_URL"
  say "API:      $(local_api)"
}

case "${1:-up}" in
  up) up ;;
  register) register ;;
  down) stop worker; "$PY" -m flows.prefect_api stop ;;
  status) status ;;
  *) say "usage: $0 [up|register|down|status]" >&2; exit 2 ;;
esac
