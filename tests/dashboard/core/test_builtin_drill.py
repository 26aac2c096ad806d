"""The built-in drills overlay the case: they load, start at their start, their scheduled
injection fires at its time, and the debrief scores it (page and CSV); bad drill files
are refused in one line."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from case_support import scenario

from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.debrief import build_debrief
from dashboard.debrief.report import CSV_COLUMNS, SCORING_TYPE
from dashboard.debrief.scoring import DONE, LATE, MISSED, score_session
from dashboard.recording import read_session, recording_for
from replay_data.course import Course
from replay_data.errors import ScenarioError
from replay_data.scenario import builtin_scenarios, load_scenario

CASE = scenario("sle_dah_ecmo")
DRILL = scenario("pump_stop_day2")
ECMO = Actor("trainee", "ecmo-console")
VENT = Actor("trainee", "vent-console")
CONSOLE = Actor("instructor", "console")


def test_the_drills_are_built_in_and_overlay_the_case():
    assert {"pump_stop_day2", "air_in_circuit_day2"} <= set(builtin_scenarios())
    assert (DRILL.id, DRILL.base) == ("pump_stop_day2", "sle_dah_ecmo")
    assert DRILL.title == "Drill: pump stop on ECMO day 2"
    # Its start, its own pump stop three minutes in; the case's own schedule kept.
    assert DRILL.default_start == CASE.event_times["ecmo_start"] + 20 * 3600
    (pump,) = [s for s in DRILL.scheduled if s.injection == "pump_stop"]
    assert pump.t == DRILL.default_start + 180
    assert set(CASE.scheduled) < set(DRILL.scheduled)
    # The case's data is the base's, not a copy that could drift.
    assert repr(DRILL.numeric_keyframes) == repr(CASE.numeric_keyframes)  # NaN != NaN
    assert DRILL.events == CASE.events and DRILL.patient == CASE.patient
    # Its own teaching material and expected responses.
    assert DRILL.briefing.case_stem.startswith("ICU, hospital day 13, 13:10")
    assert DRILL.briefing.case_stem != CASE.briefing.case_stem
    assert len(DRILL.briefing.objectives) >= 3 and DRILL.briefing.debrief_prompts
    within = {e.id: e.within for e in DRILL.injections["pump_stop"].expected}
    assert within == {"clamp": 30.0, "flow": 60.0, "fio2": 60.0}
    air = load_scenario("air_in_circuit_day2")
    assert air.base == "sle_dah_ecmo"
    assert [s.injection for s in air.scheduled][-1] == "air_in_circuit"
    assert {e.id: e.within for e in air.injections["air_in_circuit"].expected}["clamp"] == 20


def flow(c: SessionController, t: float) -> float:
    return float(c.course.numerics(["ecmo_flow"], np.array([t]))["ecmo_flow"][0])


def ctl(c: SessionController, control: str, value: float, actor: Actor = ECMO) -> None:
    assert c.request(Action.make("control", {"control": control, "value": value}, actor))


@pytest.fixture(scope="module")
def drill_run(tmp_path_factory):
    """The drill as a team runs it at 2x: Start, pump stop at +3 min, clamp after 20 s,
    hand-crank after 40 s, FiO2 only after 90 s (late)."""
    folder = tmp_path_factory.mktemp("drill")
    path = folder / "drill.jsonl"
    c = SessionController(Course(DRILL, 0), speed=2.0, playing=False, wall=ManualWall(),
                          recording=recording_for(path, "pump_stop_day2"), display="console")
    t0 = c.case_time()
    c.apply(Action.make("begin", {}, CONSOLE), strict=True)
    c.advance(179, ticks=10)
    before = {a.alarm_id for a in c.alarms.active_alarms()}
    flow_before = flow(c, c.case_time())
    c.advance(21, ticks=4)  # the pump stopped at +180 s
    after = {a.alarm_id for a in c.alarms.active_alarms()}
    ctl(c, "control.ecmo.clamp_drainage", 1)
    ctl(c, "control.ecmo.clamp_return", 1)
    c.advance(20, ticks=2)
    ctl(c, "control.ecmo.hand_crank", 3000)
    ctl(c, "control.ecmo.clamp_drainage", 0)
    ctl(c, "control.ecmo.clamp_return", 0)
    c.advance(50, ticks=5)
    ctl(c, "control.vent.fio2", 100, VENT)
    c.advance(120, ticks=6)
    c.apply(Action.make("end", {}, CONSOLE), strict=True)
    report = build_debrief(c.recorded_path, folder / "drill.html")
    c.close()
    return t0, before, after, flow_before, c, report


def test_the_drill_starts_at_its_start_and_the_pump_stops_on_time(drill_run):
    t0, before, after, flow_before, c, _ = drill_run
    assert t0 == DRILL.default_start
    assert "pump_stopped" not in before and flow_before > 3
    assert "pump_stopped" in after
    assert flow(c, t0 + 185) == 0.0
    assert flow(c, t0 + 240) > 2  # the hand crank's flow


def test_the_debrief_scores_the_scheduled_pump_stop(drill_run):
    t0, *_, report = drill_run
    rec = read_session(drill_run[4].recorded_path)
    scored = {r.response: r for r in score_session(rec, DRILL)}
    assert {r.source for r in scored.values()} == {"scheduled"}
    clamp = scored["Clamp the lines"]
    assert (clamp.status, clamp.delay, clamp.injection_start) == (DONE, 20.0, t0 + 180)
    assert scored["Restart the pump or hand-crank"].status == DONE
    assert scored["Restart the pump or hand-crank"].delay == 40.0
    assert (scored["FiO2 to 1.0 on the ventilator"].status,
            scored["FiO2 to 1.0 on the ventilator"].delay) == (LATE, 90.0)
    page = report.html_path.read_text(encoding="utf-8")
    assert "2 done in time, 1 late, 0 missed." in page
    assert "Pump stop (Day 13 13:13, scheduled)" in page
    # the drill's own teaching material in the report
    assert "Clamp the lines within 30 s so blood cannot run backwards" in page
    assert "Why clamp before restarting?" in page


def test_the_debrief_csv_has_the_scoring_rows(drill_run):
    t0, *_, report = drill_run
    rows = list(csv.DictReader(io.StringIO(report.csv_path.read_text(encoding="utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    scoring = [r for r in rows if r["type"] == SCORING_TYPE]
    assert len(scoring) == 3
    clamp, crank, fio2 = scoring
    assert clamp["what"].endswith("Clamp the lines") and "scheduled" in clamp["what"]
    assert (clamp["result"], clamp["limit"]) == ("done", "within 30 s")
    assert float(clamp["case_time_s"]) == t0 + 200
    assert clamp["deadline"] == "Day 13 13:13:30"
    # 20 case seconds at 2x are 10 s in the room
    assert clamp["value"] == "after 10 s (case 20 s)" and float(clamp["wall_elapsed_s"]) > 0
    assert clamp["wall_clock"] and clamp["by"] == "Drainage clamp on at ecmo-console"
    assert crank["by"] == "Hand crank 3000 rpm at ecmo-console"
    assert (fio2["result"], fio2["by"]) == ("late", "FiO2 100 % at vent-console")


def test_a_scheduled_injection_the_session_jumped_over_is_not_scored(tmp_path):
    path = tmp_path / "jump.jsonl"
    c = SessionController(Course(DRILL, 0), playing=True, wall=ManualWall(),
                          recording=recording_for(path, "pump_stop_day2"))
    c.advance(60)
    c.apply(Action.make("seek", {"target": DRILL.default_start + 900}, CONSOLE), strict=True)
    c.advance(60)
    c.close()
    assert score_session(read_session(path), DRILL) == []


def test_a_missed_response_is_scored_missed(tmp_path):
    path = tmp_path / "missed.jsonl"
    c = SessionController(Course(DRILL, 0), playing=True, wall=ManualWall(),
                          recording=recording_for(path, "pump_stop_day2"))
    c.advance(300, ticks=10)
    c.close()
    scored = score_session(read_session(path), DRILL)
    assert [r.status for r in scored] == [MISSED, MISSED, MISSED]
    report = build_debrief(path, tmp_path / "missed.html")
    rows = [r for r in csv.DictReader(io.StringIO(report.csv_path.read_text("utf-8-sig")))
            if r["type"] == SCORING_TYPE]
    clamp = rows[0]
    assert (clamp["result"], clamp["by"], clamp["value"]) == ("missed", "", "")
    # at the deadline, in both clocks: 3 min + 30 s after the start, at 1x
    assert float(clamp["case_time_s"]) == DRILL.default_start + 210
    assert float(clamp["wall_elapsed_s"]) == 210.0


BAD_DRILLS = [
    ('base = "no_such_case"', "drill.base: base case 'no_such_case'"),
    ('base = "pump_stop_day2"', "drill.base: base case 'pump_stop_day2': pump_stop_day2.toml: "
                                "is a drill; a drill's base must be a case"),
    ('start = "ecmo_strat+1h"', "drill.start: "),
    ('start = "extubation+13h"', "drill.start: "),
]


def _drill_text(**swap: str) -> str:
    text = ('[drill]\nid = "d"\ntitle = "D"\nbase = "sle_dah_ecmo"\nstart = "ecmo_start+2h"\n'
            '\n[[scheduled]]\ninjection = "pump_stop"\nafter = "3m"\n'
            '\n[briefing]\ncase_stem = "Stem."\nobjectives = ["Clamp."]\n')
    for old, new in swap.items():
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize("line,message", BAD_DRILLS)
def test_a_bad_drill_header_is_refused_in_one_line(tmp_path, line, message):
    key = line.split(" = ")[0]
    old = {"base": 'base = "sle_dah_ecmo"', "start": 'start = "ecmo_start+2h"'}[key]
    f = tmp_path / "d.toml"
    f.write_text(_drill_text(**{old: line}))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f)
    # FILE:LINE: key: problem, the line being the key's ([drill] base and start: 4, 5)
    line = {"base": 4, "start": 5}[key]
    assert str(exc.value).startswith(f"d.toml:{line}: " + message) and "\n" not in str(exc.value)


@pytest.mark.parametrize("old,new,message", [
    ('injection = "pump_stop"', 'injection = "pump_stpo"',
     "scheduled[0].injection: unknown injection 'pump_stpo'"),
    ('after = "3m"', 'after = "3m"\nat = "ecmo_start"', "scheduled[0]: give either at"),
    ('after = "3m"', 'at = "ecmo_start"', "scheduled[0].at: "),  # before the drill's start
    ('objectives = ["Clamp."]', "", "briefing.objectives: missing"),
    ('[drill]', '[expected]\nnope = []\n\n[drill]', "expected.nope: unknown injection"),
    ('[drill]', 'keyframes = []\n[drill]', "keyframes: unknown key"),
])
def test_a_bad_drill_body_is_refused_in_one_line(tmp_path, old, new, message):
    f = tmp_path / "d.toml"
    f.write_text(_drill_text(**{old: new}))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f)
    text = str(exc.value)
    assert re.match(r"d\.toml:\d+: " + re.escape(message), text), text


def test_a_drill_file_may_name_a_case_file_beside_it(tmp_path):
    from importlib import resources

    case = resources.files("resources.scenarios").joinpath("sle_dah_ecmo.toml").read_bytes()
    (tmp_path / "my_case.toml").write_bytes(case)
    f = tmp_path / "d.toml"
    f.write_text(_drill_text(**{'base = "sle_dah_ecmo"': 'base = "my_case.toml"'}))
    d = load_scenario(f)
    assert d.base == "sle_dah_ecmo" and d.default_start == CASE.event_times["ecmo_start"] + 7200


def test_replay_data_info_lists_the_drills_and_the_drills_schedule(capsys):
    from replay_data.cli import main

    assert main(["info", "--scenario", "pump_stop_day2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Drill: pump stop on ECMO day 2\n")
    assert "Drill on the case 'sle_dah_ecmo': starts at Day 13 13:10:00" in out
    listed = out.split("\nBuilt-in scenarios and drills (--scenario NAME)\n")[1].split("\n\n")[0]
    assert "  pump_stop_day2           Drill: pump stop on ECMO day 2" in listed
    assert "  air_in_circuit_day2      Drill: air in the circuit on ECMO day 2" in listed
    sched = out.split("\nScheduled injections\n")[1].split("\n\n")[0]
    pump = next(ln for ln in sched.splitlines() if " pump_stop " in ln)
    assert "Day 13 13:13:00" in pump and "(+3 min after the start)" in pump
    assert "expected: Clamp the lines within 30 s" in sched


def test_a_bad_drill_file_is_one_line_and_exit_2(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    f = tmp_path / "d.toml"
    f.write_text(_drill_text(**{'injection = "pump_stop"': 'injection = "pump_stpo"'}))
    exe = Path(sys.executable).parent
    for cmd in ([str(exe / "replay-data"), "validate", str(f)],
                [str(exe / "icu-dashboard"), "--headless", "--scenario", str(f),
                 "--duration", "1s", "--screenshot", str(tmp_path / "x.png")]):
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert p.returncode == 2, (cmd, p.stderr)
        assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
        assert "d.toml:8: scheduled[0].injection: unknown injection 'pump_stpo'" in p.stderr
    assert not (tmp_path / "x.png").exists()


def test_icu_dashboard_runs_a_drill_headless(tmp_path):
    """`icu-dashboard --scenario pump_stop_day2` opens at the drill's start; 4 min in, the
    pump stop has raised its alarm in the alarm log."""
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "icu-dashboard"
    log = tmp_path / "alarms.jsonl"
    p = subprocess.run([str(exe), "--headless", "--scenario", "pump_stop_day2",
                        "--duration", "4m", "--alarm-log", str(log),
                        "--screenshot", str(tmp_path / "x.png")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    raised = [ln for ln in log.read_text().splitlines() if "pump_stopped" in ln]
    assert raised and '"raise"' in raised[0]


def test_two_drills_naming_each_other_are_refused_not_recursed(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(_drill_text(**{'base = "sle_dah_ecmo"': 'base = "b.toml"'}))
    b.write_text(_drill_text(**{'base = "sle_dah_ecmo"': 'base = "a.toml"'}))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(a)
    assert str(exc.value) == ("a.toml:4: drill.base: base case 'b.toml': b.toml: is a drill; "
                              "a drill's base must be a case")


def test_the_instructor_can_stop_the_drills_scheduled_pump_stop(tmp_path):
    """A drill's own pump stop is the instructor's to end (the team is overwhelmed, time
    is up): the stop cuts it, the flow comes back, the recording replays it and the
    debrief lists and scores it once, as the scenario's."""
    from dashboard.recording import course_for
    from replay_data.course import scheduled_id

    path = tmp_path / "stop.jsonl"
    c = SessionController(Course(DRILL, 0), speed=1.0, playing=False, wall=ManualWall(),
                          recording=recording_for(path, "pump_stop_day2"), display="console")
    t0 = c.case_time()
    pid = scheduled_id("pump_stop", t0 + 180)
    c.apply(Action.make("begin", {}, CONSOLE), strict=True)
    # Not under way yet: nothing to stop.
    assert c.apply(Action.make("stop", {"id": pid}, CONSOLE)) is None
    c.advance(200, ticks=10)
    assert flow(c, c.case_time()) == 0.0
    assert c.apply(Action.make("stop", {"id": pid}, CONSOLE), strict=True)
    t_stop = c.case_time()
    assert [p.id for p in c.course.scheduled if p.id == pid] == []  # replaced by its cut
    (cut,) = [p for p in c.perturbations if p.id == pid]
    assert cut.end == t_stop
    c.advance(240, ticks=12)
    flow_after = flow(c, c.case_time())
    assert flow_after > 3  # the pump runs again without the team touching it
    # A second stop of the same one is refused.
    assert c.apply(Action.make("stop", {"id": pid}, CONSOLE)) is None
    c.apply(Action.make("end", {}, CONSOLE), strict=True)
    c.close()
    rec = read_session(c.recorded_path)
    replayed = course_for(rec)
    grid = np.arange(t0, t_stop + 240, 5.0)
    np.testing.assert_array_equal(replayed.numerics(["ecmo_flow"], grid)["ecmo_flow"],
                                  c.course.numerics(["ecmo_flow"], grid)["ecmo_flow"])
    scored = score_session(rec, DRILL)
    assert len(scored) == 3 and {r.source for r in scored} == {"scheduled"}
    report = build_debrief(c.recorded_path, tmp_path / "stop.html")
    import re

    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", report.html_path.read_text("utf-8")))
    # one scored row per expected response, one injection row with the instructor's stop
    assert page.count("Pump stop (Day 13 13:13, scheduled)") == 3
    assert page.count("instructor: stopped Pump stop (Power loss: pump stopped)") == 1
    rows = list(csv.DictReader(io.StringIO(report.csv_path.read_text(encoding="utf-8-sig"))))
    kinds = [r["type"] for r in rows]
    assert kinds.count("scheduled injection") == 1
    assert kinds.count("scheduled injection stop") == 1
