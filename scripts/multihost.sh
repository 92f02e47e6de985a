#!/usr/bin/env bash
# Two app hosts behind HAProxy with TLS, on one PostgreSQL (plus a streaming replica) and one
# Redis: load through the proxy, cross-host checks, then a fault run in which host B is
# killed (and started again) while officers save. Prints a pass/fail summary.
#
#   scripts/multihost.sh                                  # short: 2 min load, 20 users, 20,000 firms
#   scripts/multihost.sh --duration 10m --users 50 --firms 100000   # the issue's run
#   scripts/multihost.sh --no-replica                     # without the read replica
#   scripts/multihost.sh --fault-duration 90              # seconds of the fault run (0: none)
#
# Needs haproxy and openssl (Debian: apt-get install -y haproxy), PostgreSQL at 127.0.0.1:5432
# and Redis at 127.0.0.1:6379. Uses its own database (crm_multihost, dropped at the end with
# --drop). The replica needs replication connections from 127.0.0.1: when pg_hba.conf has no
# such line, one is added for the run (marked, removed again at the end, reload only).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/gunicorn ] && PATH="$PWD/.venv/bin:$PATH"

DURATION=2m USERS=20 FIRMS=20000 SPAWN_RATE=2 REPLICA=1 FAULT_DURATION=60 DROP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="$2"; shift 2 ;;
        --users) USERS="$2"; shift 2 ;;
        --firms) FIRMS="$2"; shift 2 ;;
        --spawn-rate) SPAWN_RATE="$2"; shift 2 ;;
        --fault-duration) FAULT_DURATION="$2"; shift 2 ;;
        --no-replica) REPLICA=0; shift ;;
        --drop) DROP=1; shift ;;
        *) echo "error: unknown option $1 (use --duration 2m, --users N, --firms N," \
                "--spawn-rate N, --fault-duration SECONDS, --no-replica, --drop)" >&2; exit 2 ;;
    esac
done
for tool in haproxy openssl locust gunicorn; do
    command -v "$tool" >/dev/null || { echo "error: $tool is not installed" >&2; exit 2; }
done

PG_SERVER="${PG_SERVER:-postgresql+psycopg://postgres@127.0.0.1:5432}"
DB_NAME="${DB_NAME:-crm_multihost}"
PORT_A="${PORT_A:-8101}" PORT_B="${PORT_B:-8102}"
PROXY_PORT="${PROXY_PORT:-8443}" PORT_VIA_A=8444 PORT_VIA_B=8445
REPLICA_PORT="${REPLICA_PORT:-5433}"
HOST_WORKERS="${HOST_WORKERS:-3}" HOST_THREADS="${HOST_THREADS:-4}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | tail -1)}"
WORK="$(mktemp -d -t crm-multihost.XXXXXX)"
HBA="$(psql -h 127.0.0.1 -U postgres -Atc 'SHOW hba_file' 2>/dev/null || true)"
HBA_MARK="# crm scripts/multihost.sh $$"
REPLICA_DIR="" PIDS=()

export CRM_ENV=production PYTHONFAULTHANDLER=1
export PGOPTIONS="${PGOPTIONS:-"-c max_parallel_workers_per_gather=0"}"
export DATABASE_URL="$PG_SERVER/$DB_NAME"
export RATELIMIT_STORAGE_URI="${RATELIMIT_STORAGE_URI:-redis://127.0.0.1:6379/0}"
export RATELIMIT_KEY_PREFIX="crm-multihost-$$"
export CRM_FILE_STORAGE=database SESSION_COOKIE_SECURE=1 CRM_PROXY_COUNT=1
SECRET_KEY="${SECRET_KEY:-$(python -c 'import secrets; print(secrets.token_hex(32))')}"
export SECRET_KEY  # the same on every host: a session signed by A is valid on B

cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    if [ -n "$REPLICA_DIR" ] && [ -f "$REPLICA_DIR/postmaster.pid" ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -m fast stop >/dev/null
    fi
    [ -n "$REPLICA_DIR" ] && rm -rf "$REPLICA_DIR"
    if [ -n "$HBA" ] && grep -qF "$HBA_MARK" "$HBA" 2>/dev/null; then
        sed -i "\|$HBA_MARK|d" "$HBA"
        psql -h 127.0.0.1 -U postgres -Atc 'SELECT pg_reload_conf()' >/dev/null
        echo "== pg_hba.conf: the replication line added for this run was removed again"
    fi
    if [ "$DROP" = 1 ]; then
        psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)"
    fi
}
trap cleanup EXIT

echo "== work folder $WORK; load average $(cut -d' ' -f1-3 /proc/loadavg)"
redis-cli -u "${RATELIMIT_STORAGE_URI}" ping >/dev/null 2>&1 \
    || python -c "import redis,sys; redis.Redis.from_url('$RATELIMIT_STORAGE_URI').ping()" \
    || { echo "error: Redis does not answer at $RATELIMIT_STORAGE_URI" >&2; exit 2; }

echo "== database $DB_NAME, made afresh, with $FIRMS generated firms"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE \"$DB_NAME\""
crm init >/dev/null 2>&1 || { crm init; exit 1; }
crm generate --firms "$FIRMS" 2>&1 | grep -v "SECRET_KEY" | tail -1
psql -h 127.0.0.1 -U postgres -d "$DB_NAME" -qc "VACUUM ANALYZE"
OPPS="$(python scripts/load_prepare.py "$WORK" "$USERS" 2>/dev/null | tail -1)"
export LOAD_USERS_FILE="$WORK/users.txt" LOAD_FIRM_IDS_FILE="$WORK/firm_ids.txt"
export LOAD_TAX_CODES_FILE="$WORK/tax_codes.txt" LOAD_OPPORTUNITY_IDS="$OPPS"

if [ "$REPLICA" = 1 ]; then
    echo "== streaming replica on 127.0.0.1:$REPLICA_PORT (pg_basebackup -R)"
    if ! psql "host=127.0.0.1 user=postgres replication=true" -Atc "IDENTIFY_SYSTEM" \
            >/dev/null 2>&1; then
        # The only change to the main cluster, undone at the end: replication connections
        # from this machine, as trusted as its other local connections already are.
        echo "host replication all 127.0.0.1/32 trust $HBA_MARK" >>"$HBA"
        psql -h 127.0.0.1 -U postgres -Atc 'SELECT pg_reload_conf()' >/dev/null
        echo "   pg_hba.conf: added 'host replication all 127.0.0.1/32 trust' for this run"
    fi
    REPLICA_DIR="$(mktemp -d -t crm-replica.XXXXXX)"
    chown postgres: "$REPLICA_DIR"
    chmod 700 "$REPLICA_DIR"
    runuser -u postgres -- pg_basebackup -h 127.0.0.1 -U postgres -D "$REPLICA_DIR" -R \
        -X stream -c fast
    # A Debian cluster keeps its configuration in /etc: the copy needs its own.
    cat >"$REPLICA_DIR/postgresql.conf" <<CONF
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$REPLICA_DIR'
hot_standby = on
shared_buffers = 128MB
max_connections = 100
autovacuum = off
CONF
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$REPLICA_DIR/pg_hba.conf"
    chown postgres: "$REPLICA_DIR/postgresql.conf" "$REPLICA_DIR/pg_hba.conf"
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/log" -w start \
        >/dev/null
    export DATABASE_REPLICA_URL="$PG_SERVER/$DB_NAME"
    DATABASE_REPLICA_URL="${DATABASE_REPLICA_URL/:5432/:$REPLICA_PORT}"
    echo "   replica: $(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -Atc \
        'SELECT pg_is_in_recovery()') in recovery; DATABASE_REPLICA_URL=$DATABASE_REPLICA_URL"
fi

echo "== TLS certificate (self-signed) and HAProxy on https://127.0.0.1:$PROXY_PORT"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
cat "$WORK/cert.pem" "$WORK/key.pem" >"$WORK/haproxy.pem"
cat >"$WORK/haproxy.cfg" <<CFG
global
    maxconn 2000
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    option forwardfor
    # A request that could not reach a host (it is down) goes to the other one; one that
    # reached it is never sent twice (a save must not be repeated).
    retries 2
    option redispatch
frontend crm
    bind 127.0.0.1:$PROXY_PORT ssl crt $WORK/haproxy.pem
    http-request set-header X-Forwarded-Proto https
    default_backend hosts
# Two more doors for the cross-host checks: each reaches one host only, still over TLS.
frontend via_a
    bind 127.0.0.1:$PORT_VIA_A ssl crt $WORK/haproxy.pem
    http-request set-header X-Forwarded-Proto https
    default_backend host_a
frontend via_b
    bind 127.0.0.1:$PORT_VIA_B ssl crt $WORK/haproxy.pem
    http-request set-header X-Forwarded-Proto https
    default_backend host_b
backend hosts
    balance roundrobin
    option httpchk GET /health
    default-server inter 1s fall 2 rise 2
    server a 127.0.0.1:$PORT_A check
    server b 127.0.0.1:$PORT_B check
backend host_a
    server a 127.0.0.1:$PORT_A
backend host_b
    server b 127.0.0.1:$PORT_B
CFG
haproxy -c -q -f "$WORK/haproxy.cfg"
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
PIDS+=($!)

start_host() {  # NAME PORT: gunicorn as in the README, its own instance folder; sets HOST_PID
    mkdir -p "$WORK/host-$1/instance"
    CRM_INSTANCE_DIR="$WORK/host-$1/instance" CRM_WARM_AT_START=1 \
        gunicorn --preload --workers "$HOST_WORKERS" --threads "$HOST_THREADS" \
        --keep-alive 10 --bind "127.0.0.1:$2" --access-logfile - 'crm:create_app()' \
        >>"$WORK/host-$1.log" 2>&1 &
    HOST_PID=$!
    PIDS+=("$HOST_PID")
}
wait_health() {  # PORT
    for _ in $(seq 1 240); do
        curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0
        sleep 0.5
    done
    echo "error: host on port $1 did not come up" >&2; return 1
}
echo "== host A on 127.0.0.1:$PORT_A, host B on 127.0.0.1:$PORT_B" \
     "(gunicorn --workers $HOST_WORKERS --threads $HOST_THREADS each)"
start_host a "$PORT_A"; PID_A=$HOST_PID
start_host b "$PORT_B"; PID_B=$HOST_PID
wait_health "$PORT_A"; wait_health "$PORT_B"
BASE="https://127.0.0.1:$PROXY_PORT"
# The warm-up and the checks (requests) and locust trust the certificate made above.
export REQUESTS_CA_BUNDLE="$WORK/cert.pem" LOAD_CA_FILE="$WORK/cert.pem"
python scripts/load_warmup.py "https://127.0.0.1:$PORT_VIA_A" "$LOAD_USERS_FILE" "$OPPS"
python scripts/load_warmup.py "https://127.0.0.1:$PORT_VIA_B" "$LOAD_USERS_FILE" "$OPPS"

echo "== cross-host checks"
CHECKS=0
python scripts/multihost_check.py "https://127.0.0.1:$PORT_VIA_A" \
    "https://127.0.0.1:$PORT_VIA_B" "$WORK/cert.pem" "${OPPS%%,*}" \
    "${DATABASE_REPLICA_URL:-}" || CHECKS=1

echo "== load: $USERS users ($SPAWN_RATE more a second) for $DURATION through $BASE" \
     "(load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
locust -f scripts/locustfile.py --headless --users "$USERS" --spawn-rate "$SPAWN_RATE" \
    --run-time "$DURATION" --host "$BASE" --only-summary --csv "$WORK/load" \
    --stop-timeout 10 >"$WORK/load.log" 2>&1 || true
sed -n '/^page /,$p' "$WORK/load.log"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
LOAD=0
python scripts/multihost_summary.py "$WORK/load_stats.csv" 500 || LOAD=1
SERVER_ERRORS="$(cat "$WORK"/host-*.log | grep -cE '" 5[0-9][0-9] ' || true)"
CRASHES="$(cat "$WORK"/host-*.log | grep -c 'Fatal Python error' || true)"
echo "server errors (5xx) in the hosts' access logs: $SERVER_ERRORS; worker crashes: $CRASHES"

FAULT=0
if [ "$FAULT_DURATION" -gt 0 ]; then
    export MARKER_FILE="$WORK/acknowledged.txt" LOAD_RUN_ID="m$(date +%s)"
    : >"$MARKER_FILE"
    echo "== fault run: $USERS users for ${FAULT_DURATION}s; host B killed, then started again"
    locust -f scripts/locustfile.py --headless --users "$USERS" --spawn-rate 10 \
        --run-time "${FAULT_DURATION}s" --host "$BASE" --only-summary \
        --stop-timeout 10 >"$WORK/fault.log" 2>&1 &
    LOCUST_PID=$!
    sleep $((FAULT_DURATION / 3))
    echo "   $(date +%T) kill -9 host B (gunicorn master $PID_B and its workers)"
    kill -9 $(pgrep -P "$PID_B") "$PID_B" 2>/dev/null || true
    sleep $((FAULT_DURATION / 3))
    echo "   $(date +%T) host B started again (as a new host would be added)"
    start_host b "$PORT_B"; PID_B=$HOST_PID
    wait "$LOCUST_PID" || true
    sed -n '/^page /,$p' "$WORK/fault.log"
    wait_health "$PORT_B" && echo "   host B answers /health again; HAProxy sends it requests" \
        "once two health checks pass"
    python scripts/fault_check.py "$MARKER_FILE" "$LOAD_RUN_ID" || FAULT=1
    [ -s "$MARKER_FILE" ] || { echo "no save was acknowledged: nothing was tested"; FAULT=1; }
fi

echo
echo "== SUMMARY (work folder $WORK)"
[ "$CHECKS" = 0 ] && echo "PASS  cross-host checks" || echo "FAIL  cross-host checks"
[ "$LOAD" = 0 ] && echo "PASS  load: 0 errors, p95 <= 500 ms for every page type" \
    || echo "FAIL  load: errors or a page type over 500 ms at p95 (table above)"
[ "$CRASHES" = 0 ] && echo "PASS  no worker crash" || echo "FAIL  $CRASHES worker crash(es)"
if [ "$FAULT_DURATION" -gt 0 ]; then
    [ "$FAULT" = 0 ] && echo "PASS  host killed mid-run: no acknowledged save lost" \
        || echo "FAIL  host killed mid-run: acknowledged saves lost or duplicated"
fi
if [ "$CHECKS$LOAD$FAULT" = 000 ] && [ "$CRASHES" = 0 ]; then
    echo "MULTI-HOST RUN OK"
else
    echo "MULTI-HOST RUN FAILED"; exit 1
fi
