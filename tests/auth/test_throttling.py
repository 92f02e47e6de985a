"""Login throttling: per account and per client address, generic 429 page."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from crm.auth.throttle import ADDRESS_LIMITS
from tests import factories

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _post(client, email: str, password: str = "wrong password", addr: str = "10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_sixth_failed_login_for_an_account_in_a_minute_is_refused(client, db, throttling):
    user = factories.make_user("officer")
    db.session.commit()
    for i in range(5):
        assert _post(client, user.email, addr=f"10.0.1.{i}").status_code == 200
    # Even the right password from a fresh address waits: the account is what is protected.
    resp = _post(client, user.email, factories.PASSWORD, addr="10.0.1.99")
    assert resp.status_code == 429
    assert "quá nhiều lần đăng nhập" in resp.get_data(as_text=True).lower()


def test_account_key_ignores_case_and_diacritics_of_the_email(client, db, throttling):
    user = factories.make_user("officer", email="nguyen.an@example.vn")
    db.session.commit()
    for variant in ("NGUYEN.AN@example.vn", " nguyen.an@EXAMPLE.vn ", "nguyễn.an@example.vn",
                    "Nguyen.An@example.vn", "nguyen.an@example.vn"):
        _post(client, variant, addr="10.0.2.1")
    assert _post(client, user.email, addr="10.0.2.2").status_code == 429


def test_throttling_one_account_leaves_other_accounts_alone(client, db, throttling):
    victim = factories.make_user("officer")
    other = factories.make_user("officer")
    db.session.commit()
    for _ in range(6):
        _post(client, victim.email)
    resp = _post(client, other.email, factories.PASSWORD)
    assert resp.status_code == 302


def test_successful_logins_do_not_use_up_the_budget(client, db, throttling):
    user = factories.make_user("officer")
    db.session.commit()
    for _ in range(8):
        assert _post(client, user.email, factories.PASSWORD).status_code == 302
        client.post("/logout")


def test_one_address_trying_many_accounts_is_refused(client, db, throttling):
    per_minute = int(ADDRESS_LIMITS.split("/")[0])
    for i in range(per_minute):
        assert _post(client, f"guess{i}@example.vn", addr="10.0.3.1").status_code == 200
    assert _post(client, "guess-next@example.vn", addr="10.0.3.1").status_code == 429
    assert _post(client, "guess-next@example.vn", addr="10.0.3.2").status_code == 200


def test_throttled_page_is_the_same_for_known_and_unknown_accounts(client, db, throttling):
    user = factories.make_user("officer")
    db.session.commit()
    pages = []
    for email in (user.email, "nobody-here@example.vn"):
        for _ in range(5):
            _post(client, email, addr="10.0.4.1" if email == user.email else "10.0.4.2")
        resp = _post(client, email, addr="10.0.4.3" if email == user.email else "10.0.4.4")
        assert resp.status_code == 429
        assert resp.headers["Retry-After"]
        pages.append(resp.get_data(as_text=True).replace(email, "EMAIL"))
    assert pages[0] == pages[1]


def test_get_of_the_login_page_is_never_throttled(client, db, throttling):
    for _ in range(40):
        _post(client, "someone@example.vn", addr="10.0.5.1")
    assert client.get("/login", environ_base={"REMOTE_ADDR": "10.0.5.1"}).status_code == 200


def test_throttling_is_off_in_the_rest_of_the_suite(client, db):
    user = factories.make_user("officer")
    db.session.commit()
    for _ in range(7):
        _post(client, user.email)
    assert _post(client, user.email, factories.PASSWORD).status_code == 302


def _redis_unreachable() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as err:  # any failure means: skip, with the reason
        return f"Redis not reachable at {REDIS_URL}: {err}"
    return None


_WORKER = textwrap.dedent("""
    import sys
    from crm import create_app
    from crm.config import Config
    from crm.extensions import db
    from crm.models import User

    class C(Config):
        WTF_CSRF_ENABLED = False

    app = create_app(C)
    with app.app_context():
        if sys.argv[1] == "first":
            db.create_all()
            user = User(email="redis@example.vn", name="R", role="officer")
            user.set_password("correct horse battery")
            db.session.add(user)
            db.session.commit()
    client = app.test_client()
    codes = [client.post("/login", data={"email": "redis@example.vn", "password": "x"}).status_code
             for _ in range(int(sys.argv[2]))]
    print(" ".join(map(str, codes)))
""")


def test_two_workers_share_the_account_budget_in_redis(tmp_path: Path):
    reason = _redis_unreachable()
    if reason:
        pytest.skip(reason)
    import redis

    prefix = f"crmtest{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
           "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix,
           "RATELIMIT_ENABLED": "1", "CRM_ENV": "development"}
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)

    def run(*args: str) -> str:
        out = subprocess.run([sys.executable, str(script), *args], env=env, capture_output=True,
                             text=True, timeout=120, check=True)
        return out.stdout.strip()

    try:
        assert run("first", "3") == "200 200 200"  # worker 1
        assert run("second", "3") == "200 200 429"  # worker 2 continues the same count
    finally:
        r = redis.Redis.from_url(REDIS_URL)
        for key in r.scan_iter(f"*{prefix}*"):
            r.delete(key)
