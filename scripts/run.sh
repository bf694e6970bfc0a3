#!/usr/bin/env bash
# `make run` (and `make dev`): set everything up, load the demo clinic, then run the clinic
# as it runs in production on one server: gunicorn with several workers, a Celery worker
# and one Celery beat, under honcho (Procfile). Ctrl-C or SIGTERM stops all of them; when
# one dies, honcho says which and with what exit status, stops the others, and this
# script exits with that status.
#   scripts/run.sh         Procfile: gunicorn, DEBUG off, static files by whitenoise
#   scripts/run.sh --dev   Procfile.dev: Django's auto-reloading server, CONN_MAX_AGE=0
source "$(dirname "$0")/lib.sh"
PROCFILE=Procfile
if [ "${1:-}" = "--dev" ]; then
  PROCFILE=Procfile.dev
  export DJANGO_CONN_MAX_AGE=0  # the development server opens a thread per request
fi
ensure_all
cd "$ROOT"
PY="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"
export DJANGO_ENV="${DJANGO_ENV:-development}"
# The production shape: no debug pages, static files collected and served by whitenoise.
if [ "$PROCFILE" = Procfile ]; then export DJANGO_DEBUG="${DJANGO_DEBUG:-false}"; fi
HOST="${CLINIC_HOST:-127.0.0.1}"
PORT="${CLINIC_PORT:-8000}"
export GUNICORN_BIND="$HOST:$PORT"
# Links in messages point at what is served here, unless the clinic set its public address.
export CLINIC_BASE_URL="${CLINIC_BASE_URL:-http://$HOST:$PORT}"
export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-$HOST,localhost,127.0.0.1}"
export PYTHONUNBUFFERED=1

compile_translations
log "Migrating the database"
if ! "$PY" manage.py migrate --check >/dev/null 2>&1; then
  # Migrations to apply: one may alter the audit table, which only its owner may do; the
  # table goes back to the app's role for the migration and is locked again just after.
  "$PY" manage.py audit_lock --release -v 0 >/dev/null
fi
"$PY" manage.py migrate --noinput -v 0
log "Locking the audit trail (owner $AUDIT_OWNER; the app may only insert and read)"
"$PY" manage.py audit_lock -v 0
log "Collecting static files"
"$PY" manage.py collectstatic --noinput -v 0
log "Loading the demo clinic"
"$PY" manage.py load_demo

cat <<MSG

  Clinic app:        $CLINIC_BASE_URL/
  API docs:          $CLINIC_BASE_URL/api/docs/
  Health:            $CLINIC_BASE_URL/api/health/
  Admin:             $CLINIC_BASE_URL/admin/
  Outgoing mail:     $VAR/mail/ (one file per message)

$("$PY" manage.py load_demo --logins-only)

  Processes ($PROCFILE): web (${WEB_CONCURRENCY:-2} workers), worker, beat.
  Press Ctrl-C to stop them all.

MSG
# The audit admin's login was for audit_lock only: the app's processes never get it.
unset AUDIT_ADMIN_DATABASE_URL
exec "$VENV/bin/honcho" start --procfile "$PROCFILE" 2>&1
