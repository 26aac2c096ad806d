"""The ECMO emergencies a team trains on, against the physiology a clinician expects
(docs/model.md): hypoxic arrest and its reversal, PEEP, EtCO2, membrane failure and the
kinetics of each event. Figures on the built-in case a day after ECMO start."""

from __future__ import annotations

import math

import numpy as np
import pytest

from replay_data import waveforms
from replay_data.controls import control_perturbation
from replay_data.course import Course
from replay_data.perturbations import injection, override


@pytest.fixture(scope="module")
def case(case_scenario) -> tuple[Course, float]:
    return Course(case_scenario, seed=1), case_scenario.resolve("ecmo_start+1d")


def _with(course: Course, *perts) -> Course:
    return course.with_perturbations(list(perts))


def _pump_stop(course: Course, t0: float, duration: float) -> Course:
    return _with(course, injection(course.scenario, "pump_stop", t0, duration=duration))


def _vitals(course: Course, t: np.ndarray) -> dict[str, np.ndarray]:
    return {c: course.numeric(c, t, measured=False) for c in ("hr", "abp_mean", "spo2")}


# ------------------------------------------------------------------ 1. hypoxic arrest


def test_untreated_pump_stop_ends_in_hypoxic_arrest(case):
    course, t0 = case
    d = _pump_stop(course, t0, 3600)
    t = t0 + np.array([-10.0, 120.0, 420.0, 1800.0])
    v = _vitals(d, t)
    # Tachycardia first, then hypoxic bradycardia and hypotension within minutes ...
    assert v["hr"][1] > v["hr"][0]
    assert v["hr"][2] < v["hr"][0] - 10 and v["abp_mean"][2] < 62
    # ... then arrest: asystole, no pressure, no pulse for the oximeter.
    assert v["hr"][3] == 0 and v["abp_mean"][3] < 15 and math.isnan(v["spo2"][3])
    # O2 consumption is supply-dependent below DO2crit: the venous blood is not emptied.
    svo2 = d.truth("svo2", t0 + np.array([300.0, 1800.0]))
    assert 10 < svo2[0] < 30 and 10 < svo2[1] < 30


def test_arrest_shows_on_the_waveforms(case):
    course, t0 = case
    d = _pump_stop(course, t0, 3600)
    before = waveforms.waveform(d, "ecg_ii", t0 - 20, 10.0)[1]
    ecg = waveforms.waveform(d, "ecg_ii", t0 + 1800, 10.0)[1]
    abp = waveforms.waveform(d, "abp", t0 + 1800, 10.0)[1]
    pleth = waveforms.waveform(d, "pleth", t0 + 1800, 10.0)[1]
    assert np.ptp(before) > 0.8 and np.ptp(ecg) < 0.2  # flat line (asystole)
    assert np.ptp(abp) < 3 and np.nanmax(abp) < 15
    assert np.isnan(pleth).all()


def test_flow_restored_before_arrest_recovers(case):
    course, t0 = case
    d = _pump_stop(course, t0, 480)
    v = _vitals(d, t0 + np.array([420.0, 2400.0]))
    assert v["hr"][0] < 90  # it was failing ...
    assert 85 < v["hr"][1] < 115 and v["abp_mean"][1] > 65 and v["spo2"][1] > 90  # ... and is back


def test_arrest_is_reversible_only_soon_after_it(case):
    course, t0 = case
    soon = _vitals(_pump_stop(course, t0, 780), t0 + np.array([690.0, 2700.0]))
    assert soon["hr"][0] < 35 and soon["abp_mean"][0] < 15  # arrested while the pump is off
    assert soon["hr"][1] > 70 and soon["abp_mean"][1] > 55  # ROSC once oxygenated in time
    late = _vitals(_pump_stop(course, t0, 1500), t0 + np.array([2700.0]))
    assert late["hr"][0] == 0 and late["abp_mean"][0] < 15


def test_the_heart_is_a_function_of_time_alone(case):
    course, t0 = case
    d = _pump_stop(course, t0, 3600)
    t = t0 + np.arange(0.0, 1800.0, 7.0)
    long = d.numeric("hr", t, measured=False)
    fresh = _pump_stop(course, t0, 3600)
    alone = np.array([fresh.numeric("hr", np.array([x]), measured=False)[0] for x in t[::37]])
    np.testing.assert_array_equal(alone, long[::37])


# ------------------------------------------------------------------ 2. PEEP and EtCO2


def _peep(course: Course, t0: float, value: float) -> Course:
    return _with(course, control_perturbation(course, "control.vent.peep", value, t0, pid="p"))


def test_peep_recruits_and_impedes_venous_return(case):
    course, t0 = case
    t = t0 + np.array([600.0])
    base = {c: course.truth(c, t)[0] for c in ("pao2", "cvp", "p_venous")}
    low, high = _peep(course, t0, 5), _peep(course, t0, 20)
    own = course.truth("peep", t)[0]
    assert 10 <= own <= 14  # the scenario's own PEEP then
    # Lower PEEP derecruits (shunt up): PaO2 falls; CVP falls a little.
    assert low.truth("pao2", t)[0] < base["pao2"] - 5
    assert -3 < low.truth("cvp", t)[0] - base["cvp"] < -1
    # Higher PEEP: a third of the pressure reaches the atrium, MAP falls, the drainage
    # pressure follows the CVP.
    assert 1.5 < high.truth("cvp", t)[0] - base["cvp"] < 4
    assert high.truth("p_venous", t)[0] > base["p_venous"] + 1
    tt = t0 + np.arange(300.0, 900.0, 10.0)
    map_base = course.numerics(["abp_mean"], tt)["abp_mean"].mean()
    assert -12 < high.numerics(["abp_mean"], tt)["abp_mean"].mean() - map_base < -4
    assert high.truth("pao2", t)[0] > base["pao2"]


def test_etco2_follows_paco2_when_the_tidal_volume_changes(case):
    course, t0 = case
    t = t0 + np.array([-10.0, 10.0, 1800.0])
    e0, p0 = course.truth("etco2", t), course.truth("paco2", t)
    big = _with(course, control_perturbation(course, "control.vent.pinsp", 30, t0, pid="v"))
    e, p = big.truth("etco2", t), big.truth("paco2", t)
    assert abs(e[1] - e0[1]) < 0.5  # no jump when the breath gets bigger
    assert p[2] < p0[2] - 5 and e[2] < e0[2] - 1.5  # lower through PaCO2, over minutes
    assert e[2] / p[2] == pytest.approx(e0[2] / p0[2], rel=0.02)
    half = 0.5 * float(course.truth("tidal_volume", [t0])[0])
    small = _with(course, override("tidal_volume", half, t0, 1.0))
    e, p = small.truth("etco2", t), small.truth("paco2", t)
    assert abs(e[1] - e0[1]) < 0.5
    assert p[2] > p0[2] + 3 and e[2] > e0[2] + 1  # a halved breath raises both


# ------------------------------------------------------------------ 3. membrane failure


def test_membrane_failure_loses_o2_transfer_much_more_than_co2(case):
    course, t0 = case
    d = _with(course, injection(course.scenario, "oxygenator_clot:acute", t0, duration=7200))
    t = t0 + np.array([-10.0, 3000.0])
    mf = d.truth("membrane_function", t)
    assert mf[0] - mf[1] == pytest.approx(0.7, abs=0.01)  # severity 0.7 = 70 % O2 lost
    assert 25 < d.truth("po2_post", t)[1] < 60
    rise = np.diff(d.truth("paco2", t))[0]
    assert 1 < rise < 12  # CO2 clearance relatively preserved (Lubnow 2014)


# ------------------------------------------------------------------ 4. kinetics


def test_sweep_failure_washes_the_membrane_gas_out_over_tens_of_seconds(case):
    course, t0 = case
    d = _with(course, injection(course.scenario, "sweep_gas_failure", t0, duration=600))
    po2 = d.truth("po2_post", t0 + np.array([-5.0, 10.0, 60.0, 300.0]))
    assert po2[0] > 400 and po2[1] > 330 and 60 < po2[2] < 250 and po2[3] < 60
    spo2 = d.truth("spo2", t0 + np.array([25.0]))[0]
    assert spo2 > 90


@pytest.mark.parametrize("name", ["pump_stop", "pump_stop:clamped", "air_in_circuit"])
def test_standing_blood_in_a_ventilated_membrane_stays_hyperoxic(case, name):
    course, t0 = case
    d = _with(course, injection(course.scenario, name, t0, duration=120))
    po2 = d.truth("po2_post", t0 + np.array([-5.0, 16.0, 60.0]))
    assert po2[1] >= po2[0] - 5 and po2[2] >= po2[0] - 5


def test_paco2_moves_within_a_circulation_time(case):
    course, t0 = case
    d = _pump_stop(course, t0, 300)
    p = d.truth("paco2", t0 + np.array([-5.0, 30.0, 60.0]))
    assert p[1] > p[0] + 0.2 and p[2] > p[1]
    assert p[2] - p[0] < 5  # the body's CO2 store: minutes, not seconds


def test_a_transfusion_does_not_make_sao2_jump(case):
    course, t0 = case
    d = _with(course, override("hb", 10.5, t0, 1.0))
    t = t0 + np.array([-5.0, 9.0, 15.0, 30.0, 600.0])
    s = d.truth("sao2", t)
    assert np.all(np.abs(s[1:4] - s[0]) < 1.5)
    assert s[4] > s[0]  # more delivery: a higher saturation over minutes


def test_a_failed_membrane_reads_venous_post_oxygenator_po2_with_noise_to_scale(case):
    """Post-oxygenator PO2 spans 15-600 mmHg: its sensor noise is a fraction of the reading,
    so a failed membrane's venous PO2 reads within a few mmHg of the blood's, never a fixed
    8 mmHg off (which put it below the venous PO2 the membrane is fed with)."""
    course, t0 = case
    failed = _with(course, injection(course.scenario, "oxygenator_failure", t0, severity=1.0))
    t = t0 + np.arange(15 * 60.0, 40 * 60.0, 20.0)
    shown, blood = failed.numeric("po2_post", t), failed.truth("po2_post", t)
    assert blood.max() < 40  # the premise: no O2 transfer left
    assert np.all(np.abs(shown - blood) <= 0.08 * blood + 0.5)
    working = t0 - 3600 + np.arange(0, 1800, 20.0)
    spread = course.numeric("po2_post", working) - course.truth("po2_post", working)
    assert 2.0 < np.std(spread) < 20.0  # a working membrane still reads with its noise
