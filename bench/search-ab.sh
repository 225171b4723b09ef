#!/bin/bash
# Cold (or warm) /search/ over HTTP for two checkouts side by side, alternately, on a noisy
# machine: req/s, p95, and CPU time per request (from /proc) of the gunicorn workers, of every
# PostgreSQL process (none on SQLite) and of the whole machine.
#
#   bench/search-ab.sh OLD_DIR OLD_DATABASE_URL NEW_DIR NEW_DATABASE_URL [ROUNDS] [CACHE_SECONDS]
#
# Each checkout needs `manage.py collectstatic` run against its database first; the URL list
# is $URLS, or /tmp/urls.txt (`manage.py bench_search --urls /tmp/urls.txt`). CACHE_SECONDS 0 (default)
# computes every query; 600 is the shipped result cache. $PORT (default 8104) is where gunicorn
# listens. Uses the venv of the checkout this script is in.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
old_dir=$(cd "$1" && pwd)
new_dir=$(cd "$3" && pwd)
rounds=${5:-3}
cache=${6:-0}
urls=${URLS:-/tmp/urls.txt}
port=${PORT:-8104}

cpu() { # CPU ticks used so far by these processes
  local total=0
  for p in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo $total
}
busy() { awk '/^cpu / {print $2 + $3 + $4 + $6 + $7 + $8}' /proc/stat; } # every core's busy ticks
per_request() { printf "%.2f" "$(echo "scale=4; ($2 - $1) * 1000 / $(getconf CLK_TCK) / $3" | bc)"; }

run() { # label dir database_url
  cd "$2"
  SEARCH_CACHE_SECONDS=$cache DJANGO_ALLOWED_HOSTS=127.0.0.1 DATABASE_URL=$3 \
    "$here/.venv/bin/gunicorn" glossary.wsgi -b 127.0.0.1:$port -w 2 --access-logfile /dev/null &
  local pid=$!
  sleep 4
  URLS=$urls wrk -t2 -c8 -d5s -s "$here/bench/wrk-search.lua" http://127.0.0.1:$port >/dev/null
  local workers out requests
  workers=$(pgrep -P $pid)
  local before=($(cpu $workers) $(cpu $(pgrep -x postgres)) $(busy))
  out=$(URLS=$urls wrk -t2 -c8 -d20s --latency -s "$here/bench/wrk-search.lua" http://127.0.0.1:$port)
  local after=($(cpu $workers) $(cpu $(pgrep -x postgres)) $(busy))
  requests=$(echo "$out" | awk '/^requests/ {print $2}' | tr -d ,)
  echo "$1: $(echo "$out" | grep Requests/sec), $(echo "$out" | grep '^p' | paste -sd ' '); CPU a request:" \
    "workers $(per_request "${before[0]}" "${after[0]}" "$requests") ms," \
    "PostgreSQL $(per_request "${before[1]}" "${after[1]}" "$requests") ms," \
    "whole machine $(per_request "${before[2]}" "${after[2]}" "$requests") ms"
  kill $pid
  wait $pid 2>/dev/null || true
}

for _ in $(seq "$rounds"); do
  run old "$old_dir" "$2"
  run new "$new_dir" "$4"
done
