"""A clamped line reads as that line clamped, not as a stopped pump (issue "ECMO
emergencies a team can train on", item 3): the injections name the line, and the
circuit pressures show the pattern a team uses to locate the obstruction."""

from __future__ import annotations

import numpy as np
import pytest
from case_support import case_course

from dashboard.alarms import AlarmEngine, load_profile
from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.monitor import BedsideMonitor
from dashboard.core.session_controller import SessionController
from replay_data.controls import settings_at
from replay_data.perturbations import injection

COURSE = case_course()
T0 = COURSE.scenario.event_times["ecmo_start"] + 86400.0  # day 2, the pump at ~3,200 rpm


def pressures(name: str) -> dict[str, float]:
    d = COURSE.with_perturbations([injection(COURSE.scenario, name, T0)])
    t = np.array([T0 + 60.0])
    got = d.numerics(["p_venous", "p_int", "p_art", "cvp", "ecmo_flow", "ecmo_rpm"], t)
    return {k: float(v[0]) for k, v in got.items()}


def test_the_variants_name_the_clamped_line():
    labels = {v.id: v.label for v in COURSE.scenario.injections["pump_stop"].variants.values()}
    assert labels == {"power_loss": "Power loss: pump stopped",
                      "drainage_clamped": "Drainage line clamped, pump turning",
                      "return_clamped": "Return line clamped, pump turning"}
    air = COURSE.scenario.injections["air_in_circuit"].variants
    assert air["both_clamped_for_deairing"].label == \
        "Both lines clamped for de-airing, pump turning"


def test_a_clamped_drainage_line_sucks_p_venous_down_with_p_int_and_p_art_at_the_cvp():
    p = pressures("pump_stop:drainage_clamped")
    assert p["ecmo_flow"] == 0 and p["ecmo_rpm"] > 3000  # no flow, the pump turning
    assert -300 <= p["p_venous"] <= -150
    assert abs(p["p_int"] - p["cvp"]) < 8 and abs(p["p_art"] - p["cvp"]) < 8


def test_a_clamped_return_line_drives_p_int_and_p_art_to_the_zero_flow_head():
    p = pressures("pump_stop:return_clamped")
    assert p["ecmo_flow"] == 0 and p["ecmo_rpm"] > 3000
    assert abs(p["p_venous"] - p["cvp"]) < 8
    # Several hundred mmHg: the pump's head against a closed outlet, no delta P.
    assert 300 <= p["p_int"] <= 600 and abs(p["p_art"] - p["p_int"]) < 5


def test_both_lines_clamped_for_de_airing_show_both_signs():
    p = pressures("air_in_circuit:both_clamped_for_deairing")
    assert -300 <= p["p_venous"] <= -150
    assert p["p_int"] - p["p_venous"] > 300  # the head across the pump
    assert p["p_int"] > p["cvp"] + 100


def test_a_stopped_pump_keeps_every_pressure_at_the_cvp():
    p = pressures("pump_stop:power_loss")
    for k in ("p_venous", "p_int", "p_art"):
        assert abs(p[k] - p["cvp"]) < 8, k


def test_the_old_variant_names_still_pick_the_variants():
    sc = COURSE.scenario
    assert injection(sc, "pump_stop:clamped", T0).variant == "drainage_clamped"
    assert injection(sc, "air_in_circuit:clamped_for_deairing", T0).variant == \
        "both_clamped_for_deairing"
    assert pressures("pump_stop:clamped") == pressures("pump_stop:drainage_clamped")


@pytest.mark.parametrize(("name", "alarm"), [("pump_stop:drainage_clamped", "p_venous.low"),
                                             ("pump_stop:return_clamped", "p_int.high")])
def test_the_console_alarms_on_the_clamped_lines_pressure(name, alarm):
    d = COURSE.with_perturbations([injection(COURSE.scenario, name, T0)])
    engine = AlarmEngine(load_profile(COURSE.scenario.alarm_profile))
    monitor = BedsideMonitor(d, engine)
    monitor.seek(T0 - 30)
    monitor.advance_to(T0 + 30)
    assert alarm in {a.alarm_id for a in engine.active_alarms()}


def test_the_console_shows_the_clamp_and_only_opening_it_ends_the_emergency():
    ecmo = Actor("trainee", "ecmo-console")
    c = SessionController(COURSE, start=T0 - 10, wall=ManualWall(), playing=True)
    c.apply(Action.make("inject", {"injection": "pump_stop:drainage_clamped"},
                        Actor("instructor", "console")), strict=True)
    c.advance(30, ticks=3)
    s = settings_at(c.course, c.case_time())
    assert (s["control.ecmo.clamp_drainage"], s["control.ecmo.clamp_return"]) == (1.0, 0.0)

    def flow(t: float) -> float:
        return float(c.course.numerics(["ecmo_flow"], np.array([t]))["ecmo_flow"][0])

    # More rpm does not open a clamp.
    assert c.request(Action.make("control", {"control": "control.ecmo.rpm", "value": 3500},
                                 ecmo))
    c.advance(20, ticks=2)
    assert flow(c.case_time()) == 0
    assert c.request(Action.make("control", {"control": "control.ecmo.clamp_drainage",
                                             "value": 0}, ecmo))
    c.advance(30, ticks=3)
    t = c.case_time()
    assert flow(t) > 3
    pv = float(c.course.numerics(["p_venous"], np.array([t]))["p_venous"][0])
    assert -120 < pv < -20  # running again, no longer the clamp's suction
