#!/usr/bin/env bash
# Stress for the worker crash (SIGSEGV in the garbage collector with other threads in psycopg):
# the load run of scripts/load_test.sh with the collector run far more often, core dumps on,
# then a count of crashed workers. Compare settings one at a time, e.g.:
#
#   scripts/crash_stress.sh --duration 5m --threads 8 --gc 50          # the suspect setting, harder
#   scripts/crash_stress.sh --duration 5m --workers 6 --threads 1 --gc 50   # sync-like workers
#   PSYCOPG_IMPL=python scripts/crash_stress.sh --duration 5m --threads 8 --gc 50
#
# Uses the database crm_load (or DB_NAME) like load_test.sh; --firms N as there.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=5m USERS=50 FIRMS=100000 WORKERS=3 THREADS=4 GC=50
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="$2"; shift 2 ;;
        --users) USERS="$2"; shift 2 ;;
        --firms) FIRMS="$2"; shift 2 ;;
        --workers) WORKERS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --gc) GC="$2"; shift 2 ;;
        *) echo "error: unknown option $1 (use --duration, --users, --firms, --workers," \
                "--threads, --gc THRESHOLD0)" >&2; exit 2 ;;
    esac
done
WORK="$(mktemp -d -t crm-stress.XXXXXX)"
export WORK GUNICORN_WORKERS="$WORKERS" GUNICORN_THREADS="$THREADS" STRESS_GC_THRESHOLD="$GC"
export GUNICORN_CMD_ARGS="-c scripts/gunicorn_stress.py ${GUNICORN_CMD_ARGS:-}"
ulimit -c unlimited || true  # a crashed worker leaves a core (kernel.core_pattern decides where)
echo "== stress: $WORKERS workers x $THREADS threads, gc threshold $GC," \
     "PSYCOPG_IMPL=${PSYCOPG_IMPL:-(default)}, $USERS users, $DURATION"
scripts/load_test.sh --duration "$DURATION" --users "$USERS" --firms "$FIRMS" --spawn-rate 10
LOG="$WORK/gunicorn.log"
CRASHES="$(grep -cE 'Fatal Python error|was sent SIGSEGV|Segmentation fault' "$LOG" || true)"
echo "== psycopg implementation in the workers: $(python -c 'import psycopg; print(psycopg.pq.__impl__)')"
echo "== worker crashes (SIGSEGV) in $LOG: $CRASHES"
grep -A30 'Fatal Python error' "$LOG" | head -60 || true
ls -l core* "$WORK"/core* 2>/dev/null || true
