#!/usr/bin/env bash
# Restore a dump made by deploy/backup.sh into an EMPTY database.
#
#   DATABASE_URL=postgres://.../clinic deploy/restore.sh FILE.dump
#
# It connects to DATABASE_DIRECT_URL if set, else DATABASE_URL (PostgreSQL itself, port
# 5432, not pgbouncer). Create the empty database first, owned by the app's role, e.g.
#   sudo -u postgres createdb --owner clinic clinic
# and stop web, worker and beat while restoring. It refuses a database that has tables,
# so a restore never mixes with live data. Everything runs in one transaction: on an error
# nothing is left half-restored.
# After it, lock the audit trail again (the dump is restored without owners, so the app's
# role owns every table): AUDIT_ADMIN_DATABASE_URL=... manage.py audit_lock (README.md).
# Then start the services (Redis may be empty: the queue, caches and the beat
# schedule rebuild themselves). Media files (var/media/: photos, once they exist) are not
# in the dump: put them back from the file backup.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: DATABASE_URL=postgres://... $0 FILE.dump" >&2; exit 2; }
file=$1
url=${DATABASE_DIRECT_URL:-${DATABASE_URL:-}}
[ -n "$url" ] || { echo "DATABASE_URL (or DATABASE_DIRECT_URL) must be set" >&2; exit 2; }
[ -r "$file" ] || { echo "cannot read $file" >&2; exit 2; }
if ! pg_restore --list "$file" >/dev/null; then
  echo "$file is not a pg_dump custom-format file" >&2
  exit 2
fi

relations=$(psql "$url" --no-psqlrc --quiet --tuples-only --no-align --set ON_ERROR_STOP=1 \
  --command "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'")
if [ "$relations" != 0 ]; then
  echo "refusing to restore: the target database is not empty" \
    "($relations tables, views or sequences)" >&2
  exit 1
fi

pg_restore --dbname="$url" --no-owner --no-privileges --single-transaction --exit-on-error "$file"
echo "restored $file"
echo "now lock the audit trail again: AUDIT_ADMIN_DATABASE_URL=... manage.py audit_lock"
echo "media (var/media/: photos, once they exist) is not in the dump:" \
  "restore it from the file backup"
