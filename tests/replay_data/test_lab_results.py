"""Intermittent results (replay_data.lab_results): drawn values are a function of the seed,
and the latest ACT is held between draws as the bedside shows it."""

from __future__ import annotations

import numpy as np

from replay_data.course import ACT_LATEST, Course


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-for-bit equal, NaN where the other is NaN."""
    return np.array_equal(a, b, equal_nan=True)


def test_other_seed_other_sampled_results(case_scenario) -> None:
    a = Course(case_scenario, 0).results_until(case_scenario.end)
    b = Course(case_scenario, 1).results_until(case_scenario.end)
    assert [(r.t, r.test) for r in a] == [(r.t, r.test) for r in b]
    sampled = [(x.value, y.value) for x, y in zip(a, b) if x.basis == "assumed"]
    assert len(sampled) > 100
    assert sum(x != y for x, y in sampled) > len(sampled) / 2


def test_latest_act_is_held_between_draws(case_course, case_scenario) -> None:
    ev = case_scenario.event_times
    baseline = case_course.latest_result("act", ev["ecmo_start"])  # at pump-on
    assert baseline is not None and baseline.t == ev["ecmo_start"]
    assert np.isnan(case_course.sample(ev["ecmo_start"] - 1).values[ACT_LATEST])
    first_act = ev["ecmo_start"] + 3600  # bedside ACT every 2 h from ECMO start + 1 h
    assert case_course.sample(first_act - 1).values[ACT_LATEST] == baseline.value
    drawn = case_course.latest_result("act", first_act)
    assert drawn is not None and drawn.t == first_act
    held = case_course.sample(first_act + 7199).values[ACT_LATEST]
    assert held == drawn.value
    grid = np.array([first_act - 1, first_act, first_act + 7199, first_act + 7200])
    values, _ = case_course.sample_grid(grid)
    nxt = case_course.latest_result("act", first_act + 7200)
    assert _same(values[ACT_LATEST], np.array([baseline.value, drawn.value, drawn.value,
                                               nxt.value]))
