#!/usr/bin/env bash
# `make test`: set everything up, then run the whole pytest suite against the real
# PostgreSQL and Redis. Extra arguments go to pytest.
source "$(dirname "$0")/lib.sh"
# The tests' broker is Redis database 15, apart from the one `make run` uses.
export REDIS_URL="${CLINIC_TEST_REDIS_URL:-redis://127.0.0.1:${CLINIC_REDIS_PORT:-6379}/15}"
# and the shared cache database 13 (each test starts with it emptied: FLUSHDB).
export CACHE_URL="${CLINIC_TEST_CACHE_URL:-redis://127.0.0.1:${CLINIC_REDIS_PORT:-6379}/13}"
# chromium: Debian's browser, which the Playwright tests drive (never a downloaded one).
ensure_all chromium
export DJANGO_ENV=test
cd "$ROOT"
compile_translations
if [ -n "${TEST_CLOCK:-}" ]; then
  # TEST_CLOCK="2026-12-05 23:30:00 +0200": the suite runs under libfaketime, its clock
  # starting there and running on. faketime turns the date into one offset that every
  # child process inherits (LD_PRELOAD), so the Celery worker, servers and Chromium the
  # tests start see the same clock. PostgreSQL and the shared Redis run outside it: the
  # app takes every timestamp from Python, never from the database's now().
  # The monotonic clock is faked too (it jumps with the offset and runs on; Chromium is
  # fine with that): FAKETIME_DONT_FAKE_MONOTONIC=1 makes libfaketime 0.9.10 fail
  # Python's time.sleep() with EINVAL. File times stay real (the kernel writes them).
  ensure_faketime
  zone="${CLINIC_TIME_ZONE:-Europe/Kyiv}"
  if ! clock="$(faketime "$TEST_CLOCK" env TZ="$zone" date '+%a %F %T %Z' 2>/dev/null)"; then
    echo "TEST_CLOCK=\"$TEST_CLOCK\" is not a date that date -d reads" >&2; exit 2
  fi
  log "Clock: $clock ($zone)"
  exec faketime "$TEST_CLOCK" "$VENV/bin/pytest" "$@"
fi
exec "$VENV/bin/pytest" "$@"
