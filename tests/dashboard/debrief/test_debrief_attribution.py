"""The debrief says who did what: the bedside team's settings are theirs, the instructor's
override of the same setting is the instructor's (never scored done for the team), a
verbal tick is "done (verbal)"; the event lasts as the patient lived it, with its SpO2
nadir; an empty bookmark reads "Bookmark"; the room's displays have their own section;
and a file without roles or display records still debriefs."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from case_support import scenario

from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.debrief import build_debrief
from dashboard.debrief.scoring import BY_INSTRUCTOR, DONE, VERBAL
from dashboard.recording import recording_for
from replay_data.course import Course

DRILL = scenario("pump_stop_day2")
INSTRUCTOR, TRAINEE = Actor("instructor", "console"), Actor("trainee", "bed-1")


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attr")
    wall = ManualWall()
    c = SessionController(Course(DRILL, 0), playing=False, wall=wall,
                          recording=recording_for(folder / "s.jsonl", "pump_stop_day2"),
                          display="console")

    def act(kind, actor=INSTRUCTOR, **a):
        assert c.apply(Action.make(kind, a, actor), strict=True) is not None

    c.display_presence("bed-1", True, wall())
    act("begin")
    c.advance(198, 20)
    pump = next(p.id for p in c.course.scheduled if p.name == "pump_stop")
    act("control", TRAINEE, control="control.ecmo.clamp_drainage", value=1)  # +18 s
    act("note", text="bookmark", bookmark=True)
    c.advance(22, 11)
    act("control", TRAINEE, control="control.ecmo.hand_crank", value=3000)  # +40 s
    act("control", TRAINEE, control="control.ecmo.clamp_drainage", value=0)
    c.display_presence("bed-1", False, wall())
    c.advance(20, 10)
    c.display_presence("bed-1", True, wall())
    act("control", INSTRUCTOR, control="control.vent.fio2", value=100)  # the instructor's, +60 s
    act("response_done", injection=pump, response="Restart the pump or hand-crank")
    c.advance(240, 24)
    act("end")
    c.close()
    return build_debrief(c.recorded_path, folder / "r.html"), folder


def test_the_instructors_setting_is_never_the_teams(drill):
    report, _ = drill
    scored = {r.response: r for r in report.scored}
    assert (scored["Clamp the lines"].status, scored["Clamp the lines"].who) == (
        DONE, "trainee at bed-1")
    fio2 = scored["FiO2 to 1.0 on the ventilator"]
    assert (fio2.status, fio2.who) == (BY_INSTRUCTOR, "instructor at console")
    page = text_of(report.html_path.read_text("utf-8"))
    assert "1 set by the instructor, not the team" in page
    assert "done by the instructor" in page
    assert "instructor: FiO2 100 % (at console)" in page
    assert "trainee: FiO2 100 %" not in page
    rows = list(csv.DictReader(io.StringIO(report.csv_path.read_text("utf-8-sig"))))
    fio2_row = next(r for r in rows if r["type"] == "expected response"
                    and r["what"].endswith("FiO2 to 1.0 on the ventilator"))
    assert (fio2_row["result"], fio2_row["by"]) == (
        "instructor", "FiO2 100 %, set by the instructor at console")
    control = [(r["what"], r["by"]) for r in rows if r["type"] == "control"]
    assert ("FiO2 100 %", "instructor at console") in control
    assert ("Drainage clamp on", "trainee at bed-1") in control


def test_a_verbal_tick_is_done_verbal_and_shown_as_such(drill):
    report, _ = drill
    # The team's hand crank came first: the tick does not replace it.
    flow = next(r for r in report.scored if r.response == "Restart the pump or hand-crank")
    assert flow.status == DONE
    tick = next(r for r in report.timeline if r.type == "instructor" and "verbal" in r.what)
    assert tick.what.startswith("Restart the pump or hand-crank: done (verbal, ticked by the "
                                "instructor at 13:14:00)")
    assert tick.by == "instructor at console"


def test_the_pump_stop_lasted_until_the_team_restored_flow_with_its_spo2_nadir(drill):
    report, _ = drill
    (pump,) = report.injections
    assert 40 <= pump.lived_end - pump.perturbation.start <= 50  # not its nominal 10 min
    assert "Hand crank 3000 rpm" in pump.ended_by or "clamp off" in pump.ended_by
    assert "trainee at bed-1" in pump.ended_by
    value, t = pump.nadir
    assert 40 < value < 90 and t > pump.perturbation.start
    page = text_of(report.html_path.read_text("utf-8"))
    assert "10 min" not in page.split("Injections and what the team did next")[1][:400]
    assert f"SpO2 nadir {value:.0f} %" in page


def test_an_empty_bookmark_reads_bookmark(drill):
    report, _ = drill
    page = text_of(report.html_path.read_text("utf-8"))
    assert "bookmark: bookmark" not in page
    (note,) = report.notes
    assert note.shown == "Bookmark"
    assert any(m.what == "Bookmark" for m in report.marks)


def test_the_displays_section_lists_joins_losses_and_returns(drill):
    report, _ = drill
    (bed,) = report.displays
    assert bed.display == "bed-1" and [s for s, _, _ in bed.changes] == ["lost", "back"]
    page = text_of(report.html_path.read_text("utf-8"))
    displays = page.split(" Displays Display ")[1]
    assert displays.startswith("Joined (wall / case) Link lost / back bed-1")
    assert "link lost" in displays and "back" in displays and "Day 13 13:1" in displays


def test_an_older_file_without_roles_or_displays_still_debriefs(drill, tmp_path):
    report, _ = drill
    old = []
    for line in report.session.path.read_text("utf-8").splitlines():
        rec = json.loads(line)
        if rec["type"] == "display":
            continue
        rec.pop("role", None)
        old.append(json.dumps(rec))
    (tmp_path / "old.jsonl").write_text("\n".join(old) + "\n", encoding="utf-8")
    again = build_debrief(tmp_path / "old.jsonl", tmp_path / "old.html")
    assert again.displays == []
    # Roles inferred from the display: the console is the instructor's.
    assert [r.status for r in again.scored] == [r.status for r in report.scored]
    assert "none joined over the network" in again.html_path.read_text("utf-8")


def test_verbal_when_the_team_did_nothing(tmp_path):
    c = SessionController(Course(DRILL, 0), playing=True, wall=ManualWall(),
                          recording=recording_for(tmp_path / "v.jsonl", "pump_stop_day2"))
    c.advance(190, 10)
    pump = next(p.id for p in c.course.scheduled if p.name == "pump_stop")
    c.apply(Action.make("response_done", {"injection": pump, "response": "Clamp the lines"},
                        INSTRUCTOR), strict=True)
    c.advance(100, 5)
    c.close()
    report = build_debrief(tmp_path / "v.jsonl", tmp_path / "v.html")
    clamp = report.scored[0]
    assert (clamp.status, clamp.who, clamp.at) == (VERBAL, "instructor (verbal)",
                                                  DRILL.default_start + 190)
    assert "1 done (verbal, ticked by the instructor)" in report.html_path.read_text("utf-8")
