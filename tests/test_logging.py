"""Logging: --verbose/--quiet on the group, a log file in the run folder, heartbeats in long steps."""

from __future__ import annotations

import logging
import time

from click.testing import CliRunner

from rxlabel import logs
from rxlabel.cli import main
from rxlabel.pipeline.demo import Runner


def test_group_levels():
    runner = CliRunner()
    assert runner.invoke(main, ["--quiet", "rules", "list"]).exit_code == 0
    assert logs.is_quiet()
    assert runner.invoke(main, ["-v", "rules", "list"]).exit_code == 0
    assert not logs.is_quiet() and logs._console.level == logging.DEBUG
    assert runner.invoke(main, ["rules", "list"]).exit_code == 0
    assert logs._console.level == logging.INFO


def test_a_silent_step_logs_a_heartbeat_and_the_run_folder_gets_a_log_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(logs.Heartbeat, "EVERY", 0.05)
    logs.configure()
    with logs.log_file(tmp_path) as path:
        r = Runner(tmp_path, logs.echo, total=2)
        r.step("slow", lambda: time.sleep(0.3) or {"ok": 1})
        r.step("broken", lambda: 1 / 0)
        r.close()
    text = path.read_text("utf-8")
    assert "[slow] ..." in text  # what the command printed, timestamped
    assert "slow: still working" in text  # the heartbeat, in the file whatever the terminal
    assert "ZeroDivisionError" in text and "Traceback" in text  # a failing step's traceback
    assert r.record["steps"]["slow"]["status"] == "ok" and r.record["steps"]["broken"]["status"] == "failed"
    err = capsys.readouterr().err
    assert "slow: still working" in err  # not a terminal: the heartbeat shows on stderr too
