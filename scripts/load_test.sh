#!/usr/bin/env bash
# Load run: 100,000 firms in PostgreSQL, gunicorn as in production, 50 locust officers.
# Prints requests, errors and p50/p95 per page. Not part of the normal test run.
#
#   scripts/load_test.sh                  # 10 minutes, 50 users
#   scripts/load_test.sh --duration 2m    # shorter; --users N, --firms N also accepted
#   scripts/load_test.sh --spawn-rate 10  # users logging in per second (default 2: the 50
#                                         # officers arrive over 25 s, not all at once)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/gunicorn ] && PATH="$PWD/.venv/bin:$PATH"

DURATION=10m USERS=50 FIRMS=100000 SPAWN_RATE=2
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="$2"; shift 2 ;;
        --users) USERS="$2"; shift 2 ;;
        --firms) FIRMS="$2"; shift 2 ;;
        --spawn-rate) SPAWN_RATE="$2"; shift 2 ;;
        *) echo "error: unknown option $1 (use --duration 2m, --users N, --firms N, --spawn-rate N)" >&2; exit 2 ;;
    esac
done
. scripts/load_common.sh

echo "== locust: $USERS users ($SPAWN_RATE more a second) for $DURATION (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
locust -f scripts/locustfile.py --headless --users "$USERS" --spawn-rate "$SPAWN_RATE" \
    --run-time "$DURATION" --host "http://127.0.0.1:$PORT" --only-summary \
    --csv "$WORK/locust" --stop-timeout 10 >"$WORK/locust.log" 2>&1 || true
sed -n '/^page /,$p' "$WORK/locust.log"
echo "response times every few seconds: $WORK/locust_stats_history.csv"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
echo "server errors (5xx) in the access log: $(grep -cE '" 5[0-9][0-9] ' "$WORK/gunicorn.log" || true)"
echo "workers that died of a signal: $(grep -cE 'was sent SIG(SEGV|BUS|ABRT)|terminated due to signal' "$WORK/gunicorn.log" || true)"
