#!/usr/bin/env bash
# `make test`: set everything up, then run the whole pytest suite against the real
# PostgreSQL and Redis. Extra arguments go to pytest.
source "$(dirname "$0")/lib.sh"
# The tests' broker is Redis database 15, apart from the one `make run` uses.
export REDIS_URL="${CLINIC_TEST_REDIS_URL:-redis://127.0.0.1:${CLINIC_REDIS_PORT:-6379}/15}"
# chromium: Debian's browser, which the Playwright tests drive (never a downloaded one).
ensure_all chromium
export DJANGO_ENV=test
cd "$ROOT"
compile_translations
exec "$VENV/bin/pytest" "$@"
