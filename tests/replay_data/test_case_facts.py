"""Every numeric fact of the published case, asserted at its time.

The facts must hold under every noise seed: the case is what the trainee is taught, the
seed only changes the wobble around it. Quotes are checked against the report's text.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from replay_data.course import Course
from replay_data.scenario import REQUIRED_EVENTS, Scenario

SCENARIO_FILE = Path(__file__).resolve().parents[2] / "resources/scenarios/sle_dah_ecmo.toml"
DAY, HOUR, MINUTE = 86400.0, 3600.0, 60.0
ECMO_CHANNELS_MIN = {"ecmo_rpm", "ecmo_flow", "sweep_flow", "fdo2", "p_venous", "p_int",
                     "delta_p", "p_art", "svo2", "po2_post"}


@pytest.fixture(scope="module", params=[0, 1, 4242], ids=lambda s: f"seed{s}")
def course(request, case_scenario: Scenario) -> Course:
    return Course(case_scenario, seed=request.param)


@pytest.fixture(scope="module")
def ev(case_scenario: Scenario) -> dict[str, float]:
    return case_scenario.event_times


def _grid(t0: float, t1: float, step: float = 1.0) -> np.ndarray:
    """Every `step` seconds from t0, up to and including t1 when on the grid."""
    n = int(np.floor((t1 - t0) / step + 1e-9))
    t = t0 + step * np.arange(n + 1)
    assert t[-1] <= t1 and t1 - t[-1] < step
    return t


# ------------------------------------------------------------------ timeline


def test_required_events_exist(ev) -> None:
    assert set(REQUIRED_EVENTS) == {"admission", "sle_diagnosis", "intubation", "abg_pre_ecmo",
                                    "ecmo_start", "act_target_raised", "ecmo_end", "extubation"}
    for eid in REQUIRED_EVENTS:
        assert eid in ev, eid
    assert ev["admission"] == 0.0
    order = ["admission", "sle_diagnosis", "intubation", "abg_pre_ecmo", "ecmo_start",
             "act_target_raised", "ecmo_end", "extubation"]
    times = [ev[e] for e in order]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_event_durations(ev, case_scenario) -> None:
    # "On hospital day 10 ... a diagnosis of SLE was reached."
    assert 9 * DAY <= ev["sle_diagnosis"] < 10 * DAY
    # "ECMO was continued for 8 days."
    assert ev["ecmo_end"] - ev["ecmo_start"] == 8 * DAY
    # "extubated after 13 days of mechanical ventilation"
    assert ev["extubation"] - ev["intubation"] == 13 * DAY
    # "ACT ... between 140 and 160 seconds for 24 hours and then increased"
    assert ev["act_target_raised"] - ev["ecmo_start"] == 24 * HOUR
    assert case_scenario.start <= min(ev.values()) and max(ev.values()) <= case_scenario.end


def test_day_10_on_the_monitor_clock(ev) -> None:
    from replay_data.timeexpr import format_case_time

    assert format_case_time(ev["sle_diagnosis"]).startswith("Day 10 ")


# ------------------------------------------------------------------ before ECMO


def test_ventilator_at_the_pre_ecmo_abg(course, ev) -> None:
    t = ev["abg_pre_ecmo"]
    # "a fraction of inspired oxygen (FiO2) of 1.0, and 22 cmH2O of positive end-expiratory
    # pressure"
    assert course.numeric("fio2", t)[0] == 100
    assert course.numeric("peep", t)[0] == 22


def test_spo2_below_63_before_the_abg(course, ev) -> None:
    # "oxygen saturation was consistently below 63%", every second of the half hour before
    # the gas and on until the pump starts.
    t = _grid(ev["abg_pre_ecmo"] - 30 * MINUTE, ev["abg_pre_ecmo"])
    spo2 = course.numeric("spo2", t)
    assert np.all(np.isfinite(spo2))
    assert spo2.max() < 63
    t = _grid(ev["abg_pre_ecmo"], ev["ecmo_start"])
    spo2 = course.numeric("spo2", t)
    assert np.all(np.isfinite(spo2))
    assert spo2.max() < 63
    assert spo2.max() < 75


def test_spo2_below_63_under_many_seeds(case_scenario, ev) -> None:
    # The noise never lifts the pre-ECMO saturation to 63 %, whatever the seed (about 1 seed
    # in 15 did when the keyframe sat at 60 %).
    t = _grid(ev["abg_pre_ecmo"] - 30 * MINUTE, ev["ecmo_start"])
    highest = max(Course(case_scenario, seed).numeric("spo2", t).max() for seed in range(300))
    assert highest < 62.5  # so the monitor shows 62 at most


def test_spo2_display_before_ecmo(course, ev) -> None:
    spec = course.catalogue.numeric("spo2")
    t = _grid(ev["abg_pre_ecmo"] - 30 * MINUTE, ev["ecmo_start"], 10.0)
    shown = [int(spec.format(v)) for v in course.numeric("spo2", t)]
    assert max(shown) <= 62


def test_pre_ecmo_abg_exact(course, ev) -> None:
    t = ev["abg_pre_ecmo"]
    latest = course.latest_results(t)
    # "pH 7.22, PaCO2 41 mmHg, PaO2 48 mmHg, and O2 saturation of 73%"
    assert latest["ph"].value == 7.22
    assert latest["paco2"].value == 41
    assert latest["pao2"].value == 48
    assert latest["sao2"].value == 73
    for test in ("ph", "paco2", "pao2", "sao2"):
        assert latest[test].t == t
        assert latest[test].basis == "case"


def test_abg_not_visible_before_it_is_drawn(course, ev) -> None:
    t = ev["abg_pre_ecmo"]
    before = course.latest_results(t - 1)
    for test in ("ph", "paco2", "pao2", "sao2"):
        assert before[test].t < t  # an older gas, not the case's one
    assert all(r.t <= t - 1 for r in course.results_until(t - 1))
    assert not [r for r in course.results_until(t - 1) if r.t == t]
    at = {(r.test, r.t) for r in course.results_until(t)}
    assert {("ph", t), ("paco2", t), ("pao2", t), ("sao2", t)} <= at


def test_derived_indications_for_ecmo(course, ev) -> None:
    t = ev["abg_pre_ecmo"]
    latest = course.latest_results(t)
    fio2 = course.numeric("fio2", t)[0] / 100
    pf = latest["pao2"].value / fio2
    assert pf == 48 and pf < 100  # P/F ratio (indication: < 100)
    alveolar = fio2 * (760 - 47) - latest["paco2"].value / 0.8
    aa = alveolar - latest["pao2"].value
    assert aa == pytest.approx(614, abs=1) and aa > 600  # A-a gradient (indication: > 600)
    # Oximetry reads lower than the gas: two separate signals.
    assert course.numeric("spo2", t)[0] < 63 < latest["sao2"].value


def test_day_10_labs(course, ev) -> None:
    t = ev["sle_diagnosis"]
    assert not {"wbc", "hb", "platelets"} & set(course.latest_results(t - 1))
    latest = course.latest_results(t)
    # "white blood cell count of 2,740 ... hemoglobin count of 9.8 g/dL ... platelet count of
    # 70,000 cells/mm3" (platelets in 10^3/mm3)
    assert latest["wbc"].value == 2.74  # 10^3/uL, one convention with platelets
    assert latest["hb"].value == 9.8
    assert latest["platelets"].value == 70
    assert all(latest[k].t == t for k in ("wbc", "hb", "platelets"))


def test_vasopressor_before_ecmo(course, ev) -> None:
    # "required vasopressor infusion due to persistently low blood pressure"
    t = _grid(ev["vasopressor_start"], ev["ecmo_start"], MINUTE)
    norepi = course.numeric("norepinephrine_rate", t)
    assert np.all(norepi > 0)
    assert course.numeric("norepinephrine_rate", ev["abg_pre_ecmo"])[0] > 0
    mean = course.numeric("abp_mean", _grid(ev["abg_pre_ecmo"] - HOUR, ev["abg_pre_ecmo"], 10))
    assert mean.max() < 70  # low despite the pressor


# ------------------------------------------------------------------ ECMO


def test_ecmo_start_settings(course, ev) -> None:
    t = ev["ecmo_flow_target"] + MINUTE
    # "the oxygen fraction, sweep gas flow rate, and average flow rate of VV-ECMO were 100%,
    # 3.6 L/min, and 3.7 L/min"
    assert abs(course.numeric("ecmo_flow", t)[0] - 3.7) <= 0.2
    assert course.numeric("sweep_flow", t)[0] == 3.6
    assert course.numeric("fdo2", t)[0] == 100
    # The average flow over the first minutes at target is 3.7 to the displayed precision.
    flow = course.numeric("ecmo_flow", _grid(ev["ecmo_flow_target"], ev["ecmo_flow_target"]
                                             + 30 * MINUTE))
    assert abs(flow.mean() - 3.7) < 0.05


def test_spo2_over_99_after_ecmo_start(course, ev) -> None:
    # "saturation measured on pulse oximetry rose quickly to over 99%"
    t = _grid(ev["ecmo_start"] + 5 * MINUTE, ev["rest_ventilation"])
    spo2 = course.numeric("spo2", t)
    assert spo2.min() > 99.0
    spec = course.catalogue.numeric("spo2")
    assert min(int(spec.format(v)) for v in spo2) >= 99
    assert {spec.format(v) for v in spo2} == {"100"}


def test_ecmo_channels_only_while_on_ecmo(course, ev, case_scenario) -> None:
    ecmo = [c for c, spec in course.catalogue.numerics.items() if spec.group == "ecmo"]
    assert set(ecmo) >= ECMO_CHANNELS_MIN
    before = _grid(0, ev["ecmo_start"] - 1, 61.0)
    after = _grid(ev["ecmo_end"], case_scenario.end, 61.0)
    during = _grid(ev["ecmo_flow_target"], ev["ecmo_end"] - 1, 613.0)
    for ch in ecmo:
        assert np.all(np.isnan(course.numeric(ch, before))), ch
        assert np.isnan(course.numeric(ch, ev["ecmo_start"] - 0.001)[0]), ch
        assert np.all(np.isnan(course.numeric(ch, after))), ch
        assert np.all(np.isfinite(course.numeric(ch, during))), ch


def test_act_target_band(course, ev, case_scenario) -> None:
    # "ACT to between 140 and 160 seconds for 24 hours and then increased to maintain the ACT
    # between 180-200 seconds"
    first = _grid(ev["heparin_start"], ev["act_target_raised"] - 1, 60.0)
    first = np.append(first, ev["act_target_raised"] - 0.5)
    then = _grid(ev["act_target_raised"], ev["ecmo_end"] - 1, 60.0)
    then = np.append(then, ev["ecmo_end"] - 0.5)
    lo, hi = "act_target_low", "act_target_high"
    assert np.all(course.numeric(lo, first) == 140) and np.all(course.numeric(hi, first) == 160)
    assert np.all(course.numeric(lo, then) == 180) and np.all(course.numeric(hi, then) == 200)
    for ch in (lo, hi):
        assert np.all(np.isnan(course.numeric(ch, _grid(0, ev["heparin_start"] - 1, 600.0))))
        assert np.all(np.isnan(course.numeric(ch, _grid(ev["ecmo_end"], case_scenario.end,
                                                        600.0))))


def _draws(course: Course, test: str, t0: float, t1: float):
    return [r for r in course.results_until(t1) if r.test == test and t0 <= r.t <= t1]


def test_act_draws_follow_the_band(course, ev) -> None:
    acts = _draws(course, "act", ev["ecmo_start"], ev["ecmo_end"])
    assert len(acts) >= 90  # every 2 h for 8 days
    t = np.array([r.t for r in acts])
    value = np.array([r.value for r in acts])
    centre = (course.numeric("act_target_low", t) + course.numeric("act_target_high", t)) / 2
    assert np.all(np.isfinite(centre))
    near = np.abs(value - centre) <= 25
    assert near.mean() >= 0.9
    # The few outside are the hours after the target was raised, while heparin catches up.
    late = t[~near]
    assert np.all((late >= ev["act_target_raised"]) & (late < ev["act_target_raised"] + 8 * HOUR))
    first_day = value[t < ev["act_target_raised"]]
    assert first_day.size >= 11 and np.all(np.abs(first_day - 150) <= 25)


def test_aptt_draws(course, ev) -> None:
    # "The registered activated partial thromboplastin time fluctuated between 38-55 seconds."
    aptt = np.array([r.value for r in _draws(course, "aptt", ev["ecmo_start"], ev["ecmo_end"])])
    assert aptt.size >= 20
    assert aptt.min() >= 36 and aptt.max() <= 57
    assert 38 <= np.median(aptt) <= 55
    assert aptt.max() - aptt.min() >= 5  # it fluctuated


# ------------------------------------------------------------------ quotes


def _normalise(text: str, keep_hyphen: bool) -> str:
    """Join words hyphenated across line ends, then collapse whitespace."""
    text = re.sub(r"-[ \t]*\n\s*", "-" if keep_hyphen else "", text)
    return " ".join(text.split())


def _without_figure_captions(text: str) -> str:
    """The body text with 'Fig. N.' captions removed: the layout drops a caption into the
    middle of a sentence (the pre-ECMO ABG is split by the caption of Fig. 1)."""
    return re.sub(r"\n\s*\nFig\. \d+\.[^\n]*(?:\n(?![ \n])[^\n]*)*", "\n", text)


@pytest.fixture(scope="module")
def report_variants(case_report_text: str) -> list[str]:
    raw = case_report_text
    return [_normalise(body, keep) for body in (raw, _without_figure_captions(raw))
            for keep in (False, True)]


def _case_facts() -> list[tuple[str, str]]:
    """(where, quote) for every entry of the scenario file whose basis is 'case'."""
    doc = tomllib.loads(SCENARIO_FILE.read_text(encoding="utf-8"))
    out = []
    for section in ("events", "keyframes", "draws", "scheduled", "flag_periods"):
        for i, entry in enumerate(doc.get(section, [])):
            if entry.get("basis") == "case":
                out.append((f"{section}[{i}]", entry.get("quote", "")))
    for iid, entry in doc.get("injections", {}).items():
        if entry.get("basis") == "case":
            out.append((f"injections.{iid}", entry.get("quote", "")))
    return out


CASE_FACTS = _case_facts()


def test_case_facts_are_many() -> None:
    assert len(CASE_FACTS) >= 30


@pytest.mark.parametrize(("where", "quote"), CASE_FACTS, ids=[w for w, _ in CASE_FACTS])
def test_case_quote_is_in_the_report(report_variants, where: str, quote: str) -> None:
    assert quote.strip(), f"{where}: basis 'case' without a quote"
    parts = [" ".join(p.split()) for p in quote.split("...")]
    assert all(len(p) >= 10 for p in parts), f"{where}: quote fragment too short to check"
    for part in parts:
        assert any(part in text for text in report_variants), f"{where}: {part!r}"


def test_quote_check_is_not_lenient(report_variants) -> None:
    # A changed number or a paraphrase is caught.
    for fake in ("PaO2 49 mmHg", "ECMO was continued for 9 days.",
                 "saturation was consistently below 65%"):
        assert not any(fake in text for text in report_variants)


def test_loaded_provenance_matches_the_file(case_scenario) -> None:
    loaded = ([e.provenance for e in case_scenario.events]
              + [p for _, _, p in case_scenario.keyframe_provenance]
              + [d.provenance for d in case_scenario.draws]
              + [s.provenance for s in case_scenario.scheduled])
    quotes = {q for _, q in CASE_FACTS}
    case = [p for p in loaded if p.basis == "case"]
    assert case
    for p in case:
        assert p.quote in quotes
