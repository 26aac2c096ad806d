"""The real executables against a missing Qt platform, signals and outputs that clash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
EXE = BIN / "icu-dashboard"


def run(*args: str, env_extra: dict | None = None, timeout: float = 120
        ) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env_extra or {})}
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_no_usable_qt_platform_is_one_line_exit_2(tmp_path):
    p = run("--alarm-log", str(tmp_path / "a.jsonl"),
            env_extra={"QT_QPA_PLATFORM": "nonexistent"})
    assert p.returncode == 2  # not Qt's abort (134)
    assert "no usable Qt platform (nonexistent)" in one_line(p.stderr)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def session_file(tmp_path_factory) -> Path:
    sys.path.insert(0, str(Path(__file__).parents[1] / "dashboard" / "recording"))
    from test_session_log import record_session

    path = tmp_path_factory.mktemp("s") / "session.jsonl"
    record_session(path)
    return path


def test_debrief_needs_no_display_and_prints_no_qt_warning(tmp_path, session_file):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "nonexistent"
    p = subprocess.run([str(EXE), "debrief", str(session_file), "--out",
                        str(tmp_path / "r.html")], capture_output=True, text=True, timeout=120,
                       env=env)
    assert p.returncode == 0
    assert p.stderr == ""
    assert (tmp_path / "r.html").exists() and (tmp_path / "r.csv").exists()


def test_debrief_csv_neutralises_formulas():
    from dashboard.debrief.files import csv_safe

    assert [csv_safe(x) for x in ("=1+1", "+cmd", "-x", "@SUM(A1)", "-5", "+3.5", "ok")] == \
        ["'=1+1", "'+cmd", "'-x", "'@SUM(A1)", "-5", "+3.5", "ok"]


@pytest.mark.parametrize(("args", "words"), [
    (["--alarm-log", "{tmp}/x.jsonl", "--session-log", "{tmp}/x.jsonl"],
     "--alarm-log and --session-log name the same file"),
    (["--alarm-log", "{tmp}/f/x.jsonl"], "is a file, not a folder"),
    (["--replay", "{session}", "--scenario", "sle_dah_ecmo"], "does not take --scenario"),
    (["--replay", "{session}", "--session-log", "{tmp}/new.jsonl"], "does not take --session-log"),
    (["--seed", "4294967296"], "must be between 0 and 4294967295"),
    (["--start", "x\x1b[31m\nnext"], "\\x1b[31m\\nnext"),
])  # fmt: skip
def test_launch_mistakes_are_refused_before_anything_is_written(tmp_path, session_file, args,
                                                                words):
    (tmp_path / "f").write_text("a file")
    before = sorted(tmp_path.iterdir())
    p = run("--headless", "--screenshot", str(tmp_path / "s.png"),
            *[a.replace("{tmp}", str(tmp_path)).replace("{session}", str(session_file))
              for a in args])
    assert p.returncode == 2
    line = one_line(p.stderr)
    assert words in line and "\x1b" not in line
    assert sorted(tmp_path.iterdir()) == before


def test_screenshot_failure_gives_the_reason(tmp_path):
    p = run("--headless", "--start", "ecmo_start", "--screenshot", "/proc/x.png",
            "--alarm-log", str(tmp_path / "a.jsonl"))
    assert p.returncode == 2
    line = one_line(p.stderr)
    assert line.startswith("icu-dashboard: error: --screenshot /proc/x.png: ")
    assert line.split(": ")[-1] not in ("", "could not write the PNG")
    # Tried before the run, not found out after it: not even the alarm log was started.
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("role", ["demo", "instructor"])
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_headless_interrupt_ends_cleanly(tmp_path, role, sig, code):
    """Ctrl-C in a headless run: exit 130, no traceback; TERM: exit 0. Either way both
    logs are closed with whole lines (and the screenshot is not half-written). The
    signal comes once the run says it is under way (its first stderr line), mid-run of
    twelve case days in the window (demo) or in the controller alone (instructor)."""
    log, session, shot = tmp_path / "a.jsonl", tmp_path / "s.jsonl", tmp_path / "s.png"
    args = ["--headless", "--start", "ecmo_start-2m", "--duration", "12d",
            "--alarm-log", str(log), "--session-log", str(session)]
    if role == "demo":
        args += ["--screenshot", str(shot)]
    else:
        args = ["instructor", *args]
    proc = subprocess.Popen([str(EXE), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    watchdog = threading.Timer(120, proc.kill)  # a hung run fails the test, not the suite
    watchdog.start()
    try:
        ready = proc.stderr.readline()  # blocks until the run says it is recording
        assert ready == f"icu-dashboard: recording the session to {session}\n", \
            ready + proc.communicate()[1]
        assert proc.poll() is None, "the run ended before it could be interrupted"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert err == ""  # no traceback, no KeyboardInterrupt, nothing else
    for path in (log, session):
        text = path.read_text()
        assert text.endswith("\n"), f"{path.name} ends in a cut line"
        records = [json.loads(line) for line in text.splitlines()]  # every line whole
        assert records, f"{path.name} is empty"
    assert json.loads(session.read_text().splitlines()[0])["type"] == "session_start"
    assert any(json.loads(x)["event"] == "present" for x in log.read_text().splitlines())
    from dashboard.recording import read_session

    assert read_session(session).start > 0  # the recording reads back
    assert not shot.exists()
