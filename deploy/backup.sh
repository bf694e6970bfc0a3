#!/usr/bin/env bash
# Back up the clinic's PostgreSQL database: one pg_dump in custom format (-Fc, compressed,
# restored with deploy/restore.sh) into DIR, named clinic-<UTC time>.dump, then remove
# the dumps in DIR older than DAYS days (default 14).
#
#   DATABASE_URL=postgres://... deploy/backup.sh DIR [DAYS]
#
# It connects to DATABASE_DIRECT_URL if set, else DATABASE_URL: give it PostgreSQL itself
# (port 5432), not pgbouncer, whose transaction pooling does not suit pg_dump's one long
# snapshot. The URL must be one libpq reads (postgres://user:password@host:port/name).
# Only the database is dumped; Redis needs no backup. Media files (var/media/: photos,
# once they exist) are files, not rows: copy them with the file backup (rsync, restic...).
# A dump is written as <name>.partial, read back whole, and only then renamed: a failed
# run leaves no file that looks like a backup, and removes no old one.
set -euo pipefail

usage() { echo "usage: DATABASE_URL=postgres://... $0 DIR [DAYS]" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
dir=$1
days=${2:-14}
if ! [[ $days =~ ^[1-9][0-9]*$ ]]; then
  echo "DAYS must be a whole number of at least 1, not '$days'" >&2
  exit 2
fi
url=${DATABASE_DIRECT_URL:-${DATABASE_URL:-}}
[ -n "$url" ] || { echo "DATABASE_URL (or DATABASE_DIRECT_URL) must be set" >&2; exit 2; }

umask 077  # the dumps hold patients' records
mkdir -p "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
file="$dir/clinic-$stamp.dump"
partial="$file.partial"
trap 'rm -f "$partial"' EXIT

pg_dump --dbname="$url" --format=custom --file="$partial"
pg_restore --file=/dev/null "$partial"  # every part of it reads back, or this fails
mv "$partial" "$file"
echo "$file"

# Keep DAYS days: remove the older dumps (only ours, by their name), never the one just
# made, whatever its file time says (a clock that is off, a share that stamps its own time).
find "$dir" -maxdepth 1 -type f -name 'clinic-*.dump' ! -name "${file##*/}" \
  -mmin +$((days * 24 * 60)) -print -delete \
  | sed 's/^/removed old backup: /' >&2
