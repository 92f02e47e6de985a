# Shared by load_test.sh and fault_test.sh: the database with generated firms, officer logins,
# gunicorn exactly as in production (README "Production"), warmed up. Needs FIRMS, USERS;
# WORKER_ENV ("NAME=value ...") adds environment for gunicorn alone (crash_stress.sh).
PG_SERVER="${PG_SERVER:-postgresql+psycopg://postgres@127.0.0.1:5432}"
DB_NAME="${DB_NAME:-crm_load}"
PORT="${PORT:-5160}"
WORK="${WORK:-$(mktemp -d -t crm-load.XXXXXX)}"
export CRM_ENV=production
# A worker that crashes in C code (SIGSEGV) writes every thread's Python stack to the log.
export PYTHONFAULTHANDLER=1
# As in the README's production command: no parallel query workers (see there).
export PGOPTIONS="${PGOPTIONS:-"-c max_parallel_workers_per_gather=0"}"
export DATABASE_URL="$PG_SERVER/$DB_NAME"
export RATELIMIT_STORAGE_URI="${RATELIMIT_STORAGE_URI:-redis://127.0.0.1:6379/0}"
export RATELIMIT_KEY_PREFIX="crm-load-$$"
SECRET_KEY="${SECRET_KEY:-$(python -c 'import secrets; print(secrets.token_hex(32))')}"
export SECRET_KEY

echo "== database $DB_NAME with $FIRMS generated firms"
python - <<PY
from sqlalchemy import create_engine, text
engine = create_engine("$PG_SERVER/postgres", isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": "$DB_NAME"}):
        conn.execute(text('CREATE DATABASE "$DB_NAME"'))
PY
crm init >/dev/null 2>&1 || { crm init; exit 1; }
crm generate --firms "$FIRMS" 2>&1 | grep -v "SECRET_KEY" | tail -1
# What autovacuum does on a production server (it is off on some, this project's machine
# among them): without it no index-only scan skips the heap and the planner's row counts
# are those of the empty tables.
python - <<PY
from sqlalchemy import create_engine, text
with create_engine("$PG_SERVER/$DB_NAME", isolation_level="AUTOCOMMIT").connect() as conn:
    conn.execute(text("VACUUM ANALYZE"))
PY
OPPS="$(python scripts/load_prepare.py "$WORK" "$USERS" 2>/dev/null | tail -1)"
export LOAD_USERS_FILE="$WORK/users.txt" LOAD_FIRM_IDS_FILE="$WORK/firm_ids.txt"
export LOAD_TAX_CODES_FILE="$WORK/tax_codes.txt" LOAD_OPPORTUNITY_IDS="$OPPS"

echo "== gunicorn on 127.0.0.1:$PORT (log: $WORK/gunicorn.log)"
env ${WORKER_ENV:-} CRM_WARM_AT_START=1 gunicorn --preload --workers "${GUNICORN_WORKERS:-3}" --threads "${GUNICORN_THREADS:-4}" --keep-alive 10 --bind "127.0.0.1:$PORT" --access-logfile - \
    'crm:create_app()' >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
stop() { kill -TERM "$GUNICORN_PID" 2>/dev/null && wait "$GUNICORN_PID" 2>/dev/null || true; }
trap stop EXIT
python scripts/load_warmup.py "http://127.0.0.1:$PORT" "$LOAD_USERS_FILE" "$OPPS"
