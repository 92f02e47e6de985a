"""One "today" for the whole app: the date in the configured time zone, not the server's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from crm import clock


def test_today_is_vietnam_date_where_the_server_is_still_on_yesterday(app, monkeypatch):
    late_utc = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)  # 01:30 on 5 December in Hà Nội

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return late_utc.astimezone(tz) if tz else late_utc.replace(tzinfo=None)

    monkeypatch.setattr(clock, "datetime", Frozen)
    with app.app_context():
        assert clock.zone() == ZoneInfo("Asia/Ho_Chi_Minh")
        assert clock.today().isoformat() == "2026-12-05"
    assert clock.today().isoformat() == "2026-12-05"  # commands outside an app: same zone


def test_no_module_of_the_app_asks_the_server_for_its_date():
    from pathlib import Path

    root = Path(clock.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.name != "clock.py" and "date.today()" in p.read_text(encoding="utf-8")]
    assert offenders == []
