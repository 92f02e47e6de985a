#!/usr/bin/env bash
# Fault run: under load, kill a gunicorn worker, then restart PostgreSQL; afterwards every
# support-log entry the server acknowledged (a redirect after saving) must exist exactly once.
# Restarting PostgreSQL interrupts everything else using it on this machine for ~2 seconds.
#
#   scripts/fault_test.sh                 # 90 s of load, worker killed at 20 s, PG restarted at 45 s
#   scripts/fault_test.sh --duration 60 --users 30
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/gunicorn ] && PATH="$PWD/.venv/bin:$PATH"

DURATION=90 USERS=50 FIRMS=100000
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="$2"; shift 2 ;;
        --users) USERS="$2"; shift 2 ;;
        --firms) FIRMS="$2"; shift 2 ;;
        *) echo "error: unknown option $1 (use --duration SECONDS, --users N, --firms N)" >&2
           exit 2 ;;
    esac
done
. scripts/load_common.sh
export MARKER_FILE="$WORK/acknowledged.txt" LOAD_RUN_ID="f$(date +%s)"
: >"$MARKER_FILE"

echo "== locust: $USERS users for ${DURATION}s with faults"
locust -f scripts/locustfile.py --headless --users "$USERS" --spawn-rate 10 \
    --run-time "${DURATION}s" --host "http://127.0.0.1:$PORT" --only-summary \
    --stop-timeout 10 >"$WORK/locust.log" 2>&1 &
LOCUST_PID=$!

sleep $((DURATION * 2 / 9))
WORKER="$(pgrep -P "$GUNICORN_PID" | head -1)"
echo "== $(date +%T) kill -9 gunicorn worker $WORKER"
kill -9 "$WORKER"
sleep $((DURATION * 5 / 18))
CLUSTER="$(ls /etc/postgresql | head -1)"
echo "== $(date +%T) restart PostgreSQL $CLUSTER/main"
pg_ctlcluster --skip-systemctl-redirect "$CLUSTER" main restart
echo "== $(date +%T) PostgreSQL is back"
wait "$LOCUST_PID" || true
sed -n '/^page /,$p' "$WORK/locust.log"

echo "== checking acknowledged support-log entries"
python scripts/fault_check.py "$MARKER_FILE" "$LOAD_RUN_ID"
