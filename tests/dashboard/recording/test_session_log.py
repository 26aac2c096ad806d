"""Session recording: record format, exact replay (round trip), crash safety, clear errors.

record_session() is also the input of test_debrief.py: a few minutes on VV-ECMO with a
pump stop, a sweep override, the alarm engine as a sink and the trainee's actions.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from itertools import count
from pathlib import Path

import numpy as np
import pytest
from case_support import case_course

from dashboard.alarms import AlarmChange, AlarmEngine, load_profile
from dashboard.core.scenario_hash import scenario_hash
from dashboard.recording import (
    RECORD_TYPES,
    SessionLogError,
    SessionRecorder,
    SessionRecorderError,
    course_for,
    default_session_path,
    read_session,
)
from replay_data.course import Course, Sample
from replay_data.perturbations import Perturbation, injection, override

BASE = case_course()
T0 = int(BASE.scenario.event_times["ecmo_start"]) + 2 * 3600  # settled on ECMO
INJ = T0 + 60  # pump stop
ACK_ONE = INJ + 20  # acknowledge the pump alarm
ACK_ALL = INJ + 30
STOP = INJ + 90  # instructor ends the pump stop
OVR = T0 + 200  # sweep gas turned down by the instructor
END = T0 + 300


def fake_clock(start: float = 1_750_000_000.0):
    ticks = count()
    return lambda: start + 0.25 * next(ticks)


@dataclass
class Recording:
    path: Path
    pump: Perturbation
    sweep: Perturbation
    final: Course  # the course the app ended with
    samples: list[Sample]  # every second, as the monitor had them
    changes: list[AlarmChange]  # as the engine returned them


def record_session(path: Path, *, fsync: bool = False) -> Recording:
    sc = BASE.scenario
    pump = injection(sc, "pump_stop", INJ)
    sweep = override("sweep_flow", 1.0, OVR, 30.0, duration=60.0)
    samples: list[Sample] = []
    changes: list[AlarmChange] = []
    course = BASE
    with SessionRecorder(path, wall_clock=fake_clock(), fsync=fsync) as rec:
        # With the scenario's hash, as the app records (a file of today, not an older one).
        rec.start(scenario="sle_dah_ecmo", scenario_id=sc.id, seed=0, start=T0, speed=1.0,
                  scenario_hash=scenario_hash(Course(sc, 0), load_profile("sle_dah_ecmo")))
        engine = AlarmEngine(load_profile("sle_dah_ecmo"), sink=rec)
        rec.instructor(T0, "play")
        for t in range(T0, END):
            if t == INJ:
                rec.perturbation(t, pump)
                course = BASE.with_perturbations([pump])
            if t == STOP:
                rec.perturbation_stopped(t, pump.id)
                course = BASE.with_perturbations([pump.stopped_at(t)])
            if t == OVR:
                rec.perturbation(t, sweep)
                course = course.with_perturbations([*course.perturbations, sweep])
            if t == T0 + 100:
                rec.instructor(t, "speed", value=2.0)
            if t == T0 + 150:  # the bedside's link drops for a while
                rec.display(t, "bed-1", "lost", 1_750_000_150.0)
            s = course.sample(t)
            samples.append(s)
            changes += engine.update(t, s.values, s.flags)
            if t == ACK_ONE:
                rec.trainee(t, "acknowledge", alarm_id="pump_stopped")
                changes += engine.acknowledge(t, "pump_stopped")
            if t == ACK_ALL:
                rec.trainee(t, "acknowledge")
                changes += engine.acknowledge(t)
            if t == ACK_ALL + 5:
                rec.trainee(t, "audio_pause")
                changes += engine.audio_pause(t)
            if (t - T0) % 60 == 0:
                rec.snapshot(s)
        rec.instructor(END, "pause")
    return Recording(path, pump, sweep, course, samples, changes)


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Recording:
    return record_session(tmp_path_factory.mktemp("session") / "session.jsonl")


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


# --------------------------------------------------------------------------- format


def test_every_line_starts_with_type_case_time_and_iso_wall_time(recording):
    records = lines(recording.path)
    assert all(list(r)[:3] == ["type", "case_time", "wall_time"] for r in records)
    assert {r["type"] for r in records} == set(RECORD_TYPES)
    for r in records:
        assert datetime.fromisoformat(r["wall_time"]).utcoffset().total_seconds() == 0
    assert records[0] == {
        "type": "session_start", "case_time": float(T0),
        "wall_time": "2025-06-15T15:06:40.000+00:00", "format": 1, "scenario": "sle_dah_ecmo",
        "scenario_id": "sle_dah_ecmo", "seed": 0, "start": float(T0), "speed": 1.0,
        "scenario_hash": scenario_hash(BASE, load_profile("sle_dah_ecmo")),
    }  # fmt: skip
    assert "NaN" not in recording.path.read_text()


def test_records_of_each_kind(recording):
    records = lines(recording.path)
    pert = next(r for r in records if r["type"] == "perturbation")
    assert pert["case_time"] == INJ
    assert pert["perturbation"]["name"] == "pump_stop"
    assert {"channel": "ecmo_flow", "set": 0.0, "add": None, "oscillate": 0.0, "period": 2.0,
            "off": False, "onset": None, "offset": None} in pert["perturbation"]["effects"]
    assert pert["perturbation"]["variant"] == "power_loss"
    stop = next(r for r in records if r["type"] == "perturbation_stopped")
    assert (stop["case_time"], stop["id"]) == (STOP, recording.pump.id)
    ack = next(r for r in records if r["type"] == "trainee")
    assert ack["action"] == "acknowledge" and ack["alarm_id"] == "pump_stopped"
    speed = next(r for r in records if r.get("action") == "speed")
    assert speed["value"] == 2.0
    alarm = next(r for r in records if r["type"] == "alarm" and r["alarm_id"] == "pump_stopped")
    assert list(alarm)[3:] == ["event", "alarm_id", "channel", "value", "limit", "priority",
                               "message", "kind", "category"]
    assert (alarm["event"], alarm["priority"], alarm["kind"]) == ("raise", "high", "technical")
    snap = next(r for r in records if r["type"] == "snapshot")
    assert snap["case_time"] == T0 and snap["values"]["spo2"] > 80
    assert all(math.isfinite(v) for v in snap["values"].values())


def test_snapshot_leaves_out_what_is_not_measured(tmp_path):
    with SessionRecorder(tmp_path / "s.jsonl", wall_clock=fake_clock()) as rec:
        rec.start(scenario="sle_dah_ecmo", scenario_id="sle_dah_ecmo", seed=0, start=0, speed=1)
        rec.snapshot(Sample(5.0, {"hr": 80.0, "spo2": math.nan}, frozenset({"spo2_probe_off"})))
    snap = lines(tmp_path / "s.jsonl")[1]
    assert snap["values"] == {"hr": 80.0} and snap["flags"] == ["spo2_probe_off"]


# --------------------------------------------------------------------------- round trip


def test_read_session_gives_back_the_header(recording):
    s = read_session(recording.path)
    assert (s.scenario, s.scenario_id, s.seed, s.start, s.speed) == (
        "sle_dah_ecmo", "sle_dah_ecmo", 0, T0, 1.0)
    assert s.end == END and s.span == (T0, END) and not s.truncated


def test_read_session_gives_back_equal_perturbations(recording):
    s = read_session(recording.path)
    assert s.final_perturbations() == (recording.pump.stopped_at(STOP), recording.sweep)
    assert s.perturbations_at(INJ - 1) == ()
    assert s.perturbations_at(INJ + 10) == (recording.pump,)  # not stopped yet then
    assert s.perturbations_at(OVR) == (recording.pump.stopped_at(STOP), recording.sweep)
    assert s.final_perturbations() == recording.final.perturbations


def test_course_for_gives_the_recorded_values_exactly(recording):
    course = course_for(read_session(recording.path))
    grid = np.arange(T0 - 60, END + 900, 1.0)
    for ch in BASE.catalogue.numerics:
        np.testing.assert_array_equal(course.numeric(ch, grid),
                                      recording.final.numeric(ch, grid), err_msg=ch)
    # Also second by second as the monitor had them while the session ran.
    for s in recording.samples[::7]:
        replay = course.sample(s.t)
        assert replay.flags == s.flags
        for ch, v in s.values.items():
            assert replay.values[ch] == v or (math.isnan(v) and math.isnan(replay.values[ch]))


def test_snapshots_match_the_replayed_course(recording):
    s = read_session(recording.path)
    course = course_for(s)
    snaps = s.snapshots()
    assert [x.case_time for x in snaps] == [T0 + 60 * i for i in range(5)]
    for snap in snaps:
        sample = course.sample(snap.case_time)
        assert snap.values == {k: v for k, v in sample.values.items() if math.isfinite(v)}


def test_alarm_changes_come_back_as_the_engine_reported_them(recording):
    def none_for_nan(c: AlarmChange) -> AlarmChange:
        fix = {k: None for k in ("value", "limit")
               if getattr(c, k) is not None and math.isnan(getattr(c, k))}
        return dataclasses.replace(c, **fix)

    got = read_session(recording.path).alarm_changes()
    assert got == [none_for_nan(c) for c in recording.changes]
    assert {c.event for c in got} >= {"raise", "clear", "acknowledge", "audio_paused"}


def test_actions_come_back_in_order(recording):
    s = read_session(recording.path)
    assert [(a.case_time, a.action, dict(a.fields)) for a in s.instructor_actions()] == [
        (T0, "play", {}), (T0 + 100, "speed", {"value": 2.0}), (END, "pause", {})]
    assert [(a.case_time, a.action, dict(a.fields)) for a in s.trainee_actions()] == [
        (ACK_ONE, "acknowledge", {"alarm_id": "pump_stopped"}),
        (ACK_ALL, "acknowledge", {"alarm_id": None}),  # defaults filled in: all alarms
        (ACK_ALL + 5, "audio_pause", {"on": True})]


def test_a_scenario_file_is_recorded_by_absolute_path(tmp_path, monkeypatch):
    src = resources.files("resources.scenarios").joinpath("sle_dah_ecmo.toml")
    (tmp_path / "cases").mkdir()
    with resources.as_file(src) as f:
        shutil.copy(f, tmp_path / "cases" / "mine.toml")
    monkeypatch.chdir(tmp_path)
    with SessionRecorder(tmp_path / "s.jsonl") as rec:
        rec.start(scenario="cases/mine.toml", scenario_id="sle_dah_ecmo", seed=3, start=T0,
                  speed=2)
    monkeypatch.chdir(tmp_path / "cases")  # the debrief may run from anywhere
    s = read_session(tmp_path / "s.jsonl")
    assert s.scenario == str(tmp_path / "cases" / "mine.toml")
    assert course_for(s).seed == 3


def test_course_for_refuses_a_different_scenario(tmp_path):
    with SessionRecorder(tmp_path / "s.jsonl") as rec:
        rec.start(scenario="sle_dah_ecmo", scenario_id="other_case", seed=0, start=0, speed=1)
    with pytest.raises(SessionLogError, match="recorded on scenario 'other_case'"):
        course_for(read_session(tmp_path / "s.jsonl"))


# --------------------------------------------------------------------------- crash safety


def test_each_line_is_in_the_file_before_the_recorder_goes_on(tmp_path):
    path = tmp_path / "s.jsonl"
    rec = SessionRecorder(path, fsync=True, wall_clock=fake_clock())
    rec.start(scenario="sle_dah_ecmo", scenario_id="sle_dah_ecmo", seed=0, start=T0, speed=1)
    pump = injection(BASE.scenario, "pump_stop", INJ)
    rec.perturbation(INJ, pump)
    # Read through another handle while the recorder is still open (no close, no flush).
    assert read_session(path).final_perturbations() == (pump,)
    rec.close()
    assert rec.closed


def test_a_cut_off_last_line_is_reported_not_fatal(recording, tmp_path):
    path = tmp_path / "crashed.jsonl"
    data = recording.path.read_bytes()
    path.write_bytes(data + b'{"type":"alarm","case_time":1019700.0,"wall_ti')
    s = read_session(path)
    assert s.truncated and len(s.entries) == len(read_session(recording.path).entries)
    # The same text with its newline is a malformed line, not a crash.
    path.write_bytes(data + b'{"type":"alarm","case_time":1019700.0,"wall_ti\n')
    bad_line = data.count(b"\n") + 1
    with pytest.raises(SessionLogError, match=f"line {bad_line}: not JSON"):
        read_session(path)


def test_an_existing_session_file_is_never_overwritten_or_appended(recording, tmp_path):
    path = tmp_path / "s.jsonl"
    shutil.copy(recording.path, path)
    before = path.read_bytes()
    with pytest.raises(SessionRecorderError) as info:
        SessionRecorder(path)
    assert isinstance(info.value, OSError)
    assert str(info.value).startswith(f"cannot create session file {path}: File exists")
    assert path.read_bytes() == before


def test_the_folder_is_created(tmp_path):
    path = tmp_path / "deep" / "er" / "s.jsonl"
    with SessionRecorder(path) as rec:
        rec.start(scenario="sle_dah_ecmo", scenario_id="sle_dah_ecmo", seed=0, start=0, speed=1)
    assert read_session(path).seed == 0


def test_an_unwritable_path_is_a_one_line_oserror(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")  # a file where a folder should be: fails as root too
    with pytest.raises(OSError) as info:
        SessionRecorder(blocker / "sub" / "s.jsonl")
    assert isinstance(info.value, SessionRecorderError)
    msg = str(info.value)
    assert msg.startswith("cannot create session file") and str(blocker) in msg
    assert "\n" not in msg and info.value.errno is not None


def test_misuse_is_refused_at_once(tmp_path):
    rec = SessionRecorder(tmp_path / "s.jsonl")
    with pytest.raises(RuntimeError, match="start"):
        rec.instructor(0, "play")
    rec.start(scenario="sle_dah_ecmo", scenario_id="sle_dah_ecmo", seed=0, start=T0, speed=1)
    with pytest.raises(RuntimeError, match="already started"):
        rec.start(scenario="sle_dah_ecmo", scenario_id="sle_dah_ecmo", seed=0, start=T0, speed=1)
    with pytest.raises(ValueError, match="unknown instructor action 'rewind'"):
        rec.instructor(T0, "rewind")
    with pytest.raises(ValueError, match="missing .value."):
        rec.instructor(T0, "speed")
    with pytest.raises(ValueError, match="missing .parameter."):
        rec.trainee(T0, "limits", low=50)
    with pytest.raises(ValueError, match="finite"):
        rec.trainee(math.nan, "acknowledge")
    with pytest.raises(ValueError, match="not plain data"):
        rec.instructor(T0, "seek", target=object())
    pump = injection(BASE.scenario, "pump_stop", INJ)
    with pytest.raises(ValueError, match="not recorded"):
        rec.perturbation_stopped(INJ, pump.id)
    rec.perturbation(INJ, pump)
    with pytest.raises(ValueError, match="already recorded"):
        rec.perturbation(INJ, pump)
    rec.perturbation_stopped(INJ + 5, pump.id)
    with pytest.raises(ValueError, match="already stopped"):
        rec.perturbation_stopped(INJ + 6, pump.id)
    rec.close()
    with pytest.raises(SessionRecorderError, match="closed"):
        rec.trainee(T0, "acknowledge")
    # Nothing refused reached the file.
    assert [e.type for e in read_session(tmp_path / "s.jsonl").entries] == [
        "perturbation", "perturbation_stopped"]


def test_numpy_and_nan_fields_are_plain_json(tmp_path):
    with SessionRecorder(tmp_path / "s.jsonl") as rec:
        rec.start(scenario="sle_dah_ecmo", scenario_id="sle_dah_ecmo", seed=0, start=0, speed=1)
        rec.trainee(np.float64(3.0), "limits", parameter="hr", low=np.int64(50), high=math.nan)
    [a] = read_session(tmp_path / "s.jsonl").trainee_actions()
    assert (a.case_time, dict(a.fields)) == (3.0, {"parameter": "hr", "low": 50, "high": None})


def test_default_session_path_uses_xdg_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    p = default_session_path(wall_clock=lambda: 0.0)
    assert p == tmp_path / "icu-ecmo-replay" / "sessions" / "19700101T000000Z.jsonl"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    p = default_session_path(wall_clock=lambda: 0.0)
    assert p.parent == tmp_path / "home" / ".local" / "share" / "icu-ecmo-replay" / "sessions"


# --------------------------------------------------------------------------- bad files

HEADER = ('{"type":"session_start","case_time":0,"wall_time":"2025-06-15T15:06:40.000+00:00",'
          '"format":1,"scenario":"sle_dah_ecmo","scenario_id":"sle_dah_ecmo","seed":0,'
          '"start":0,"speed":1}')
W = '"wall_time":"2025-06-15T15:06:41.000+00:00"'
PUMP = json.dumps(dataclasses.asdict(injection(BASE.scenario, "pump_stop", 10, pid="p1")))
PUMP_BAD_SEVERITY = PUMP.replace('"severity": 1.0', '"severity": "max"')
PUMP_BAD_EFFECT = PUMP.replace('"set": 0.0', '"set": 0.0, "colour": 1', 1)


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "not JSON"),
    ("[1, 2]", "not a JSON object"),
    (f'{{"type":"coffee","case_time":1,{W}}}', "unknown type 'coffee'"),
    (f'{{"type":"instructor",{W},"action":"play"}}', "missing 'case_time'"),
    (f'{{"type":"instructor","case_time":"soon",{W},"action":"play"}}', "'case_time' must be"),
    ('{"type":"instructor","case_time":1,"wall_time":"yesterday","action":"play"}',
     "not an ISO 8601 time"),
    (f'{{"type":"instructor","case_time":1,{W},"action":"rewind"}}',
     "unknown instructor action 'rewind'"),
    (f'{{"type":"instructor","case_time":1,{W},"action":"seek"}}', "missing 'target'"),
    (f'{{"type":"trainee","case_time":1,{W}}}', "missing 'action'"),
    (f'{{"type":"perturbation","case_time":1,{W},"perturbation":{{"id":"x"}}}}',
     "perturbation: missing 'kind'"),
    (f'{{"type":"perturbation","case_time":1,{W},"perturbation":'
     f'{PUMP_BAD_SEVERITY}}}', "'severity' must be a number"),
    (f'{{"type":"perturbation","case_time":1,{W},"perturbation":'
     f'{PUMP_BAD_EFFECT}}}', "effect: unknown key"),
    (f'{{"type":"perturbation_stopped","case_time":1,{W},"id":"ghost"}}',
     "stop of perturbation 'ghost', which was not started before"),
    (f'{{"type":"alarm","case_time":1,{W},"event":"raise","alarm_id":"x","channel":null,'
     '"value":null,"limit":null,"priority":"urgent","message":"m","kind":null,'
     '"category":null}', "unknown priority 'urgent'"),
    (f'{{"type":"snapshot","case_time":1,{W},"values":{{"hr":"fast"}},"flags":[]}}',
     "'values' must be an object of numbers"),
    (HEADER, "a second session_start header"),
])  # fmt: skip
def test_a_malformed_line_names_the_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{HEADER}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(SessionLogError) as info:
        read_session(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: line 3: ") and message in msg, msg
    assert "\n" not in msg and isinstance(info.value, ValueError)


def test_a_perturbation_recorded_twice_or_stopped_twice_is_refused(tmp_path):
    path = tmp_path / "bad.jsonl"
    p = f'{{"type":"perturbation","case_time":10,{W},"perturbation":{PUMP}}}'
    stop = f'{{"type":"perturbation_stopped","case_time":20,{W},"id":"p1"}}'
    path.write_text("\n".join([HEADER, p, p]) + "\n")
    with pytest.raises(SessionLogError, match="line 3: perturbation id 'p1' recorded twice"):
        read_session(path)
    path.write_text("\n".join([HEADER, p, stop, stop]) + "\n")
    with pytest.raises(SessionLogError, match="line 4: perturbation 'p1' stopped twice"):
        read_session(path)
    path.write_text("\n".join([HEADER, p, stop]) + "\n")
    [got] = read_session(path).final_perturbations()
    assert got == injection(BASE.scenario, "pump_stop", 10, pid="p1").stopped_at(20)


@pytest.mark.parametrize(("text", "message"), [
    (b"", "no session_start header"),
    (b"\n\n", "no session_start header"),
    (f'{{"type":"instructor","case_time":1,{W},"action":"play"}}\n'.encode(),
     "line 1: the first line must be the session_start header"),
    (HEADER.replace('"format":1', '"format":9').encode() + b"\n",
     "line 1: unsupported session format 9"),
    (HEADER.replace('"seed":0', '"seed":0.5').encode() + b"\n", "line 1: 'seed' must be"),
    (HEADER.encode() + b"\n\xff\xfe\n", "line 2: not UTF-8 text"),
])  # fmt: skip
def test_a_file_without_a_usable_header_is_refused(tmp_path, text, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(text)
    with pytest.raises(SessionLogError, match=message):
        read_session(path)


def test_a_missing_file_is_a_one_line_error_naming_it(tmp_path):
    path = tmp_path / "none.jsonl"
    with pytest.raises(SessionLogError, match=f"^{path}: no such session file$"):
        read_session(path)


# --------------------------------------------------------------------------- no Qt


def test_recording_and_debrief_rows_work_without_qt(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        sys.modules["PySide6"] = None      # any `import PySide6` now raises ImportError
        sys.modules["pyqtgraph"] = None
        from replay_data.course import Course
        from replay_data.perturbations import injection
        from dashboard.recording import SessionRecorder, read_session, course_for
        from dashboard.debrief.report import timeline_rows
        c = Course.load()
        with SessionRecorder({str(tmp_path / "s.jsonl")!r}) as rec:
            rec.start(scenario="sle_dah_ecmo", scenario_id=c.scenario.id, seed=0,
                      start={T0}, speed=1)
            rec.perturbation({INJ}, injection(c.scenario, "pump_stop", {INJ}))
        s = read_session({str(tmp_path / "s.jsonl")!r})
        print([r.type for r in timeline_rows(s, course_for(s))])
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "['injection']"
