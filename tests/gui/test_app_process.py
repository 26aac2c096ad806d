"""The real `icu-dashboard` executable, as a user or a script runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6 import QtGui

EXE = Path(sys.executable).with_name("icu-dashboard")


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def test_headless_smoke_paints_and_exits_zero(tmp_path):
    out = tmp_path / "monitor.png"
    p = run("--headless", "--start", "ecmo_start-1m", "--duration", "5m", "--size", "1366x768",
            "--screenshot", str(out))
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == (1366, 768)


def test_an_hour_of_case_time_takes_seconds(tmp_path):
    out = tmp_path / "hour.png"
    p = run("--headless", "--start", "abg_pre_ecmo", "--duration", "1h", "--speed", "600",
            "--screenshot", str(out), timeout=60)
    assert p.returncode == 0, p.stderr
    assert out.exists()


def test_bad_arguments_one_line_exit_2(tmp_path):
    cases = [
        ("--start", "nonsense_event"),
        ("--size", "12x"),
        ("--scenario", str(tmp_path / "missing.toml")),
        ("--headless", "--duration", "10s"),
        ("--headless", "--start", "extubation+11h", "--duration", "2h", "--screenshot",
         str(tmp_path / "x.png")),
        ("--speed", "0"),
    ]
    for args in cases:
        p = run(*args)
        assert p.returncode == 2, (args, p.stderr)
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("icu-dashboard: error:"), (args, p.stderr)
    assert not (tmp_path / "x.png").exists()


def test_record_headless_then_replay_and_debrief(tmp_path):
    session = tmp_path / "session.jsonl"
    p = run("--headless", "--start", "ecmo_start+1d", "--duration", "6m",
            "--inject", "sweep_gas_failure@ecmo_start+1d1m", "--session-log", str(session),
            "--alarm-log", str(tmp_path / "a.jsonl"), "--screenshot", str(tmp_path / "a.png"))
    assert p.returncode == 0, p.stderr
    p = run("--headless", "--replay", str(session), "--duration", "6m",
            "--alarm-log", str(tmp_path / "b.jsonl"), "--screenshot", str(tmp_path / "b.png"))
    assert p.returncode == 0, p.stderr
    # The replayed run raises the same alarms at the same case times.
    import json

    def raises(f):
        return [(r["case_time"], r["alarm_id"]) for r in map(json.loads, f.read_text().splitlines())
                if r["event"] == "raise"]
    assert raises(tmp_path / "a.jsonl") == raises(tmp_path / "b.jsonl")
    assert any(a == "sweep_gas_low" for _, a in raises(tmp_path / "b.jsonl"))
    report = tmp_path / "debrief.html"
    p = subprocess.run([str(EXE), "debrief", str(session), "--out", str(report)],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert p.returncode == 0, p.stderr
    assert "Sweep gas failure" in report.read_text()
    assert "sweep_gas_low" in (tmp_path / "debrief.csv").read_text()


def test_interactive_monitor_runs_and_ctrl_c_exits_zero(tmp_path):
    """The real main command (not headless): it starts, writes its alarm log, and an
    interrupt ends it with exit code 0 and its files closed."""
    import signal
    import time

    log = tmp_path / "alarms.jsonl"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([str(EXE), "--mute", "--alarm-log", str(log), "--size", "1366x768"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        # Wait for a condition (the alarms present at the start are logged), not a time.
        while not (log.exists() and log.read_text().count("\n") >= 1):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "monitor did not start"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert '"event":"present","alarm_id":"spo2.low"' in log.read_text()


def test_unwritable_logs_fail_cleanly_and_leave_nothing(tmp_path):
    existing = tmp_path / "taken.jsonl"
    existing.write_text("someone else's session\n")
    alarm_log = tmp_path / "alarms.jsonl"
    p = run("--headless", "--duration", "5s", "--screenshot", str(tmp_path / "a.png"),
            "--session-log", str(existing), "--alarm-log", str(alarm_log))
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "File exists" in p.stderr
    assert existing.read_text() == "someone else's session\n"  # never overwritten
    assert not alarm_log.exists() and not (tmp_path / "a.png").exists()
    blocked = tmp_path / "file_not_folder"
    blocked.write_text("")
    session = tmp_path / "new.jsonl"
    p = run("--headless", "--duration", "5s", "--screenshot", str(tmp_path / "b.png"),
            "--session-log", str(session), "--alarm-log", str(blocked / "alarms.jsonl"))
    assert p.returncode == 2 and p.stderr == (
        f"icu-dashboard: error: --alarm-log {blocked / 'alarms.jsonl'}: {blocked} is a file, "
        "not a folder\n")  # said before anything is created, not "File exists"
    assert not session.exists() and not (tmp_path / "b.png").exists()


def _orange_pixels_left(path: Path) -> int:
    """Pixels in the trend review's title and event-label orange, over the waveform area."""
    img = QtGui.QImage(str(path)).convertToFormat(QtGui.QImage.Format.Format_RGB32)
    target = QtGui.QColor("#ffb74d")
    n = 0
    for y in range(60, img.height() - 120, 2):
        for x in range(0, int(img.width() * 0.5), 2):
            c = img.pixelColor(x, y)
            if (abs(c.red() - target.red()) < 40 and abs(c.green() - target.green()) < 40
                    and abs(c.blue() - target.blue()) < 40):
                n += 1
    return n


def test_trends_flag_opens_the_trend_review_in_a_screenshot(tmp_path):
    plain, review = tmp_path / "plain.png", tmp_path / "review.png"
    for out, extra in ((plain, ()), (review, ("--trends",))):
        p = run("monitor", "--headless", "--start", "ecmo_start+20m", "--duration", "1m",
                "--size", "1366x768", *extra, "--screenshot", str(out))
        assert p.returncode == 0, p.stderr
    # The review's title and the labels of the ECMO start are orange over the waveform
    # area; the waveforms alone have none of it.
    assert _orange_pixels_left(review) > 50
    assert _orange_pixels_left(plain) < 5
