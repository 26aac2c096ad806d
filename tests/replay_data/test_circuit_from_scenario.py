"""The ECMO circuit comes from the scenario: the pump's curve and drainage limit, the
cannulae's sizes (their pressure drops), whether there is a circuit at all, and which
events start and end it, whatever their ids."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from case_support import case_course

from replay_data import controls
from replay_data.controls import control_perturbation, pump_flow, rpm_for_flow, settings_at
from replay_data.course import Course
from replay_data.devices import device_spans, devices_at
from replay_data.errors import ReplayDataError
from replay_data.physiology.circuit import cannula_drops
from replay_data.physiology.coefficients import load_coefficients
from replay_data.scenario import Cannula, load_scenario

SCENARIO_FILE = Path(__file__).resolve().parents[2] / "resources/scenarios/sle_dah_ecmo.toml"
COURSE = case_course()
SC = COURSE.scenario
T = SC.resolve("ecmo_start+1d")
ECMO_INPUTS = ("ecmo_rpm", "ecmo_flow", "sweep_flow", "fdo2")
CIRCUIT_OUT = ("p_venous", "p_int", "delta_p", "p_art", "svo2", "po2_post")


def copy_of_case(tmp_path: Path, edit) -> Course:
    path = tmp_path / "copy.toml"
    path.write_text(edit(SCENARIO_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    return Course(load_scenario(path))


def values(course: Course, channels, t) -> dict[str, np.ndarray]:
    return course.numerics(list(channels), np.atleast_1d(np.asarray(t, dtype=float)))


# ------------------------------------------------------------------ the pump


def test_the_pump_constants_are_gone_and_the_case_pump_is_its_curve():
    for name in ("RPM_ZERO_FLOW", "LPM_PER_RPM", "DRAINAGE_LIMIT", "COMPLIANCE",
                 "RESISTANCE", "PBW_KG"):
        assert not hasattr(controls, name), name
    pump = SC.circuit.pump
    # The straight line through the case's two running points, and its drainage limit.
    assert pump_flow(pump, 1800) == pytest.approx(1.3)
    assert pump_flow(pump, 3200) == pytest.approx(3.7)
    assert rpm_for_flow(pump, 3.7) == pytest.approx(3200)
    assert pump.drainage_limit_lpm == 4.6


def test_another_pump_curve_and_drainage_limit_drive_the_console(tmp_path):
    course = copy_of_case(tmp_path, lambda s: s.replace(
        "curve = [[1800, 1.3], [3200, 3.7]]", "curve = [[2000, 1.0], [3000, 3.0]]").replace(
        "drainage_limit_lpm = 4.6", "drainage_limit_lpm = 3.5"))
    pump = course.scenario.circuit.pump
    assert (pump.zero_flow_rpm, pump.lpm_per_rpm) == (pytest.approx(1500), pytest.approx(0.002))
    p = control_perturbation(course, "control.ecmo.rpm", 2500, T, "knob")
    assert course.with_perturbations([p]).true_inputs(["ecmo_flow"], [T + 5])[
        "ecmo_flow"][0] == pytest.approx(2.0)
    # Asked for more than the cannula gives: the flow stays at or below this limit, chatters.
    fast = control_perturbation(course, "control.ecmo.rpm", 4000, T, "fast")
    flows = course.with_perturbations([fast]).true_inputs(
        ["ecmo_flow"], T + 5 + np.arange(0, 10, 0.1))["ecmo_flow"]
    assert flows.max() <= 3.5 + 1e-9 and flows.max() - flows.min() > 0.2
    # With the case's pump the same knob gives the case's curve.
    p = control_perturbation(COURSE, "control.ecmo.rpm", 2500, T, "knob")
    assert COURSE.with_perturbations([p]).true_inputs(["ecmo_flow"], [T + 5])[
        "ecmo_flow"][0] == pytest.approx(SC.circuit.pump.flow(2500))


# ------------------------------------------------------------------ the cannulae


def test_the_case_cannulae_give_exactly_the_reference_coefficients():
    coef = load_coefficients().circuit
    d = cannula_drops(SC.circuit, coef)
    assert (d.drainage_linear, d.drainage_quadratic, d.return_linear, d.return_quadratic) == (
        coef.drainage_linear, coef.drainage_quadratic, coef.return_linear,
        coef.return_quadratic)
    assert (coef.drainage_reference_fr, coef.return_reference_fr) == (19.0, 18.0)
    # And the case's pressures at 3.7 L/min are the ones the coefficients were chosen for.
    t = SC.resolve("ecmo_flow_target+30m")
    v = values(COURSE, ("p_venous", "p_int", "cvp", "ecmo_flow"), t)
    assert v["ecmo_flow"][0] == pytest.approx(3.7, abs=0.05)
    assert -80 < v["p_venous"][0] < -50 and 180 < v["p_int"][0] < 240



def cannula_drop(below_or_above_cvp):
    """The cannula's own drop from a pressure's distance to the CVP: a drainage pressure
    (negative) is levelled off at the inlet's suction limit L as -L tanh(drop / L)
    (circuit.py), which this undoes; a return pressure (positive) is the drop itself."""
    v = np.asarray(below_or_above_cvp, dtype=np.float64)
    lim = load_coefficients().circuit.inlet_suction_limit
    return np.where(v < 0, -lim * np.arctanh(np.minimum(-v, lim * 0.999999) / lim), v)

@pytest.mark.parametrize("role, size", [("drainage", 25), ("drainage", 17), ("return", 22)])
def test_a_cannula_size_scales_its_drop_as_poiseuille_says(tmp_path, role, size):
    """(d_ref / d)^4 for the laminar and the inertial term alike: the drop below (drainage)
    or above (return) the CVP scales by exactly that factor at any flow."""
    ref = {"drainage": 19, "return": 18}[role]
    pattern = re.compile(rf'(role = "{role}"\nsize_fr = ){ref}\n')
    course = copy_of_case(tmp_path, lambda s: pattern.sub(rf"\g<1>{size}\n", s, count=1))
    assert course.scenario.circuit.cannula(role).size_fr == size
    t = T + np.arange(0, 600, 60.0)
    pressure = "p_venous" if role == "drainage" else "p_art"
    mine, case = values(course, (pressure, "cvp"), t), values(COURSE, (pressure, "cvp"), t)
    # The flows are the scenario's keyframes: the same in both.
    np.testing.assert_allclose(values(course, ["ecmo_flow"], t)["ecmo_flow"],
                               values(COURSE, ["ecmo_flow"], t)["ecmo_flow"])
    truth = {c: course.truth(c, t) for c in (pressure, "cvp")}
    truth0 = {c: COURSE.truth(c, t) for c in (pressure, "cvp")}
    np.testing.assert_allclose(cannula_drop(truth[pressure] - truth["cvp"]),
                               cannula_drop(truth0[pressure] - truth0["cvp"])
                               * (ref / size) ** 4, rtol=1e-9)
    bigger = size > ref
    lift = np.abs(mine[pressure] - mine["cvp"]).mean() < np.abs(
        case[pressure] - case["cvp"]).mean()
    assert lift == bigger  # a bigger cannula drops less pressure


def test_a_dual_lumen_cannula_drains_and_returns_from_its_one_size():
    """A 31 Fr bicaval dual-lumen cannula (Avalon Elite): its drainage lumen taken as a
    19.2 Fr single-lumen cannula, its return lumen as a 17 Fr (physiology.toml, assumed)."""
    coef = load_coefficients().circuit
    avalon = (Cannula(role="dual_lumen", size_fr=31, site="right internal jugular vein",
                      model="Avalon Elite"),)
    circuit = replace(SC.circuit, cannulae=avalon)
    assert circuit.cannula("drainage") is circuit.cannula("return") is avalon[0]
    d = cannula_drops(circuit, coef)
    drain, ret = 31 * coef.dual_lumen_drainage_fraction, 31 * coef.dual_lumen_return_fraction
    assert (drain, ret) == (pytest.approx(19.22), pytest.approx(17.05))
    assert d.drainage_linear == pytest.approx(coef.drainage_linear * (19 / drain) ** 4)
    assert d.return_quadratic == pytest.approx(coef.return_quadratic * (18 / ret) ** 4)
    course = Course(replace(SC, circuit=circuit))
    t = np.array([T])
    mine, case = values(course, ("p_venous", "p_art", "cvp"), t), values(
        COURSE, ("p_venous", "p_art", "cvp"), t)
    # Drains about as the case's 19 Fr femoral cannula does (a little more freely), returns
    # through a narrower lumen than its 18 Fr: a higher return pressure.
    drop, drop0 = (-cannula_drop(c.truth("p_venous", t)[0] - c.truth("cvp", t)[0])
                   for c in (course, COURSE))
    assert drop == pytest.approx(drop0 * (19 / 19.22) ** 4, rel=1e-9) and drop < drop0
    assert mine["p_art"][0] > case["p_art"][0]


# ------------------------------------------------------------------ no circuit


@pytest.fixture(scope="module")
def no_circuit() -> Course:
    """The case as if it had no ECMO: no [circuit], no ECMO roles (its ECMO keyframes and
    injections left in, to show that they connect nothing)."""
    roles = {r: e for r, e in SC.roles.items()
             if r not in ("cannulation", "ecmo_start", "ecmo_end")}
    return Course(replace(SC, circuit=None, roles=roles))


def test_without_a_circuit_the_ecmo_channels_are_not_connected(no_circuit):
    t = np.array([SC.resolve("abg_pre_ecmo"), T, SC.resolve("ecmo_start+3d")])
    v = values(no_circuit, (*ECMO_INPUTS, *CIRCUIT_OUT), t)
    assert all(np.isnan(v[c]).all() for c in v), {c: v[c] for c in v}
    assert device_spans(no_circuit.scenario)["ecmo"] is None
    now = devices_at(no_circuit.scenario, T)
    assert not now.ecmo and now.ventilator
    assert no_circuit.pump_state(T) == ""
    # The patient is not oxygenated by a circuit that is not there.
    assert no_circuit.truth("sao2", [T])[0] < COURSE.truth("sao2", [T])[0] - 10


def test_without_a_circuit_nothing_crashes_and_the_ecmo_console_is_not_there(no_circuit):
    s = settings_at(no_circuit, T)
    assert all(math.isnan(s[k]) for k in s if k.startswith("control.ecmo."))
    assert all(math.isfinite(s[k]) for k in s if k.startswith("control.vent."))
    with pytest.raises(ReplayDataError, match="no ECMO circuit"):
        control_perturbation(no_circuit, "control.ecmo.rpm", 3000, T, "knob")
    # The ventilator still answers the team, and a whole sample builds.
    p = control_perturbation(no_circuit, "control.vent.fio2", 100, T, "fio2")
    sample = no_circuit.with_perturbations([p]).sample(T + 60)
    assert sample.values["fio2"] == 100 and math.isnan(sample.values["ecmo_flow"])
    # The model answers (without ECMO on this lung the patient arrests from hypoxia by
    # then, so the pulse oximeter, with no pulse, may read nothing: physiology.hypoxia).
    assert math.isfinite(sample.values["sao2"]) and math.isfinite(sample.values["vt"])
    assert no_circuit.mode("ecmo_mode", T) == "" and COURSE.mode("ecmo_mode", T) != ""


# ------------------------------------------------------------------ roles, not ids


def test_renamed_ecmo_events_replay_with_the_same_ecmo_numbers(tmp_path):
    """`ecmo_start` renamed `pump_on` (and `ecmo_end` `decannulated`), with [roles] naming
    them: the same circuit at the same times, the same numbers."""
    def rename(text: str) -> str:
        text = re.sub(r"\becmo_start\b", "pump_on", text)
        text = re.sub(r"\becmo_end\b", "decannulated", text)
        return text + '\n[roles]\necmo_start = "pump_on"\necmo_end = "decannulated"\n'
    course = copy_of_case(tmp_path, rename)
    sc = course.scenario
    assert "ecmo_start" not in sc.event_times and sc.roles["ecmo_start"] == "pump_on"
    assert sc.role_time("ecmo_start") == SC.role_time("ecmo_start")
    assert sc.role_time("ecmo_end") == SC.role_time("ecmo_end")
    assert device_spans(sc) == device_spans(SC)
    t = np.concatenate([SC.resolve("ecmo_start") + np.arange(-600, 1800, 30.0),
                        T + np.arange(0, 600, 60.0),
                        SC.resolve("ecmo_end") + np.arange(-300, 300, 60.0)])
    chans = (*ECMO_INPUTS, *CIRCUIT_OUT, "spo2", "sao2", "paco2")
    mine, case = values(course, chans, t), values(COURSE, chans, t)
    for c in chans:
        np.testing.assert_array_equal(mine[c], case[c], err_msg=c)
    assert settings_at(course, T) == settings_at(COURSE, T)
    # The team's hands too.
    knob = control_perturbation(course, "control.ecmo.rpm", 2500, T, "knob")
    knob0 = control_perturbation(COURSE, "control.ecmo.rpm", 2500, T, "knob")
    assert knob.effects == knob0.effects
