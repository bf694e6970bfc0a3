#!/usr/bin/env bash
# `make bench`: the benchmark of ../shared/PERFORMANCE.md, on its own database.
source "$(dirname "$0")/lib.sh"
ensure_all wrk
cd "$ROOT"
export CLINIC_DB_NAME="${CLINIC_BENCH_DB_NAME:-clinic_bench}"
DB_NAME="$CLINIC_DB_NAME" ensure_postgres
export DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:${CLINIC_DB_PORT:-5432}/$CLINIC_DB_NAME"
exec "$VENV/bin/python" -m bench.run "$@"
