"""The ventilator reads the patient from the scenario: predicted body weight from sex and
height (ARDSNet), and the lung's compliance and resistance as keyframeable inputs with
the catalogue's defaults. Checked as a user would: edit a copy of the built-in case and
read the numbers the ventilator shows."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from case_support import case_course

from replay_data import controls
from replay_data.controls import control_perturbation, lung_compliance
from replay_data.course import Course
from replay_data.lung_mechanics import inspiratory_time, pc_volume
from replay_data.perturbations import override
from replay_data.scenario import Patient, load_scenario

SCENARIO_FILE = Path(__file__).resolve().parents[2] / "resources/scenarios/sle_dah_ecmo.toml"
CASE = case_course()
SC = CASE.scenario
# The built-in case describes its lung (lung_compliance keyframed from intubation); the
# same case without those keyframes is a scenario whose tidal volume says what the lung is.
COURSE = Course(replace(SC, numeric_keyframes={
    k: v for k, v in SC.numeric_keyframes.items()
    if k not in ("lung_compliance", "airway_resistance")}))
T = SC.resolve("ecmo_start+1d")  # on the ventilator, PC, rest settings
VENT = ["vt", "vt_per_kg", "ppeak", "pplat", "driving_pressure", "mv", "compliance"]


def copy_of_case(tmp_path: Path, edit) -> Course:
    """The course of a copy of the built-in case file, edited as text."""
    path = tmp_path / "copy.toml"
    path.write_text(edit(SCENARIO_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    return Course(load_scenario(path))


def at(course: Course, t: float, channels=VENT) -> dict[str, float]:
    return {c: float(v[0]) for c, v in course.numerics(channels, [t]).items()}


def ardsnet(sex: str, height_cm: float) -> float:
    """ARDS Network, NEJM 2000; 342:1301: 50 (men) or 45.5 (women) + 0.91 (cm - 152.4)."""
    return (50.0 if sex == "male" else 45.5) + 0.91 * (height_cm - 152.4)


# ------------------------------------------------------------------ predicted body weight


def test_the_constant_is_gone_and_the_case_weight_is_its_height_and_sex():
    assert not hasattr(controls, "PBW_KG")
    assert SC.patient.sex == "female" and SC.patient.height_cm == 170
    assert SC.patient.pbw_kg == pytest.approx(61.516)
    v = at(COURSE, T)
    assert v["vt_per_kg"] == pytest.approx(v["vt"] / ardsnet("female", 170), rel=1e-9)


@pytest.mark.parametrize("edit, sex, height", [
    (lambda s: s.replace("height_cm = 170", "height_cm = 180"), "female", 180),
    (lambda s: s.replace("height_cm = 170", "height_cm = 155"), "female", 155),
    (lambda s: s.replace('sex = "female"', 'sex = "male"'), "male", 170),
])
def test_vt_per_kg_follows_the_file_as_ardsnet_says(tmp_path, edit, sex, height):
    course = copy_of_case(tmp_path, edit)
    assert course.scenario.patient.pbw_kg == pytest.approx(ardsnet(sex, height))
    mine, case = at(course, T), at(CASE, T)
    # The same breath (the lung does not depend on the height here), a different weight.
    assert mine["vt"] == pytest.approx(case["vt"], abs=1e-9)
    assert mine["vt_per_kg"] == pytest.approx(case["vt"] / ardsnet(sex, height), rel=1e-9)
    # Taller (or male) -> heavier predicted weight -> fewer mL/kg for the same volume.
    assert (mine["vt_per_kg"] < case["vt_per_kg"]) == (ardsnet(sex, height) > 61.516)


@pytest.mark.parametrize("patient", [
    Patient(age=43, sex="female"),  # no height
    Patient(age=43, sex="unknown", height_cm=170),  # no sex to apply the formula to
])
def test_no_height_or_sex_gives_no_per_kg_number_never_a_made_up_one(patient):
    course = Course(replace(SC, patient=patient))
    v = at(course, T)
    assert math.isnan(v["vt_per_kg"])
    assert course.catalogue.numerics["vt_per_kg"].format(v["vt_per_kg"]) == "---"
    assert all(math.isfinite(v[c]) for c in VENT if c != "vt_per_kg")
    assert v["vt"] == pytest.approx(at(CASE, T)["vt"])
    s = course.sample(T)  # the monitor's whole sample still builds
    assert math.isnan(s.values["vt_per_kg"]) and math.isfinite(s.values["spo2"])


# ------------------------------------------------------------------ the lung's channels


def test_lung_mechanics_are_input_channels_with_catalogue_defaults():
    cat = COURSE.catalogue
    c, r = cat.numerics["lung_compliance"], cat.numerics["airway_resistance"]
    assert c.group == r.group == "inputs" and c.keyframed and r.keyframed
    assert (c.unit, c.default, c.limits) == ("mL/cmH2O", 18.0, (5.0, 120.0))
    assert (r.unit, r.default, r.limits) == ("cmH2O/L/s", 15.0, (2.0, 60.0))
    # A case that keyframes neither: the defaults are the lung at every time, also
    # before admission's first keyframe of anything else.
    t = np.array([0.0, SC.resolve("abg_pre_ecmo"), T, SC.end])
    got = COURSE.true_inputs(["lung_compliance", "airway_resistance"], t)
    assert np.all(got["lung_compliance"] == 18.0) and np.all(got["airway_resistance"] == 15.0)
    assert np.all(COURSE.numeric("lung_compliance", t) == 18.0)
    # The built-in case keyframes its lung: the defaults before intubation, then its own.
    assert CASE.true_inputs(["lung_compliance"], t[:1])["lung_compliance"][0] == 18.0
    assert CASE.true_inputs(["lung_compliance"], t[-1:])["lung_compliance"][0] > 40.0


def test_volume_control_uses_the_lungs_compliance_and_resistance():
    mode = control_perturbation(COURSE, "control.vent.mode", 1, T, "ac")
    vt = control_perturbation(COURSE.with_perturbations([mode]), "control.vent.vt", 400,
                              T + 1, "vt")
    ac = COURSE.with_perturbations([mode, vt])
    stiff = ac.with_perturbations([mode, vt, override("lung_compliance", 9.0, T + 2, 0.0),
                                   override("airway_resistance", 30.0, T + 2, 0.0)])
    a, b = at(ac, T + 10), at(stiff, T + 10)
    assert a["vt"] == b["vt"] == pytest.approx(400)
    assert a["compliance"] == pytest.approx(18.0) and b["compliance"] == pytest.approx(9.0)
    assert a["driving_pressure"] == pytest.approx(400 / 18.0)
    assert b["driving_pressure"] == pytest.approx(400 / 9.0)  # half the compliance: twice
    # The resistive part of the peak, R Vt / Ti, doubles with the resistance.
    ti = float(inspiratory_time(at(ac, T + 10, ["rr"])["rr"], 2.0))
    assert a["ppeak"] - a["pplat"] == pytest.approx(15.0 * 0.4 / ti, abs=1e-6)
    assert b["ppeak"] - b["pplat"] == pytest.approx(30.0 * 0.4 / ti, abs=1e-6)


def test_a_stiffer_lung_takes_less_in_pressure_control_when_the_scenario_keeps_its_vt():
    """A case that gives the tidal volume, not the lung: an override that halves the
    compliance halves the lung the scenario's volume implies, and the pressure-controlled
    breath takes what that lung takes; before the override nothing changes."""
    t0 = T + 100
    stiff = COURSE.with_perturbations([override("lung_compliance", 9.0, t0, 0.0)])
    before, after = at(stiff, t0 - 1), at(stiff, t0 + 10)
    assert before == at(COURSE, t0 - 1)
    case = at(COURSE, t0 + 10)
    s = controls.vent_settings(COURSE, np.array([t0 + 10]))
    ti = inspiratory_time(s["control.vent.rr"], s["control.vent.ie"])
    expect = float(pc_volume(s["control.vent.pinsp"], ti, case["compliance"] / 2, 15.0)[0])
    assert after["vt"] == pytest.approx(expect, rel=1e-6)
    assert after["vt"] < 0.6 * case["vt"]
    assert after["compliance"] == pytest.approx(case["compliance"] / 2, rel=1e-6)
    assert after["ppeak"] == case["ppeak"]  # the knob did not move
    # The model ventilates with it: less alveolar ventilation, more CO2 an hour on.
    assert stiff.truth("paco2", [t0 + 3600])[0] > COURSE.truth("paco2", [t0 + 3600])[0]
    # A new Pinsp made while the lung is stiff: the volume of the stiff lung, not twice.
    knob = control_perturbation(stiff, "control.vent.pinsp", 25, t0 + 20, "p")
    turned = stiff.with_perturbations([stiff.perturbations[0], knob])
    v = at(turned, t0 + 30)
    # The case's lung when the knob turned, halved (a setting holds the volume it gives).
    lung = at(COURSE, t0 + 20)["compliance"] / 2
    assert v["vt"] == pytest.approx(float(pc_volume(25, ti, lung, 15.0)[0]), rel=1e-6)
    assert lung_compliance(turned, t0 + 30) == pytest.approx(lung, rel=1e-6)


LUNG_KEYFRAMES = """
[[keyframes]]
t = "ecmo_start"
basis = "assumed"
note = "Test copy: the lung as data."
values = { lung_compliance = 18, airway_resistance = 15 }

[[keyframes]]
t = "ecmo_start+6h"
basis = "assumed"
values = { lung_compliance = 18 }

[[keyframes]]
t = "ecmo_start+12h"
basis = "assumed"
note = "Stiffer: more bleeding into the alveoli."
values = { lung_compliance = 10 }

[[keyframes]]
t = "ecmo_start+30h"
basis = "assumed"
note = "Recovered."
values = { lung_compliance = 18 }
"""


@pytest.fixture(scope="module")
def lung_course(tmp_path_factory) -> Course:
    path = tmp_path_factory.mktemp("lung") / "lung.toml"
    path.write_text(SCENARIO_FILE.read_text(encoding="utf-8") + LUNG_KEYFRAMES,
                    encoding="utf-8")
    return Course(load_scenario(path))


def test_a_keyframed_lung_stiffens_and_recovers_and_the_breath_follows(lung_course):
    """Between two tidal-volume keyframes the scenario's Pinsp holds (set for the
    volume at the last one, rest_ventilation+10m: 198 mL in an 18 mL/cmH2O lung); as the
    keyframed compliance falls to 10 the same pressure gives less volume, Vt = C Pinsp
    (1 - exp(-Ti / RC)), and it comes back as the lung recovers."""
    c = lung_course
    ev = {k: c.scenario.resolve(f"ecmo_start+{k}") for k in ("5h", "12h", "30h")}
    v = {k: at(c, t) for k, t in ev.items()}
    s = controls.vent_settings(c, np.array([ev["12h"]]))
    pinsp = float(s["control.vent.pinsp"][0])
    ti = float(inspiratory_time(s["control.vent.rr"], s["control.vent.ie"])[0])
    assert pinsp == float(controls.vent_settings(c, np.array([ev["5h"]]))[
        "control.vent.pinsp"][0])  # the knob held
    assert v["5h"]["vt"] == pytest.approx(198, abs=8)  # what the knob was set for
    assert v["12h"]["vt"] == pytest.approx(float(pc_volume(pinsp, ti, 10.0, 15.0)), rel=1e-6)
    assert v["12h"]["vt"] < 0.7 * v["5h"]["vt"]
    assert v["30h"]["vt"] == pytest.approx(v["5h"]["vt"], rel=1e-9)
    assert v["12h"]["compliance"] == pytest.approx(10.0, rel=1e-6)
    peep = {k: at(c, t, ["peep"])["peep"] for k, t in ev.items()}
    assert v["12h"]["ppeak"] - peep["12h"] == v["5h"]["ppeak"] - peep["5h"] == pinsp
    assert v["12h"]["driving_pressure"] == pytest.approx(v["12h"]["vt"] / 10.0, rel=1e-6)
    # The gas-exchange model ventilates with the lung's volume: the input it reads is the
    # ventilator's Vt, and less of it leaves more CO2 than the built-in case has then.
    assert c.true_inputs(["tidal_volume"], [ev["12h"]])["tidal_volume"][0] == pytest.approx(
        v["12h"]["vt"])
    assert c.truth("paco2", [ev["12h"]])[0] > CASE.truth("paco2", [ev["12h"]])[0] + 0.5
    assert c.truth("paco2", [ev["12h"]])[0] > c.truth("paco2", [ev["5h"]])[0]


def test_the_keyframed_lung_answers_the_teams_pinsp_and_seek_equals_play(lung_course):
    c = lung_course
    t0 = c.scenario.resolve("ecmo_start+12h")
    knob = control_perturbation(c, "control.vent.pinsp", 30, t0, "p")
    turned = c.with_perturbations([knob])
    s = controls.vent_settings(turned, np.array([t0 + 60]))
    ti = float(inspiratory_time(s["control.vent.rr"], s["control.vent.ie"])[0])
    lung = c.true_inputs(["lung_compliance"], [t0 + 60])["lung_compliance"][0]
    assert lung == pytest.approx(10.0, abs=0.01)  # recovering from 10 towards 18
    assert at(turned, t0 + 60)["vt"] == pytest.approx(float(pc_volume(30, ti, lung, 15.0)),
                                                      rel=1e-6)
    # Values are a pure function of t: one time alone equals the same time in a grid.
    grid = t0 - 600 + 30.0 * np.arange(41)
    many = turned.numerics(["vt", "paco2", "spo2"], grid)
    for k in (0, 17, 40):
        one = turned.numerics(["vt", "paco2", "spo2"], [grid[k]])
        assert all(one[ch][0] == many[ch][k] for ch in one)


def test_the_built_in_case_facts_stand_with_the_lung_as_data(lung_course):
    """The copy's lung is data from ECMO start on; before it the defaults are the lung, so
    the pre-ECMO blood gas is the case's still."""
    t = lung_course.scenario.resolve("abg_pre_ecmo")
    got = {k: lung_course.truth(k, [t])[0] for k in ("ph", "paco2", "pao2", "sao2")}
    assert got["ph"] == pytest.approx(7.22, abs=0.02)
    assert got["paco2"] == pytest.approx(41, abs=1.5)
    assert got["pao2"] == pytest.approx(48, abs=1.5)
    assert got["sao2"] == pytest.approx(73, abs=1.0)


def test_the_catalogue_refuses_a_default_outside_the_physical_range():
    from replay_data.catalogue import CATALOGUE_FILE, parse_catalogue
    from replay_data.errors import ScenarioError
    from replay_data.toml_reader import read_toml_resource

    raw = read_toml_resource("resources.catalogue", CATALOGUE_FILE, "catalogue").data
    lung = {**raw["numeric"]["lung_compliance"], "default": 500}
    with pytest.raises(ScenarioError, match="default"):
        parse_catalogue({**raw, "numeric": {**raw["numeric"], "lung_compliance": lung}})
    # And a default is for an input: a model output has its value from the model.
    spo2 = {**raw["numeric"]["spo2"], "default": 90}
    with pytest.raises(ScenarioError, match="default"):
        parse_catalogue({**raw, "numeric": {**raw["numeric"], "spo2": spo2}})
