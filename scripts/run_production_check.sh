#!/usr/bin/env bash
# Start the CRM as production runs it (gunicorn + PostgreSQL + Redis), check /health and a
# login, then stop. Uses its own database (crm_prod_check by default), never the test one.
#
#   scripts/run_production_check.sh            # exit 0 when everything answered
#   PORT=5151 DB_NAME=crm_other scripts/run_production_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/gunicorn ] && PATH="$PWD/.venv/bin:$PATH"

PG_SERVER="${PG_SERVER:-postgresql+psycopg://postgres@127.0.0.1:5432}"
DB_NAME="${DB_NAME:-crm_prod_check}"
PORT="${PORT:-5150}"
export CRM_ENV=production
export DATABASE_URL="${DATABASE_URL:-$PG_SERVER/$DB_NAME}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export RATELIMIT_STORAGE_URI="${RATELIMIT_STORAGE_URI:-$REDIS_URL}"
SECRET_KEY="${SECRET_KEY:-$(python -c 'import secrets; print(secrets.token_hex(32))')}"
export SECRET_KEY
export PYTHONFAULTHANDLER=1 PGOPTIONS="${PGOPTIONS:-"-c max_parallel_workers_per_gather=0"}"  # as in the README
EMAIL="prod-check@example.vn"
PASSWORD="$(python -c 'import secrets; print(secrets.token_urlsafe(16))')"
LOG="$(mktemp -t crm-prod-check.XXXXXX.log)"

echo "== Redis at $REDIS_URL"
python - <<PY
import socket, sys, urllib.parse
u = urllib.parse.urlparse("$REDIS_URL")
try:
    with socket.create_connection((u.hostname, u.port or 6379), timeout=3) as s:
        s.sendall(b"PING\r\n")
        reply = s.recv(64)
except OSError as err:
    sys.exit(f"Redis not reachable: {err}")
print(reply.decode().strip())
if not reply.startswith(b"+PONG"):
    sys.exit("Redis did not answer PONG")
PY

echo "== database $DB_NAME, made afresh (schema as \`crm init\` makes it, reference data, a check user)"
python - <<PY
from sqlalchemy import create_engine, func, select, text
engine = create_engine("$PG_SERVER/postgres", isolation_level="AUTOCOMMIT",
                       connect_args={"connect_timeout": 5})
with engine.connect() as conn:
    # A fresh database each run: one left by an earlier run may carry another branch's
    # migrations, and the check is about a first start as the README describes it.
    conn.execute(text('DROP DATABASE IF EXISTS "$DB_NAME" WITH (FORCE)'))
    conn.execute(text('CREATE DATABASE "$DB_NAME"'))
engine.dispose()

from flask_migrate import upgrade
from crm import create_app
from crm.extensions import db
from crm.models import Country, User
from crm.refdata import load_reference_data
app = create_app()
with app.app_context():
    upgrade()
    if not db.session.scalar(select(func.count()).select_from(Country)):
        load_reference_data()
    user = db.session.scalar(select(User).where(User.email == "$EMAIL"))
    if user is None:
        user = User(email="$EMAIL", name="Kiểm tra vận hành", role="officer")
        db.session.add(user)
    user.set_password("$PASSWORD")
    db.session.commit()
PY

echo "== gunicorn on 127.0.0.1:$PORT (log: $LOG)"
# The README's "Production" section shows this same command.
echo "CRM_WARM_AT_START=1 gunicorn --preload --workers 3 --threads 4 --keep-alive 10 --bind 127.0.0.1:$PORT --access-logfile - 'crm:create_app()'"
CRM_WARM_AT_START=1 gunicorn --preload --workers 3 --threads 4 --keep-alive 10 --bind "127.0.0.1:$PORT" --access-logfile - \
    'crm:create_app()' >"$LOG" 2>&1 &
GUNICORN_PID=$!
stop() { kill -TERM "$GUNICORN_PID" 2>/dev/null && wait "$GUNICORN_PID" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 1 60); do
    python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/health', timeout=1)" \
        2>/dev/null && break
    kill -0 "$GUNICORN_PID" 2>/dev/null || { echo "gunicorn exited:"; tail -20 "$LOG"; exit 1; }
    sleep 0.5
done

echo "== checks"
if python scripts/prod_login_check.py "http://127.0.0.1:$PORT" "$EMAIL" "$PASSWORD"; then
    echo "PRODUCTION CHECK OK"
else
    echo "PRODUCTION CHECK FAILED; gunicorn log:"; tail -30 "$LOG"; exit 1
fi
