#!/usr/bin/env bash
# `make test`: set everything up, then run the whole pytest suite against the real
# PostgreSQL and Redis. Extra arguments go to pytest.
source "$(dirname "$0")/lib.sh"
ensure_all
export DJANGO_ENV=test
cd "$ROOT"
exec "$VENV/bin/pytest" "$@"
