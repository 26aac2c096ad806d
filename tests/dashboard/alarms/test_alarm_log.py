"""JSON Lines alarm log: keys, determinism, append, crash safety, clear errors."""

from __future__ import annotations

import json
import math
from itertools import count

import pytest
from alarm_support import ECMO, feed

from dashboard.alarms import AlarmEngine, AlarmLog, AlarmLogError, default_log_path
from dashboard.alarms.log import read_log

KEYS = ["case_time", "wall_time", "event", "alarm_id", "channel", "value", "limit", "priority",
        "message"]  # fmt: skip


def fake_clock(start: float = 1_750_000_000.0):
    ticks = count()
    return lambda: start + 0.25 * next(ticks)


def run_session(path) -> None:
    with AlarmLog(path, wall_clock=fake_clock()) as log:
        e = AlarmEngine(ECMO, sink=log)
        feed(e, 0, 10, {"hr": 145})
        e.audio_pause(10)
        feed(e, 10, 12, {"hr": 145, "spo2": 70})
        e.acknowledge(12)
        feed(e, 12, 20, {"hr": 160, "spo2": 70})
        e.set_limits(20, "hr", high=135)
        e.alarm_off(20, "spo2")
        e.alarm_pause(21)
        feed(e, 21, 200, {"ecmo_flow": math.nan})
        e.audio_off(200, True)


def test_same_input_gives_the_same_log_bytes(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run_session(a)
    run_session(b)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes().count(b"\n") > 10


def test_every_line_has_the_keys_in_order_and_the_events(tmp_path):
    path = tmp_path / "log.jsonl"
    run_session(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert all(list(r) == KEYS for r in records)
    assert {r["event"] for r in records} >= {
        "raise", "escalate", "clear", "acknowledge", "audio_paused", "audio_resumed",
        "limits_changed", "alarm_off", "alarm_paused", "alarm_resumed", "audio_off",
    }  # fmt: skip
    first = records[0]
    assert first == {
        "case_time": 6.0,
        "wall_time": "2025-06-15T15:06:40.000+00:00",
        "event": "raise",
        "alarm_id": "hr.high",
        "channel": "hr",
        "value": 145.0,
        "limit": 140.0,
        "priority": "medium",
        "message": "HR high",
    }
    brk = next(r for r in records if r["event"] == "audio_resumed")
    assert brk["alarm_id"] == "spo2.low" and "broke through" in brk["message"]


def test_nan_values_are_written_as_null(tmp_path):
    path = tmp_path / "log.jsonl"
    with AlarmLog(path, wall_clock=fake_clock()) as log:
        e = AlarmEngine(ECMO, sink=log)
        feed(e, 0, 1, {"spo2": math.nan}, flags={"spo2_probe_off"})
    [rec] = read_log(path)
    assert rec["event"] == "raise" and rec["value"] is None and rec["limit"] is None
    assert "NaN" not in path.read_text()


def test_log_appends_and_creates_the_folder(tmp_path):
    path = tmp_path / "deep" / "er" / "log.jsonl"
    run_session(path)
    n = len(read_log(path))
    run_session(path)
    assert len(read_log(path)) == 2 * n


def test_each_line_is_on_disk_before_the_engine_goes_on(tmp_path):
    """A crash right after a change loses nothing: the line is already in the file."""
    path = tmp_path / "log.jsonl"
    log = AlarmLog(path, fsync=True, wall_clock=fake_clock())
    e = AlarmEngine(ECMO, sink=log)
    feed(e, 0, 1, {"spo2": 70})
    # Read through a separate handle while the log is still open (no close, no flush).
    assert [r["event"] for r in read_log(path)] == ["raise"]
    log.close()


def test_a_folder_in_place_of_the_file_is_a_clear_oserror(tmp_path):
    (tmp_path / "log.jsonl").mkdir()  # works as root too, unlike a read-only folder
    with pytest.raises(AlarmLogError, match="cannot open alarm log"):
        AlarmLog(tmp_path / "log.jsonl")


def test_path_that_cannot_be_a_file_is_a_clear_oserror(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(OSError) as info:
        AlarmLog(blocker / "sub" / "log.jsonl")
    assert isinstance(info.value, AlarmLogError)
    msg = str(info.value)
    assert msg.startswith("cannot open alarm log") and str(blocker) in msg and "\n" not in msg


def test_writing_after_close_is_an_alarm_log_error(tmp_path):
    log = AlarmLog(tmp_path / "log.jsonl")
    log.close()
    e = AlarmEngine(ECMO, sink=log)
    with pytest.raises(AlarmLogError, match="closed"):
        feed(e, 0, 1, {"spo2": 70})


def test_default_log_path_uses_xdg_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    p = default_log_path(wall_clock=lambda: 0.0)
    assert p == tmp_path / "icu-ecmo-replay" / "alarm-logs" / "19700101T000000Z.jsonl"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    p = default_log_path(wall_clock=lambda: 0.0)
    assert p.parent == tmp_path / "home" / ".local" / "share" / "icu-ecmo-replay" / "alarm-logs"
