"""The built-in scenarios beyond the SLE case: a second VV-ECMO case on a dual-lumen cannula
(influenza A ARDS, a teaching case on the EOLIA trial's criteria), its cannula-migration
drill, and a ward patient in septic shock without any circuit (a teaching case on the
Surviving Sepsis Campaign 2021 guideline).

Each loads, validates, replays its facts at their times under several noise seeds, and
can be seeked anywhere with the same values as a play from the start. None of them is a
published patient: no entry claims basis = "case".
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from case_support import case_course, scenario

from replay_data.course import Course
from replay_data.perturbations import injection
from replay_data.scenario import ROLES, Scenario, builtin_scenarios, load_scenario, scenario_title

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "resources" / "scenarios"
REPLAY_DATA = Path(sys.executable).with_name("replay-data")
FLU, DRILL, WARD = "influenza_ards_ecmo", "cannula_migration_day4", "ward_sepsis_pneumonia"
NEW = (FLU, DRILL, WARD)
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
ECMO_CHANNELS = ("ecmo_rpm", "ecmo_flow", "sweep_flow", "fdo2", "p_venous", "p_int", "delta_p",
                 "p_art", "svo2", "po2_post")
SEEDS = (0, 7, 4242)


@pytest.fixture(scope="module")
def flu() -> Scenario:
    return scenario(FLU)


@pytest.fixture(scope="module")
def ward() -> Scenario:
    return scenario(WARD)


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def flu_course(request, flu: Scenario) -> Course:
    return Course(flu, seed=request.param)


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def ward_course(request, ward: Scenario) -> Course:
    return Course(ward, seed=request.param)


def _at(course: Course, channel: str, t: float) -> float:
    return float(course.numeric(channel, np.array([t]))[0])


def _truth(course: Course, channel: str, t: float) -> float:
    """What a sample drawn then reads (no monitor noise)."""
    return float(course.truth(channel, np.array([t]))[0])


def _map(course: Course, t: np.ndarray) -> np.ndarray:
    """Mean arterial pressure from the keyframed pressures (no monitor noise)."""
    bp = course.true_inputs(("abp_sys", "abp_dia"), np.asarray(t, dtype=np.float64))
    return bp["abp_dia"] + (bp["abp_sys"] - bp["abp_dia"]) / 3.0


def _gas(sc: Scenario, t: float) -> dict[str, float]:
    """The exact values the scenario's draws report at t (test -> value)."""
    got = {d.test: d.exact for d in sc.draws if d.t == t and d.exact is not None}
    assert got, f"no exact draw at {t}"
    return {k: float(v) for k, v in got.items() if v is not None}


# ------------------------------------------------------------------ listed and loadable


def test_listed_as_builtins_with_titles() -> None:
    names = builtin_scenarios()
    assert set(NEW) <= set(names)
    for name in NEW:
        assert scenario_title(name), name
        assert (SCENARIOS / f"{name}.toml").is_file()


def test_drills_and_cases_told_apart() -> None:
    bases = {name: load_scenario(name).base for name in builtin_scenarios()}
    assert bases[FLU] == "" and bases[WARD] == ""  # cases
    assert bases[DRILL] == FLU
    assert bases["pump_stop_day2"] == bases["air_in_circuit_day2"] == "sle_dah_ecmo"
    for name, base in bases.items():  # every drill's base is a built-in case
        assert base == "" or bases[base] == "", name


@pytest.mark.parametrize("name", NEW)
def test_replay_data_validate_passes(name: str) -> None:
    path = SCENARIOS / f"{name}.toml"
    proc = subprocess.run([str(REPLAY_DATA), "validate", str(path)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{path}: OK (") and proc.stderr == ""


@pytest.mark.parametrize("name", NEW)
def test_loads_by_name_and_by_path_alike(name: str) -> None:
    by_name, by_path = load_scenario(name), load_scenario(SCENARIOS / f"{name}.toml")
    assert by_name.id == by_path.id == name
    assert by_name.events == by_path.events


@pytest.mark.parametrize("name", (FLU, WARD))
def test_no_entry_claims_a_case_report(name: str) -> None:
    """Teaching cases on a trial or a guideline: nothing may pose as a quoted case fact."""
    data = tomllib.loads((SCENARIOS / f"{name}.toml").read_text(encoding="utf-8"))

    def bases(node, path: str):
        if isinstance(node, dict):
            if "basis" in node:
                yield path, node["basis"], node
            for k, v in node.items():
                yield from bases(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from bases(v, f"{path}[{i}]")

    found = list(bases(data, name))
    assert len(found) > 30
    for path, basis, node in found:
        assert basis in ("derived", "assumed"), path
        if basis == "derived" and path.split(".")[1].split("[")[0] != "teaching":
            assert node.get("note") or node.get("quote"), path
    sc = load_scenario(name)
    assert all(e.provenance.basis != "case" for e in sc.events)


# ------------------------------------------------------------------ the influenza case


def test_flu_patient_circuit_and_roles(flu: Scenario) -> None:
    p = flu.patient
    assert (p.age, p.sex, p.height_cm, p.weight_kg) == (52, "male", 180, 98.0)
    assert p.pbw_kg == pytest.approx(75.1, abs=0.05)
    c = flu.circuit
    assert c is not None and c.mode == "VV"
    (cannula,) = c.cannulae  # one cannula does both jobs
    assert (cannula.role, cannula.size_fr, cannula.site) == (
        "dual_lumen", 31, "right internal jugular vein")
    assert "Avalon" in cannula.model
    assert c.cannula("drainage") is c.cannula("return") is cannula  # it does both
    assert c.pump.model == "Maquet Cardiohelp"
    # Its own event ids play the roles.
    assert dict(flu.roles) == {"admission": "presentation", "intubation": "rsi",
                               "extubation": "extubated", "cannulation": "avalon_insertion",
                               "ecmo_start": "pump_on", "ecmo_end": "decannulation"}
    assert set(flu.roles) == set(ROLES)
    assert flu.role_time("admission") == 0.0
    times = [flu.role_time(r) for r in ("admission", "intubation", "cannulation",
                                        "ecmo_start", "ecmo_end", "extubation")]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert flu.alarm_profile == "influenza_ards_ecmo"


def test_flu_timeline(flu: Scenario) -> None:
    ev = flu.event_times
    # 15 days of ECMO, EOLIA's median (derived), off the ventilator three days later.
    assert ev["decannulation"] - ev["pump_on"] == 15 * DAY
    assert ev["extubated"] - ev["decannulation"] == 3 * DAY
    # The P/F < 80 criterion held for more than 6 h before the decision.
    assert ev["abg_pre_ecmo"] - ev["abg_criteria_first"] > 6 * HOUR
    assert ev["avalon_insertion"] < ev["pump_on"] < ev["flow_at_target"]
    assert 18 * DAY < flu.end - flu.start < 25 * DAY  # days, not months


@pytest.mark.parametrize("event", ["abg_criteria_first", "abg_pre_ecmo"])
def test_flu_gases_at_their_draws(flu: Scenario, flu_course: Course, event: str) -> None:
    """The drawn gas is the model's blood at that moment, within a clinician's tolerance."""
    t = flu.event_times[event]
    gas = _gas(flu, t)
    assert _truth(flu_course, "pao2", t) == pytest.approx(gas["pao2"], abs=2.0)
    assert _truth(flu_course, "paco2", t) == pytest.approx(gas["paco2"], abs=2.0)
    assert _truth(flu_course, "ph", t) == pytest.approx(gas["ph"], abs=0.02)
    assert _truth(flu_course, "sao2", t) == pytest.approx(gas["sao2"], abs=1.5)
    # The draw reports its values exactly, at its time.
    got = {r.test: r.value for r in flu_course.results_until(t) if r.t == t}
    for test, value in gas.items():
        assert got[test] == pytest.approx(value), test


def test_flu_meets_the_eolia_entry_criteria(flu: Scenario, flu_course: Course) -> None:
    ev = flu.event_times
    first, pre = ev["abg_criteria_first"], ev["abg_pre_ecmo"]
    for t in (first, pre):
        fio2 = _at(flu_course, "fio2", t) / 100
        assert fio2 >= 0.8  # on FiO2 >= 0.8
        assert _at(flu_course, "peep", t) >= 10
        assert _gas(flu, t)["pao2"] / fio2 < 80  # P/F < 80 ...
    assert pre - first > 6 * HOUR  # ... for more than 6 h
    gas = _gas(flu, pre)
    assert gas["ph"] < 7.25 and gas["paco2"] >= 60  # and the hypercapnic criterion
    # The model's P/F stays below 80 all through those hours.
    t = np.arange(first, pre + 1, 10 * MINUTE)
    pf = flu_course.truth("pao2", t) / (flu_course.numeric("fio2", t) / 100)
    assert pf.max() < 80


def test_flu_spo2_rises_after_pump_on(flu: Scenario, flu_course: Course) -> None:
    t0 = flu.role_time("ecmo_start")
    assert t0 is not None
    before = _at(flu_course, "spo2", t0 - 5 * MINUTE)
    assert before < 85
    for t in np.arange(t0 - 30 * MINUTE, t0, MINUTE):
        assert np.isnan(_at(flu_course, "ecmo_flow", t))  # not cannulated before pump-on
    after = flu_course.numeric("spo2", t0 + np.arange(10, 120, 1.0) * MINUTE)
    assert after.min() >= 93 and after.mean() - before > 10
    assert _at(flu_course, "ecmo_flow", t0 + 10 * MINUTE) == pytest.approx(4.2, abs=0.3)
    # PaCO2 comes down over hours, not in minutes (sweep raised in steps).
    paco2 = flu_course.truth("paco2", t0 + np.array([0.0, 30, 120, 480]) * MINUTE)
    assert paco2[0] > 60 and paco2[-1] < 50 and paco2[1] > 45


def test_flu_rest_ventilation_follows_eolia_ecmo_arm(flu: Scenario, flu_course: Course) -> None:
    t = flu.event_times["ultraprotective"] + np.arange(30, 24 * 60, 30.0) * MINUTE
    pplat = flu_course.numeric("pplat", t)
    assert np.nanmax(pplat) <= 24.5
    rr = flu_course.numeric("rr", t)
    assert 10 <= np.nanmin(rr) and np.nanmax(rr) <= 30
    assert np.nanmin(flu_course.numeric("peep", t)) >= 10
    fio2 = flu_course.numeric("fio2", t)
    assert 30 <= np.nanmin(fio2) and np.nanmax(fio2) <= 60


def test_flu_decannulated_and_off_the_ventilator(flu: Scenario, flu_course: Course) -> None:
    ev = flu.event_times
    after = ev["decannulation"] + HOUR
    for ch in ECMO_CHANNELS:
        assert np.isnan(_at(flu_course, ch, after)), ch
    off = ev["extubated"] + HOUR
    assert np.isnan(_at(flu_course, "fio2", off)) and np.isnan(_at(flu_course, "peep", off))
    assert _at(flu_course, "spo2", off) > 92
    assert flu_course.mode("oxygen_device", off).startswith("Tracheostomy mask")


def test_flu_cannula_migration_is_recirculation(flu: Scenario) -> None:
    base = case_course(FLU)
    t0 = flu.event_times["pump_on"] + 1 * DAY + 8 * HOUR
    course = base.with_perturbations([injection(flu, "cannula_migration", t0, duration=900)])
    t = t0 + np.array([-60.0, 300.0, 600.0])
    spo2, svo2, flow = (course.numeric(c, t, measured=False) for c in ("spo2", "svo2",
                                                                       "ecmo_flow"))
    rec = course.numeric("recirculation", t)
    assert rec[0] == pytest.approx(0.05) and rec[2] == pytest.approx(0.4625, abs=0.01)
    assert spo2[0] > 92 and spo2[2] < spo2[0] - 8  # SpO2 falls ...
    assert abs(flow[2] - flow[0]) < 0.4  # ... with the pump flow nearly unchanged
    assert svo2[2] > svo2[0] + 5  # and the drainage saturation rises
    assert course.numeric("p_venous", t, measured=False)[2] < -80
    # After the injection the patient comes back.
    late = course.numeric("spo2", np.array([t0 + 900 + 600.0]), measured=False)[0]
    assert late > 92


def test_drill_loads_over_its_base(flu: Scenario) -> None:
    drill = scenario(DRILL)
    assert (drill.id, drill.base) == (DRILL, FLU)
    assert drill.default_start == flu.event_times["pump_on"] + 1 * DAY + 8 * HOUR
    (migration,) = [s for s in drill.scheduled if s.injection == "cannula_migration"]
    assert migration.t == drill.default_start + 4 * MINUTE
    assert migration.duration == 15 * MINUTE and migration.severity == 0.75
    # The case's data is the base's, not a copy.
    assert repr(drill.numeric_keyframes) == repr(flu.numeric_keyframes)
    assert drill.events == flu.events and drill.patient == flu.patient
    assert drill.circuit == flu.circuit and drill.roles == flu.roles
    assert drill.briefing.case_stem.startswith("ICU, hospital day 4, 20:10")
    assert len(drill.briefing.objectives) >= 3 and drill.briefing.debrief_prompts
    within = {e.id: e.within for e in drill.injections["cannula_migration"].expected}
    assert within == {"fio2": 90.0, "fdo2": 120.0}
    # Played, the drill's own schedule brings the migration in.
    course = Course(drill, seed=0)
    t = migration.t + np.array([-30.0, 8 * MINUTE])
    spo2 = course.numeric("spo2", t, measured=False)
    assert spo2[0] > 92 and spo2[1] < 85


# ------------------------------------------------------------------ the ward case


def test_ward_has_no_circuit_and_no_ecmo(ward: Scenario, ward_course: Course) -> None:
    assert ward.circuit is None
    assert dict(ward.roles) == {"admission": "admission"}
    for role in ("cannulation", "ecmo_start", "ecmo_end", "intubation", "extubation"):
        assert ward.role_time(role) is None
    assert not set(ward.numeric_keyframes) & set(ECMO_CHANNELS)
    for spec in ward.injections.values():
        for e in spec.effects:
            assert e.channel not in ECMO_CHANNELS, spec.id
    t = np.arange(ward.start, ward.end + 1, 5 * MINUTE)
    for ch in ECMO_CHANNELS + ("fio2", "peep"):
        assert np.all(np.isnan(ward_course.numeric(ch, t))), ch
    # No ventilator: no end-tidal CO2, no ventilator numerics.
    assert np.all(np.isnan(ward_course.numeric("etco2", t)))
    assert np.all(np.isnan(ward_course.numeric("pplat", t)))
    assert ward.alarm_profile == "adult_icu"
    assert 6 * HOUR <= ward.end - ward.start <= 12 * HOUR  # a few hours


def test_ward_oxygen_by_mask(ward: Scenario, ward_course: Course) -> None:
    ev = ward.event_times
    assert ward_course.mode("oxygen_device", 10 * MINUTE) == "Venturi mask 35 %"
    assert _at(ward_course, "fio2_ward", 10 * MINUTE) == 35
    later = ev["reservoir_mask"] + 30 * MINUTE
    assert ward_course.mode("oxygen_device", later).startswith("Non-rebreather")
    assert _at(ward_course, "fio2_ward", later) == 60
    assert 91 <= _at(ward_course, "spo2", ev["obs_round"]) <= 96


def test_ward_map_below_65_before_treatment(ward: Scenario, ward_course: Course) -> None:
    ev = ward.event_times
    assert np.all(_map(ward_course, np.array([0.0, ev["obs_round"]])) > 70)  # compensated
    # Hypotensive from the deterioration until the norepinephrine works.
    t = np.arange(ev["fluids_start"], ev["norepinephrine_start"], MINUTE)
    truth = _map(ward_course, t)
    assert truth[0] < 65
    assert truth[np.searchsorted(t, ev["outreach_review"])] < 60
    assert _at(ward_course, "norepinephrine_rate", ev["norepinephrine_start"] - MINUTE) == 0
    # At the SSC 2021 target 30 min after norepinephrine.
    after = ev["norepinephrine_start"] + np.arange(30, 90, 5.0) * MINUTE
    assert _map(ward_course, after).min() >= 65
    assert _at(ward_course, "norepinephrine_rate", after[0]) > 0


def test_ward_fluids_are_30_ml_per_kg_within_3_h(ward: Scenario) -> None:
    ev = ward.event_times
    assert ward.patient.weight_kg == 80.0
    assert "2400 mL" in ward.event("fluids_start").label  # 30 mL/kg x 80 kg
    assert ev["fluids_done"] - ev["fluids_start"] <= 3 * HOUR
    assert ev["antibiotics"] - ev["sepsis_call"] <= HOUR


def test_ward_lactate_and_gas(ward: Scenario, ward_course: Course) -> None:
    ev = ward.event_times
    t = ev["lactate_first"]
    gas = _gas(ward, t)
    assert gas["lactate"] >= 4  # hypoperfusion (SSC 2021)
    assert _truth(ward_course, "pao2", t) == pytest.approx(gas["pao2"], abs=2.0)
    assert _truth(ward_course, "paco2", t) == pytest.approx(gas["paco2"], abs=2.0)
    assert _truth(ward_course, "ph", t) == pytest.approx(gas["ph"], abs=0.02)
    lactates = [r for r in ward_course.results_until(ward.end) if r.test == "lactate"]
    first_high = next(r for r in lactates if r.t == t)
    assert first_high.value == pytest.approx(4.1)
    repeat = next(r for r in lactates if r.t == ev["lactate_repeat"])
    assert repeat.value == pytest.approx(3.0) and repeat.value < first_high.value
    assert lactates[-1].value < 4


def test_ward_qsofa_at_the_deterioration(ward: Scenario, ward_course: Course) -> None:
    t = ward.event_times["deterioration"]
    assert _at(ward_course, "rr", t) >= 22
    assert ward_course.true_inputs(("abp_sys",), np.array([t]))["abp_sys"][0] <= 100


def test_ward_injections(ward: Scenario) -> None:
    base = case_course(WARD)
    t0 = ward.event_times["obs_round"]
    probe = base.with_perturbations([injection(ward, "spo2_probe_off", t0)])
    t = t0 + np.array([-5.0, 10.0, 70.0])
    spo2 = probe.numeric("spo2", t)
    assert np.isfinite(spo2[0]) and np.isnan(spo2[1]) and np.isfinite(spo2[2])
    assert probe.flags(t)["spo2_probe_off"].tolist() == [False, True, False]
    low = base.with_perturbations([injection(ward, "hypotension", t0)])
    tt = np.array([t0 + 5 * MINUTE])
    assert (low.true_inputs(("abp_sys",), tt)["abp_sys"][0]
            < base.true_inputs(("abp_sys",), tt)["abp_sys"][0] - 25)
    plug = base.with_perturbations([injection(ward, "mucus_plug", t0)])
    tt = np.array([t0 + 4 * MINUTE])
    assert (plug.numeric("spo2", tt, measured=False)[0]
            < base.numeric("spo2", tt, measured=False)[0] - 4)


# ------------------------------------------------------------------ seek equals play


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-for-bit equal, NaN where the other is NaN."""
    return bool(np.array_equal(a, b, equal_nan=True))


@pytest.mark.parametrize(("name", "wheres"), [
    (FLU, ["presentation+1h", "abg_pre_ecmo", "pump_on+2m", "pump_on+1d8h", "decannulation",
           "extubated+1h"]),
    (DRILL, ["pump_on+1d8h4m", "pump_on+1d8h10m"]),
    (WARD, ["admission", "deterioration", "outreach_review", "norepinephrine_start+20m"]),
])
def test_seek_equals_play(name: str, wheres: list[str]) -> None:
    """A window computed on its own (a seek) equals the same slice of one long play."""
    course = case_course(name)
    sc = course.scenario
    channels = course.catalogue.measured_numerics
    for where in wheres:
        t0 = sc.resolve(where)
        play = np.arange(max(sc.start, t0 - 2 * HOUR), min(sc.end, t0 + 20 * MINUTE), 3.0)
        long_values = course.numerics(channels, play)
        i = int(np.searchsorted(play, t0))
        seek_course = Course(sc, seed=0)  # a fresh course: nothing cached
        window = play[i:i + 200]
        seek = seek_course.numerics(channels, window)
        for ch in channels:
            assert _same(seek[ch], long_values[ch][i:i + 200]), (name, where, ch)
        single = seek_course.sample(float(play[i]))
        for ch in channels:
            assert _same(np.array([single.values[ch]]), long_values[ch][i:i + 1]), (where, ch)
