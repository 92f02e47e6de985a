"""`crm bench reminders` runs end to end on a small database (figures: README)."""

from __future__ import annotations

import re

from click.testing import CliRunner

from crm.cli import cli


def test_reminders_bench_prints_the_daily_run_and_adds_nothing_the_second_time(tmp_path):
    result = CliRunner().invoke(cli, ["bench", "reminders", "--firms", "60", "--database-url",
                                      f"sqlite:///{tmp_path / 'rem.db'}"])
    assert result.exit_code == 0, result.output
    assert re.search(r"60 firms, \d+ certificates; daily run \d+\.\d+ s", result.output)
    assert re.search(r"same day again: .* queued 0 reminders", result.output)
