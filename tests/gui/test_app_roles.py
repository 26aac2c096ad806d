"""The roles from the command line: help, headless instructor and monitor, and replays of
recorded trainee actions (identical at every speed; malformed fields refused)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("icu-dashboard")


def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def events(path: Path) -> list[tuple[float, str, str | None]]:
    return [(x["case_time"], x["event"], x["alarm_id"])
            for x in map(json.loads, path.read_text().splitlines())]


def one_line_error(p: subprocess.CompletedProcess) -> str:
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("icu-dashboard: error:"), p.stderr
    return lines[0]


def test_help_names_every_role():
    top = run("--help")
    assert top.returncode == 0
    for role in ("icu-dashboard instructor", "icu-dashboard monitor", "icu-dashboard debrief",
                 "demo"):
        assert role in top.stdout, role
    mon = run("monitor", "--help")
    assert mon.returncode == 0 and "--alarm-log" in mon.stdout
    assert "--speed" not in mon.stdout and "--replay" not in mon.stdout
    ins = run("instructor", "--help")
    assert ins.returncode == 0 and "--inject" in ins.stdout and "--session-log" in ins.stdout


def test_headless_instructor_runs_without_qt(tmp_path):
    """`instructor --headless` is the controller alone: it works with Qt unimportable."""
    session, alarms = tmp_path / "s.jsonl", tmp_path / "a.jsonl"
    code = textwrap.dedent(f"""
        import sys
        sys.modules["PySide6"] = None
        sys.modules["pyqtgraph"] = None
        from dashboard.app import main
        sys.exit(main(["instructor", "--headless", "--start", "ecmo_start+1d",
                       "--duration", "5m", "--inject", "pump_stop@ecmo_start+1d1m",
                       "--session-log", {str(session)!r}, "--alarm-log", {str(alarms)!r}]))
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=180)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    from dashboard.recording import read_session

    rec = read_session(session)
    assert [r.perturbation.name for r in rec.perturbation_records()] == ["pump_stop"]
    assert ("raise", "pump_stopped") in [(e, a) for _, e, a in events(alarms)]


def test_headless_monitor_logs_alarms_and_paints(tmp_path):
    alarms, png = tmp_path / "a.jsonl", tmp_path / "m.png"
    p = run("monitor", "--headless", "--start", "abg_pre_ecmo-5m", "--duration", "2m",
            "--alarm-log", str(alarms), "--screenshot", str(png), "--size", "1366x768")
    assert p.returncode == 0, p.stderr
    assert ("present", "spo2.low") in [(e, a) for _, e, a in events(alarms)]
    from PySide6 import QtGui

    assert QtGui.QImage(str(png)).size().toTuple() == (1366, 768)
    p = run("monitor", "--headless", "--duration", "1m", "--alarm-log", str(tmp_path / "b"))
    assert p.returncode == 0, p.stderr


def test_monitor_refuses_replay_options(tmp_path):
    assert "unrecognized arguments: --speed" in one_line_error(
        run("monitor", "--speed", "60"))
    assert "--replay" in one_line_error(run("monitor", "--replay", "x.jsonl"))


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> tuple[Path, Path]:
    """A session with trainee actions between frames, recorded through the controller."""
    from dashboard.core.actions import Action, Actor
    from dashboard.core.clock import ManualWall
    from dashboard.core.session_controller import SessionController
    from dashboard.recording import recording_for
    from replay_data.course import Course

    folder = tmp_path_factory.mktemp("rec")
    session, live = folder / "s.jsonl", folder / "live.jsonl"
    course = Course.load()
    c = SessionController(course, start=course.scenario.resolve("ecmo_start+1d"),
                          wall=ManualWall(), recording=recording_for(session), alarm_log=live)
    bed, boss = Actor("trainee", "bed-1"), Actor("instructor", "console")
    c.apply(Action.make("inject", {"injection": "pump_stop"}, boss))
    c.advance(41.3, ticks=2)
    c.apply(Action.make("acknowledge", {}, bed))
    c.advance(7.9)
    c.apply(Action.make("audio_pause", {}, bed))
    c.advance(200.4, ticks=3)
    c.apply(Action.make("acknowledge", {}, bed))
    c.advance(100)
    c.close()
    return session, live


@pytest.mark.parametrize("speed", ["1", "60", "600"])
def test_headless_replay_of_trainee_actions_is_identical_at_every_speed(recording, tmp_path,
                                                                       speed):
    session, live = recording
    log = tmp_path / "replay.jsonl"
    p = run("--headless", "--replay", str(session), "--speed", speed, "--duration", "349s",
            "--alarm-log", str(log), "--screenshot", str(tmp_path / "r.png"))
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    assert events(log) == events(live)
    assert sum(e == "acknowledge" for _, e, _ in events(log)) >= 2


@pytest.mark.parametrize("field, value, message", [
    ("target", None, "must not be null"),
    ("target", "Infinity", "finite"),
    ("target", "NaN", "finite"),
    ("low", "abc", "must be a number"),
])
def test_malformed_fields_in_recorded_actions_name_file_and_line(recording, tmp_path, field,
                                                                  value, message):
    session, _ = recording
    lines = session.read_text().splitlines()
    if field == "target":
        action = {"type": "instructor", "case_time": 1.0e6,
                  "wall_time": "2026-01-01T00:00:00+00:00", "action": "seek"}
    else:
        action = {"type": "trainee", "case_time": 1.0e6,
                  "wall_time": "2026-01-01T00:00:00+00:00", "action": "limits",
                  "parameter": "spo2"}
    # Written by hand: json.dumps would not write the bare Infinity / NaN a file may hold.
    raw = "null" if value is None else (value if value in ("Infinity", "NaN")
                                        else json.dumps(value))
    text = json.dumps({**action, field: 0}).replace(f'"{field}": 0', f'"{field}": {raw}')
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], lines[1], text, *lines[2:]]) + "\n")
    err = one_line_error(run("--headless", "--replay", str(bad), "--duration", "1m",
                             "--screenshot", str(tmp_path / "x.png")))
    assert f"{bad}: line 3" in err and message in err, err
    assert not (tmp_path / "x.png").exists()


def test_replay_refuses_options_it_would_ignore(recording, tmp_path):
    session, _ = recording
    err = one_line_error(run("--replay", str(session), "--scenario", "sle_dah_ecmo",
                             "--session-log", str(tmp_path / "x.jsonl")))
    assert "--scenario" in err and "--session-log" in err
    assert not (tmp_path / "x.jsonl").exists()


def test_replayed_action_unknown_to_the_scenario_names_its_line(recording, tmp_path):
    session, _ = recording
    lines = session.read_text().splitlines()
    bad_line = json.dumps({"type": "trainee", "case_time": 1.0e6,
                           "wall_time": "2026-01-01T00:00:00+00:00", "action": "limits",
                           "parameter": "no_such_parameter", "low": 1})
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], bad_line, *lines[1:]]) + "\n")
    err = one_line_error(run("--headless", "--replay", str(bad), "--duration", "1m",
                             "--screenshot", str(tmp_path / "x.png")))
    assert f"{bad}: line 2" in err and "no_such_parameter" in err


@pytest.mark.parametrize("role", ["instructor", "monitor"])
def test_interactive_roles_start_and_ctrl_c_exits_zero(role, tmp_path):
    import signal
    import time

    log = tmp_path / "alarms.jsonl"
    extra = ["--session-log", str(tmp_path / "s.jsonl")] if role == "instructor" else []
    proc = subprocess.Popen([str(EXE), role, "--mute", "--alarm-log", str(log), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        deadline = time.monotonic() + 60
        # Wait for a condition (the alarms present at the start are logged), not a time.
        while not (log.exists() and log.read_text().count("\n") >= 1):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, f"{role} did not start"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    if role == "instructor":
        from dashboard.recording import read_session

        assert read_session(tmp_path / "s.jsonl").start > 0
