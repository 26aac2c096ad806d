"""A recording whose trainee actions name alarms the scenario's profile does not have is
refused the same way by the debrief as by a replay: one line naming file and line."""

from __future__ import annotations

import json

import pytest

from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.debrief import debrief_main
from dashboard.recording import SessionLogError, course_for, read_session, recording_for
from replay_data.course import Course


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    path = tmp_path_factory.mktemp("s") / "s.jsonl"
    course = Course.load()
    t0 = course.scenario.event_times["ecmo_start"] - 120  # SpO2 low: an alarm to act on
    c = SessionController(course, start=t0, wall=ManualWall(), recording=recording_for(path))
    bed = Actor("trainee", "bed-1")
    c.advance(10)
    c.apply(Action.make("acknowledge", {"alarm_id": "spo2.low"}, bed), strict=True)
    c.apply(Action.make("limits", {"parameter": "spo2", "low": 85}, bed), strict=True)
    c.advance(10)
    c.close()
    return path


def edited(recorded, tmp_path, action: str, key: str, value: object):
    lines = recorded.read_text().splitlines()
    for i, line in enumerate(lines):
        r = json.loads(line)
        if r.get("action") == action:
            r[key] = value
            lines[i] = json.dumps(r)
            out = tmp_path / "bad.jsonl"
            out.write_text("\n".join(lines) + "\n")
            return out, i + 1
    raise AssertionError(action)


def test_the_recording_itself_is_fine(recorded, tmp_path):
    assert course_for(read_session(recorded)).scenario.id == "sle_dah_ecmo"


@pytest.mark.parametrize(("action", "key", "value", "words"), [
    ("acknowledge", "alarm_id", "spo2.sparkle", "unknown alarm id 'spo2.sparkle'"),
    ("limits", "parameter", "sparkle", "no alarm limits for 'sparkle'"),
])
def test_unknown_alarm_names_are_refused_by_the_debrief(recorded, tmp_path, capsys, action,
                                                        key, value, words):
    bad, line = edited(recorded, tmp_path, action, key, value)
    with pytest.raises(SessionLogError, match=f"bad.jsonl: line {line}: .*{words}"):
        course_for(read_session(bad))
    assert debrief_main([str(bad), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and f"line {line}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl"]
