"""scripts/run_production_check.sh: gunicorn + PostgreSQL + Redis answer /health and a login."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import postgres_reachable

ROOT = Path(__file__).resolve().parents[2]


def _redis_reachable() -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as conn:
            conn.sendall(b"PING\r\n")
            if conn.recv(16).startswith(b"+PONG"):
                return None
    except OSError as err:
        return f"Redis not reachable at 127.0.0.1:6379: {err}"
    return "Redis at 127.0.0.1:6379 did not answer PONG"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_production_check_starts_gunicorn_and_logs_in():
    bindir = Path(sys.executable).parent
    if not (bindir / "gunicorn").exists() and shutil.which("gunicorn") is None:
        pytest.skip("gunicorn is not installed")
    for reason in (postgres_reachable(), _redis_reachable()):
        if reason:
            pytest.skip(reason)
    env = {**os.environ, "PORT": str(_free_port()),
           "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(["bash", str(ROOT / "scripts/run_production_check.sh")], env=env,
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "PRODUCTION CHECK OK" in result.stdout


def test_readme_shows_the_gunicorn_command_the_production_check_runs():
    script = (ROOT / "scripts/run_production_check.sh").read_text()
    # The environment set on the command line (CRM_WARM_AT_START=1), then the command.
    env, shown = re.search(r'^echo "((?:[A-Z_]+=\S+ )*)(gunicorn .*)"$', script, re.M).groups()
    port = re.search(r'^PORT="\$\{PORT:-(\d+)\}"', script, re.M).group(1)
    readme = (ROOT / "README.md").read_text()
    assert f"\n{env}.venv/bin/{shown.replace('$PORT', port)}\n" in readme
