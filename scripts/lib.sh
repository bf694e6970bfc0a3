#!/usr/bin/env bash
# Shared helpers for the setup scripts: install what is missing, start PostgreSQL and
# Redis if they are not running, create the role and database. Every step is idempotent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
VAR="$ROOT/var"
mkdir -p "$VAR"

DB_NAME="${CLINIC_DB_NAME:-clinic}"
DB_USER="${CLINIC_DB_USER:-clinic}"
DB_PASSWORD="${CLINIC_DB_PASSWORD:-clinic}"
REDIS_PORT="${CLINIC_REDIS_PORT:-6379}"
# The audit table's owner (no login) and the privileged login that hands the table to it
# after `migrate` (`manage.py audit_lock`; README.md, "Audit trail").
AUDIT_OWNER="${AUDIT_OWNER_ROLE:-clinic_audit_owner}"
AUDIT_ADMIN=clinic_audit_admin
AUDIT_ADMIN_PASSWORD=""

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && sudo -u postgres "$@"); fi
}

_apt_updated=0
apt_install() {
  # apt_install PACKAGE...: install the packages that dpkg does not list as installed.
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing system packages: ${missing[*]}"
  if [ $_apt_updated = 0 ]; then as_root apt-get update -qq; _apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_system_packages() {
  # gettext: msgfmt, which `manage.py compilemessages` runs to build the translations.
  # libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0, fonts-dejavu-core: what
  # WeasyPrint needs to render PDFs (receipts, signed consent), Cyrillic included.
  apt_install postgresql postgresql-contrib redis-server gettext \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core "$@"
}

ensure_faketime() {
  # faketime: Debian's libfaketime wrapper, for `TEST_CLOCK=... make test` only.
  apt_install faketime
}

compile_translations() {
  # locale/*/LC_MESSAGES/django.po -> .mo (git-ignored); skips a .mo newer than its .po.
  (cd "$ROOT" && "$VENV/bin/python" manage.py compilemessages --ignore '.venv' --ignore 'staticfiles' -v 0)
}

quiet_pip() { grep -v "is ignored: it is neither" || true; }

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "Creating the virtualenv in .venv"
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; rm -rf "$VENV"; python3 -m venv "$VENV"; }
  fi
  local want have
  want="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
  have="$(cat "$VENV/.requirements.sha" 2>/dev/null || true)"
  if [ "$want" != "$have" ]; then
    log "Installing Python packages from requirements.txt"
    # (pipefail makes a failed pip fail the script; grep only hides this machine's pip noise)
    "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip 2>&1 | quiet_pip
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements.txt" 2>&1 | quiet_pip
    echo "$want" > "$VENV/.requirements.sha"
  fi
}

pg_cluster() {
  # Prints "VERSION NAME PORT STATUS" of the first PostgreSQL cluster, creating one if none.
  if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    local ver
    ver="$(ls /usr/lib/postgresql | sort -V | tail -1)"
    log "Creating PostgreSQL $ver cluster 'main'"
    as_root pg_createcluster "$ver" main >/dev/null
  fi
  pg_lsclusters -h | head -1 | awk '{print $1, $2, $3, $4}'
}

ensure_postgres() {
  local ver name port status
  read -r ver name port status < <(pg_cluster)
  if [ "$status" != "online" ]; then
    log "Starting PostgreSQL $ver/$name on port $port"
    # pg_ctlcluster switches to the cluster owner (postgres): the server refuses root.
    as_root pg_ctlcluster "$ver" "$name" start
  fi
  export CLINIC_DB_PORT="$port"
  local exists
  exists="$(as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")"
  if [ "$exists" != "1" ]; then
    log "Creating database role $DB_USER"
    as_postgres psql -p "$port" -qc "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
  fi
  ensure_audit_roles "$port"
  exists="$(as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")"
  if [ "$exists" != "1" ]; then
    log "Creating database $DB_NAME"
    as_postgres createdb -p "$port" -O "$DB_USER" "$DB_NAME"
  fi
}

ensure_audit_roles() {
  # The audit owner (NOLOGIN) and the audit admin: a member of the app's role (to take the
  # table from it) and of the owner (to give it), with CREATEDB (to give the database to
  # the owner too: manage.py audit_lock explains why). The admin's password is made once for
  # this PostgreSQL cluster and kept beside it, readable by the postgres user only, so
  # every checkout on this machine uses the same one; it is never in git.
  local port=$1 file
  file="$(getent passwd postgres | cut -d: -f6)/.clinic_audit_admin_password"
  AUDIT_ADMIN_PASSWORD="$(as_postgres sh -c "umask 077; [ -s $file ] ||
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \\n' > $file; cat $file")"
  as_postgres psql -p "$port" -q -v ON_ERROR_STOP=1 -v owner="$AUDIT_OWNER" \
    -v admin="$AUDIT_ADMIN" -v app="$DB_USER" -v pw="$AUDIT_ADMIN_PASSWORD" >/dev/null <<'SQL'
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') AS no_owner,
       NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'admin') AS no_admin \gset
\if :no_owner
CREATE ROLE :"owner" NOLOGIN;
\endif
\if :no_admin
CREATE ROLE :"admin" LOGIN;
\endif
ALTER ROLE :"admin" LOGIN CREATEDB PASSWORD :'pw';
ALTER ROLE :"owner" NOLOGIN;
SET client_min_messages = warning;
GRANT :"app", :"owner" TO :"admin";
SQL
}

ensure_redis() {
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return 0; fi
  log "Starting Redis on port $REDIS_PORT"
  if [ -f /etc/redis/redis.conf ] && id redis >/dev/null 2>&1; then
    as_root mkdir -p /var/run/redis /var/log/redis && as_root chown redis:redis /var/run/redis /var/log/redis
    if [ "$(id -u)" = 0 ]; then
      (cd / && runuser -u redis -- redis-server /etc/redis/redis.conf --port "$REDIS_PORT" --daemonize yes)
    else
      (cd / && sudo -u redis redis-server /etc/redis/redis.conf --port "$REDIS_PORT" --daemonize yes)
    fi
  else
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$VAR" --logfile "$VAR/redis.log"
  fi
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "Redis did not start on port $REDIS_PORT" >&2; return 1
}

export_env() {
  export DATABASE_URL="${DATABASE_URL:-postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:${CLINIC_DB_PORT:-5432}/$DB_NAME}"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:$REDIS_PORT/0}"
  if [ -n "$AUDIT_ADMIN_PASSWORD" ]; then
    export AUDIT_ADMIN_DATABASE_URL="${AUDIT_ADMIN_DATABASE_URL:-postgres://$AUDIT_ADMIN:$AUDIT_ADMIN_PASSWORD@127.0.0.1:${CLINIC_DB_PORT:-5432}/$DB_NAME}"
  fi
}

ensure_all() {
  ensure_system_packages "$@"
  ensure_venv
  ensure_postgres
  ensure_redis
  export_env
}
