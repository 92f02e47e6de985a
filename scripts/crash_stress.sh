#!/usr/bin/env bash
# Stress for the worker crash (SIGSEGV in the garbage collector with other threads in psycopg):
# the load run of scripts/load_test.sh with the collector run far more often, core dumps on,
# then a count of crashed workers. Compare settings one at a time, e.g.:
#
#   scripts/crash_stress.sh --duration 5m --threads 8 --gc 50          # the suspect setting, harder
#   scripts/crash_stress.sh --duration 5m --workers 6 --threads 1 --gc 50   # sync-like workers
#   PSYCOPG_IMPL=python scripts/crash_stress.sh --duration 5m --threads 8 --gc 50
#   scripts/crash_stress.sh --duration 15m --gc 0 --malloc-debug   # CPython's debug allocator in
#                                      # the workers: freed memory is overwritten, so a use after
#                                      # free crashes at once instead of now and then
#   scripts/crash_stress.sh --duration 3m --gc 0 --inject-segv 60   # the count sees a crash:
#                                      # one worker is sent SIGSEGV 60 s into the load
#
# Uses the database crm_load (or DB_NAME) like load_test.sh; --firms N as there.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] && PATH="$PWD/.venv/bin:$PATH"
DURATION=5m USERS=50 FIRMS=100000 WORKERS=3 THREADS=4 GC=50 INJECT=
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="$2"; shift 2 ;;
        --users) USERS="$2"; shift 2 ;;
        --firms) FIRMS="$2"; shift 2 ;;
        --workers) WORKERS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --gc) GC="$2"; shift 2 ;;
        --inject-segv) INJECT="$2"; shift 2 ;;
        --malloc-debug) export WORKER_ENV="PYTHONMALLOC=debug ${WORKER_ENV:-}"; shift ;;
        *) echo "error: unknown option $1 (use --duration, --users, --firms, --workers," \
                "--threads, --gc THRESHOLD0, --malloc-debug, --inject-segv SECONDS)" >&2; exit 2 ;;
    esac
done
WORK="$(mktemp -d -t crm-stress.XXXXXX)"
export WORK GUNICORN_WORKERS="$WORKERS" GUNICORN_THREADS="$THREADS" STRESS_GC_THRESHOLD="$GC"
export GUNICORN_CMD_ARGS="-c scripts/gunicorn_stress.py ${GUNICORN_CMD_ARGS:-}"
ulimit -c unlimited || true  # a crashed worker leaves a core (kernel.core_pattern decides where)
echo "== stress: $WORKERS workers x $THREADS threads, gc threshold $GC," \
     "PSYCOPG_IMPL=${PSYCOPG_IMPL:-(default)}, $USERS users, $DURATION," \
     "$(python -c 'import sys; print(sys.version.split()[0])'), worker env: ${WORKER_ENV:-(none)}"
if [ -n "$INJECT" ]; then
    # Self-check of the count below: one worker killed the way the real crash kills it,
    # INJECT seconds after the load (locust) started.
    ( until [ -s "$WORK/locust.log" ]; do sleep 1; done
      sleep "$INJECT"
      master="$(pgrep -o -f "gunicorn.*127.0.0.1:${PORT:-5160}")"
      victim="$(pgrep -P "$master" | head -1)"
      echo "== injected: SIGSEGV to worker $victim of master $master, $INJECT s into the load"
      kill -SEGV "$victim" ) &
fi
scripts/load_test.sh --duration "$DURATION" --users "$USERS" --firms "$FIRMS" --spawn-rate 10
LOG="$WORK/gunicorn.log"
# gunicorn's master writes one line per worker that died of a signal.
CRASHES="$(grep -cE 'was sent SIG(SEGV|BUS|ABRT)|terminated due to signal' "$LOG" || true)"
echo "== psycopg implementation in the workers: $(python -c 'import psycopg; print(psycopg.pq.__impl__)')"
echo "== worker crashes (SIGSEGV) in $LOG: $CRASHES"
grep -A30 'Fatal Python error' "$LOG" | head -60 || true
if ls core* >/dev/null 2>&1; then
    # Each thread's C and Python stack from the core (CPython's gdb helpers show `py-bt`).
    PY="$(python -c 'import os, sys; print(os.path.realpath(sys.executable))')"
    echo "== core dump(s): $(ls core*); read with:"
    echo "   gdb -q -batch -iex 'add-auto-load-safe-path /' -ex 'thread apply all bt 12'" \
         "-ex 'thread apply all py-bt' $PY core"
fi
