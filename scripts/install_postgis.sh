#!/usr/bin/env bash
# Debian's PostGIS for PostgreSQL 15 (package postgresql-15-postgis-3, which brings the server too), for the
# PostGIS test (tests/benchmarks/test_postgis.py) and the PostGIS comparison of benchmarks/bench_scale.py.
# Idempotent and quiet; never fails: without it those tests are skipped with the reason.
if [ -f /usr/share/postgresql/15/extension/postgis.control ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "apt-get not available: PostGIS not installed, the PostGIS tests will be skipped"
  exit 0
fi
log="$(mktemp)"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql-15-postgis-3; } >"$log" 2>&1; then
  tail -n 5 "$log"
  echo "postgresql-15-postgis-3 not installable: the PostGIS tests will be skipped"
fi
rm -f "$log"
exit 0
