"""A cardiac arrest on the monitor as a clinician expects it: the ECG row stays and shows
the VF (no rate can be counted, so the HR tile reads ---, but the trace is what the team
must see), the pleth and arterial rows stay with their flat traces, and the monitor
raises the high-priority lethal-arrhythmia alarm (VFib; Asystole when a hypoxic heart
stops). Offscreen, widgets by objectName, the clock driven by hand."""

from __future__ import annotations

import numpy as np
from case_support import case_course
from drill_support import run_drill

from dashboard.alarms.kinds import Priority
from dashboard.core.actions import SEEK, Action, Actor
from dashboard.ui.monitor_layout import MONITOR_ROWS
from dashboard.ui.screen_plan import ScreenPlan
from replay_data.waveforms import waveform

BOSS = Actor("instructor", "console")


def active(controller) -> dict[str, object]:
    return {a.alarm_id: a for a in controller.alarms.active_alarms()}


def test_vf_keeps_the_ecg_in_view_and_raises_vfib(make_session):
    s = make_session(course=case_course("vf_arrest_day3"))
    c = s.controller
    vf_at = c.case_time() + 180  # the drill's VF: after = "3m"
    assert c.apply(Action.make(SEEK, {"target": vf_at - 30}, BOSS)) is not None
    s.advance_virtual(40, frames=40)
    w = s.window
    values = c.course.numerics(["hr", "spo2"], np.array([c.case_time()]))
    assert np.isnan(values["hr"][0]) and np.isnan(values["spo2"][0])  # nothing to count
    for name in ("waveform.ecg_ii", "waveform.pleth", "waveform.abp", "tile.hr"):
        assert w.findChild(object, name).isVisibleTo(w), name
    alarms = active(c)
    assert "vfib" in alarms, sorted(alarms)
    assert alarms["vfib"].priority == Priority.HIGH
    # The ECG is VF: a large swing with no flat baseline between complexes.
    _, ecg = waveform(c.course, "ecg_ii", c.case_time() - 4, 4.0)
    assert np.ptp(ecg) > 0.3 and np.mean(np.abs(ecg) < 0.02) < 0.2


def test_the_rows_go_only_with_their_sensor():
    course = case_course("vf_arrest_day3")
    plan = ScreenPlan(course, MONITOR_ROWS)
    t = course.scenario.default_start + 200
    no_values = {"hr": np.nan, "spo2": np.nan}
    assert {"ecg_ii", "pleth"} <= plan.at(t, no_values, {"cardiac_arrest", "vf"}).rows
    assert not {"ecg_ii", "pleth"} & plan.at(t, no_values, ()).rows


def test_a_hypoxic_heart_that_stops_raises_asystole(tmp_path):
    run = run_drill("pump_stop_day2", "pump_stop", [], watch=900, folder=tmp_path)
    assert run.value("hr", 900) == 0
    raised = run.session_log.read_text(encoding="utf-8")
    assert '"asystole"' in raised  # the alarm is in the session's record
