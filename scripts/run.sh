#!/usr/bin/env bash
# `make run`: set everything up, load the demo clinic, then run the web server, a Celery
# worker and Celery beat in the foreground. Ctrl-C stops all three.
source "$(dirname "$0")/lib.sh"
ensure_all
export DJANGO_ENV="${DJANGO_ENV:-development}"
cd "$ROOT"
PY="$VENV/bin/python"

compile_translations
log "Migrating the database"
"$PY" manage.py migrate --noinput -v 0
log "Loading the demo clinic"
"$PY" manage.py load_demo

pids=()
start() {  # start NAME CMD...: each service in its own process group, so it can be stopped whole.
  local name=$1; shift
  setsid "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)
}
stop() {
  trap - INT TERM EXIT
  log "Stopping web, worker and beat"
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    alive=0; for p in "${pids[@]}"; do kill -0 -- "-$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  log "Stopped."
}
trap stop INT TERM EXIT

start web "$PY" manage.py runserver 127.0.0.1:8000 --noreload
start worker "$VENV/bin/celery" -A clinic worker --loglevel INFO --concurrency 2
start beat "$VENV/bin/celery" -A clinic beat --loglevel INFO --schedule "$VAR/celerybeat-schedule"

cat <<MSG

  Clinic app:        http://127.0.0.1:8000/
  API docs:          http://127.0.0.1:8000/api/docs/
  Health:            http://127.0.0.1:8000/api/health/
  Admin:             http://127.0.0.1:8000/admin/
  Outgoing mail:     $VAR/mail/ (one file per message)

$("$PY" manage.py load_demo --logins-only)

  Press Ctrl-C to stop web, worker and beat.

MSG
# Wait until any of the three exits (or Ctrl-C), then stop the others.
wait -n "${pids[@]}" || true
