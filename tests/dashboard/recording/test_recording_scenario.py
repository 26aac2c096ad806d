"""A recording knows its scenario: the header's content hash, checked by `--replay` (which
refuses a changed scenario unless --accept-changed-scenario) and the debrief (which warns
and marks the report); older files without a hash are said to be uncheckable and go on.
One validator of a recording against its scenario serves both: a header start or a
perturbation's start and lengths beyond the scenario's limits are refused by both, in one
line naming the file and line."""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest

from dashboard.cli.main import main
from dashboard.cli.prepare import replay_course
from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.scenario_hash import scenario_hash
from dashboard.core.session_controller import SessionController
from dashboard.debrief import debrief_main
from dashboard.recording import SessionLogError, read_session, recorded_course, recording_for
from replay_data.course import Course
from replay_data.errors import ReplayDataError
from replay_data.scenario import load_scenario

FLOW = "values = { ecmo_flow = 3.7 }"


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, Path]:
    """(session, scenario file): a short session recorded on a copy of the case."""
    scenario = tmp_path / "case.toml"
    with resources.as_file(resources.files("resources.scenarios")
                           .joinpath("sle_dah_ecmo.toml")) as f:
        shutil.copy(f, scenario)
    assert scenario.read_text().count(FLOW) == 1
    course = Course(load_scenario(str(scenario)), 0)
    t0 = course.scenario.event_times["ecmo_start"] - 60
    path = tmp_path / "s.jsonl"
    c = SessionController(course, start=t0, wall=ManualWall(),
                          recording=recording_for(path, str(scenario)))
    c.apply(Action.make("begin", {}, Actor("instructor", "console")), strict=True)
    c.advance(120)
    c.apply(Action.make("note", {"text": "flow up"}, Actor("instructor", "console")),
            strict=True)
    c.apply(Action.make("end", {}, Actor("instructor", "console")), strict=True)
    c.close()
    return path, scenario


def edit_scenario(scenario: Path) -> None:
    """What the sweep did after recording: the case's target flow 3.7 -> 1.5 L/min."""
    scenario.write_text(scenario.read_text().replace(FLOW, "values = { ecmo_flow = 1.5 }"))


def headless_replay(session: Path, tmp_path: Path, *extra: str) -> int:
    return main(["--replay", str(session), "--headless", "--screenshot",
                 str(tmp_path / "shot.png"), "--alarm-log", str(tmp_path / "alarms.jsonl"),
                 *extra])


def test_the_header_holds_the_scenarios_content_hash(recorded):
    session, scenario = recorded
    header = json.loads(session.read_text().splitlines()[0])
    sc = load_scenario(str(scenario))
    from dashboard.alarms.profile import load_profile

    assert header["scenario_hash"] == scenario_hash(Course(sc, 0), load_profile(sc.alarm_profile))
    check = recorded_course(read_session(session)).check
    assert not check.changed and check.message is None


def test_an_unchanged_scenario_replays_and_debriefs_without_a_word(recorded, tmp_path, capsys):
    session, _ = recorded
    replay_course(read_session(session), accept_changed=False)
    assert debrief_main([str(session), "--out", str(tmp_path / "r.html")]) == 0
    err = capsys.readouterr().err
    assert "changed" not in err and "cannot check" not in err
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "CHANGED since the recording" not in page and "scenario hashes" not in page


def test_replay_refuses_a_changed_scenario_in_one_line(recorded, tmp_path, capsys):
    session, scenario = recorded
    edit_scenario(scenario)
    assert headless_replay(session, tmp_path) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"{session}: the scenario" in err and "changed since this session was recorded" in err
    assert "--accept-changed-scenario" in err
    assert not (tmp_path / "shot.png").exists() and not (tmp_path / "alarms.jsonl").exists()


def test_replay_of_a_changed_scenario_when_accepted_says_so_and_goes_on(recorded, capsys):
    session, scenario = recorded
    edit_scenario(scenario)
    with pytest.raises(ReplayDataError, match="changed since this session was recorded"):
        replay_course(read_session(session), accept_changed=False)
    course = replay_course(read_session(session), accept_changed=True)
    assert course.scenario.id == "sle_dah_ecmo"
    assert "warning: " in capsys.readouterr().err


def test_the_debrief_of_a_changed_scenario_warns_and_marks_the_report(recorded, tmp_path,
                                                                      capsys):
    session, scenario = recorded
    edit_scenario(scenario)
    assert debrief_main([str(session), "--out", str(tmp_path / "r.html")]) == 0
    err = capsys.readouterr().err
    assert "icu-dashboard debrief: warning: " in err and "changed since this session" in err
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "CHANGED since the recording" in page
    assert 'class="warning">The scenario' in page and "may not be what the trainees saw" in page


def test_an_older_recording_without_a_hash_cannot_be_checked_and_goes_on(recorded, tmp_path,
                                                                         capsys):
    session, _ = recorded
    lines = session.read_text().splitlines()
    header = json.loads(lines[0])
    del header["scenario_hash"]
    old = tmp_path / "old.jsonl"
    old.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    replay_course(read_session(old), accept_changed=False)
    assert "recorded before scenario hashes; cannot check" in capsys.readouterr().err
    assert debrief_main([str(old), "--out", str(tmp_path / "r.html")]) == 0
    assert "recorded before scenario hashes; cannot check" in capsys.readouterr().err
    assert "recorded before scenario hashes" in (tmp_path / "r.html").read_text("utf-8")


def test_a_malformed_hash_is_refused(recorded, tmp_path):
    session, _ = recorded
    lines = session.read_text().splitlines()
    header = json.loads(lines[0])
    header["scenario_hash"] = "abc"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    with pytest.raises(SessionLogError, match="bad.jsonl: line 1: 'scenario_hash' must be 64"):
        read_session(bad)


def _edited(session: Path, tmp_path: Path, edit) -> tuple[Path, int]:
    """A copy of the session with one line changed by edit(record) -> bool (changed)."""
    lines = session.read_text().splitlines()
    for i, line in enumerate(lines):
        r = json.loads(line)
        if edit(r):
            lines[i] = json.dumps(r)
            out = tmp_path / "edited.jsonl"
            out.write_text("\n".join(lines) + "\n")
            return out, i + 1
    raise AssertionError("nothing edited")


def _start(r: dict) -> bool:
    if r["type"] != "session_start":
        return False
    r["start"] = 1e300
    return True


def _inject(tmp_path: Path, recorded, field: str) -> tuple[Path, int]:
    """The session with one injection added (at its end), its `field` set to 1e300."""
    session, scenario = recorded
    sc = load_scenario(str(scenario))
    from replay_data.perturbation_data import perturbation_to_data
    from replay_data.perturbations import injection

    lines = session.read_text().splitlines()
    last = json.loads(lines[-1])
    p = perturbation_to_data(injection(sc, "pump_stop", last["case_time"], pid="p1"))
    p[field] = 1e300
    rec = {"type": "perturbation", "case_time": last["case_time"],
           "wall_time": last["wall_time"], "perturbation": p, "display": "console",
           "role": "instructor"}
    out = tmp_path / "edited.jsonl"
    out.write_text("\n".join([*lines[:-1], json.dumps(rec), lines[-1]]) + "\n")
    return out, len(lines)


@pytest.mark.parametrize(("case", "words"), [
    ("header start", "'start' 1e+300 s is outside the case"),
    ("perturbation start", "perturbation 'p1': start 1e+300 s is outside the case"),
    ("perturbation duration", "perturbation 'p1': duration 1e+300 s is longer than a "
                              "scenario allows"),
])
def test_replay_and_debrief_refuse_what_the_scenario_would(recorded, tmp_path, capsys, case,
                                                          words):
    session, _ = recorded
    if case == "header start":
        bad, line = _edited(session, tmp_path, _start)
    else:
        bad, line = _inject(tmp_path, recorded, case.split()[1])
    with pytest.raises(SessionLogError, match=re.escape(f"edited.jsonl: line {line}: {words}")):
        recorded_course(read_session(bad))
    assert debrief_main([str(bad), "--out", str(tmp_path / "r.html")]) == 2
    debrief_err = capsys.readouterr().err.strip()
    assert headless_replay(bad, tmp_path) == 2
    replay_err = capsys.readouterr().err.strip()
    for err in (debrief_err, replay_err):
        assert len(err.splitlines()) == 1 and f"line {line}: {words}" in err
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "shot.png").exists()
