"""One hypotension on the SLE case is one ABP alarm, not three: headless through the
session controller (ManualWall clock), its alarm log and its recording."""

from __future__ import annotations

import json

from case_support import case_course

from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.debrief.responses import acknowledgement_rows
from dashboard.recording import read_session, recording_for

COURSE = case_course()
T0 = COURSE.scenario.event_times["ecmo_start"] + 86400.0  # VV-ECMO day 2, pressures normal
CONSOLE = Actor("instructor", "console")
BED = Actor("trainee", "bed-1")


def test_one_hypotension_raises_one_abp_alarm_with_its_three_crossings(tmp_path):
    log, rec = tmp_path / "alarms.jsonl", tmp_path / "session.jsonl"
    c = SessionController(COURSE, start=T0, wall=ManualWall(), alarm_log=log,
                          recording=recording_for(rec, COURSE.scenario.id))
    c.advance(30, ticks=3)
    assert not [a for a in c.alarms.active_alarms() if a.alarm_id.startswith("abp")]
    c.apply(Action.make("inject", {"injection": "hypotension"}, CONSOLE), strict=True)
    c.advance(240, ticks=24)  # 2 min onset, then the pressures sit below their limits
    abp = [a for a in c.alarms.active_alarms() if a.alarm_id.startswith("abp")]
    assert [(a.alarm_id, a.message) for a in abp] == [("abp_low", "ABP low")]
    # Each crossing shows on the one alarm, as the clinician reads the pressures.
    assert [m.label for m in abp[0].members] == ["sys", "dia", "mean"]
    assert all(m.value < m.limit for m in abp[0].members)
    # One acknowledgement by the trainee silences the problem.
    assert c.request(Action.make("acknowledge", {"alarm_id": "abp_low"}, BED)) is not None
    c.advance(10, ticks=1)
    assert next(a for a in c.alarms.active_alarms()
                if a.alarm_id == "abp_low").state.value == "acknowledged"
    c.close()
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    raised = [r["alarm_id"] for r in rows
              if r["event"] == "raise" and r["alarm_id"].startswith("abp")]
    assert raised == ["abp_low"]  # before the fold: abp_sys.low, abp_dia.low, abp_mean.low
    crossed = sorted(r["alarm_id"] for r in rows if r["event"] == "member_raise")
    assert crossed == ["abp_dia.low", "abp_mean.low", "abp_sys.low"]
    # The recording reads back, and the debrief lists one alarm for the acknowledgement.
    session = read_session(rec)
    acks = [r for r in acknowledgement_rows(session) if r.alarm_id.startswith("abp")]
    assert [(r.alarm_id, r.event) for r in acks] == [("abp_low", "raise")]
    assert acks[0].acknowledged_at is not None and acks[0].via == "this alarm"
