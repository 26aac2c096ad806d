"""A failure of the simulator itself at start-up (the first alarm line on a full disk is
written while the controller is being built, before anyone listens) is still told: kept
in `problems`, printed by headless runs, shown by the window; the run goes on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from replay_data.course import Course

EXE = Path(sys.executable).parent / "icu-dashboard"
FULL = "/dev/full"
pytestmark = pytest.mark.skipif(not os.path.exists(FULL), reason="needs /dev/full")


def test_a_full_disk_at_start_up_is_kept_for_those_who_listen_later():
    course = Course.load()
    # At the default start SpO2 is low: the alarms present are logged at once.
    c = SessionController(course, wall=ManualWall(), alarm_log=FULL)
    assert c.problems == [f"cannot write alarm log {FULL}: No space left on device"]
    c.advance(60)  # the monitor keeps running without that log
    assert c.monitor.latest is not None
    c.close()


@pytest.mark.parametrize("role", ["demo", "instructor"])
def test_headless_runs_print_it_once_and_finish(tmp_path, role):
    args = ["--headless", "--duration", "2m", "--alarm-log", FULL]
    args = [*args, "--screenshot", str(tmp_path / "x.png")] if role == "demo" else \
        ["instructor", *args, "--session-log", str(tmp_path / "s.jsonl")]
    p = subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert p.returncode == 0, p.stderr
    said = [ln for ln in p.stderr.splitlines() if "alarm log" in ln]
    assert said == [f"icu-dashboard: cannot write alarm log {FULL}: No space left on device"]
    assert "Traceback" not in p.stderr
