"""`icu-dashboard` outputs by the one output-path rule (issue 18, item 10): a screenshot
or a debrief report through a link, a log on the scenario it plays, an alarm log in
/proc: one line, exit 2, nothing written, the link's target untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
CASE = Path(__file__).resolve().parents[3] / "resources/scenarios/sle_dah_ecmo.toml"
ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "icu-dashboard"), *args], capture_output=True,
                          text=True, timeout=300, env=ENV)


def _one_line(p: subprocess.CompletedProcess) -> str:
    assert p.returncode == 2, p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    return lines[0]


def test_a_screenshot_through_a_link_leaves_the_target(tmp_path: Path) -> None:
    target = tmp_path / "precious.png"
    target.write_bytes(b"not to be replaced")
    (tmp_path / "shot.png").symlink_to(target)
    line = _one_line(run("--headless", "--duration", "1s", "--screenshot",
                         str(tmp_path / "shot.png"), "--alarm-log",
                         str(tmp_path / "a.jsonl")))
    assert "--screenshot" in line and "symbolic link" in line
    assert target.read_bytes() == b"not to be replaced"
    assert not (tmp_path / "a.jsonl").exists()


@pytest.mark.parametrize("option", ["--alarm-log", "--session-log"])
def test_a_log_on_the_scenario_it_plays_is_refused(tmp_path: Path, option: str) -> None:
    scenario = tmp_path / "X.toml"
    scenario.write_bytes(CASE.read_bytes())
    line = _one_line(run("instructor", "--headless", "--duration", "1m", "--scenario",
                         str(scenario), option, str(scenario)))
    assert f"{option} {scenario}: is the input --scenario" in line
    assert scenario.read_bytes() == CASE.read_bytes()


def test_an_alarm_log_in_proc_is_refused(tmp_path: Path) -> None:
    # It was accepted: the run went on with "cannot write alarm log ... Invalid argument".
    line = _one_line(run("monitor", "--headless", "--duration", "1s", "--alarm-log",
                         "/proc/self/status"))
    assert "--alarm-log /proc/self/status: is a file of the kernel's" in line


def test_a_debrief_through_a_link_leaves_the_target(tmp_path: Path) -> None:
    session = tmp_path / "s.jsonl"
    p = run("instructor", "--headless", "--duration", "2m", "--session-log", str(session),
            "--alarm-log", str(tmp_path / "a.jsonl"))
    assert p.returncode == 0, p.stderr
    target = tmp_path / "old-report.html"
    target.write_text("last week's debrief", encoding="utf-8")
    (tmp_path / "r.html").symlink_to(target)
    before = sorted(x.name for x in tmp_path.iterdir())
    line = _one_line(run("debrief", str(session), "--out", str(tmp_path / "r.html")))
    assert "--out" in line and "symbolic link" in line
    assert target.read_text(encoding="utf-8") == "last week's debrief"
    assert sorted(x.name for x in tmp_path.iterdir()) == before
