"""The states with a history (O2 and CO2 stores, the membrane gas phase, the hypoxic
heart) computed the fast way (replay_data.physiology.lags.Windowed: closed forms where
nothing changes, one drive evaluation for many intervals) against stepping every knot,
and a seek anywhere against the whole course (docs/model.md, "Integration")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from replay_data.course import Course
from replay_data.perturbations import injection
from replay_data.physiology import hypoxia
from replay_data.physiology.coefficients import load_coefficients
from replay_data.physiology.lags import run_knots, run_switched

HX = load_coefficients().hypoxia


def stepped_switched(u1, tau1, u2, tau2, th, step):
    """The two-regime lag stepped knot by knot, written out plainly."""
    cur = u1[0] if u1[0] >= th[0] else u2[0]
    y, u, tau = [], [], []
    for k in range(u1.size):
        y.append(cur)
        uk, tk = (u1[k], tau1[k]) if cur >= th[k] else (u2[k], tau2[k])
        u.append(uk)
        tau.append(tk)
        cur = uk + (cur - uk) * math.exp(-step / tk)
    return np.array(y), np.array(u), np.array(tau)


def stepped_heart(ratio, step, c):
    """The hypoxic heart stepped knot by knot (hypoxia.py's rules, written out plainly)."""
    decay = math.exp(-step / c.recovery)
    gain = c.recovery / c.accumulation * (1.0 - decay)
    cur, down, t_down, dead = 0.0, False, math.nan, False
    load, arrested, onset = [], [], []
    for k, r in enumerate(ratio.tolist()):
        load.append(cur)
        arrested.append(down)
        onset.append(t_down)
        if down:
            restored = r >= 1.0 and not dead
            if not restored and k * step - t_down > c.reversible_for:
                dead = True
            h = 0.0 if restored else 1.0
        else:
            x = min(max((cur - c.bradycardia_from) / (c.arrest_at - c.bradycardia_from),
                        0.0), 1.0)
            delivered = r * (1.0 - c.output_loss_at_arrest * x) if r < 1.0 else 1.0
            h = min(max((1.0 - delivered) / c.full_debt_ratio, 0.0), 1.0)
        cur = cur * decay + h * gain
        if down and not dead and cur < c.rosc_below:
            down, t_down = False, math.nan
        elif not down and cur >= c.arrest_at:
            down, t_down = True, (k + 1) * step
    return np.array(load), np.array(arrested), np.array(onset)


def test_a_store_crossing_its_critical_level_matches_stepping_every_knot():
    # Venous state falling through the critical delivery and back, twice, then chattering
    # on it (more regime changes than are followed with array operations).
    n = 3000
    k = np.arange(n)
    u1 = np.where((k // 400) % 2 == 1, 0.2, 0.75)
    u2 = u1 + 0.05
    th = np.full(n, 0.45)
    th[2200:] = np.where(k[2200:] % 2 == 0, 0.4, 0.8)  # chattering
    tau1 = np.full(n, 60.0) + k % 7
    tau2 = np.full(n, 90.0)
    got = run_switched(u1, tau1, u2, tau2, th, 10.0)
    want = stepped_switched(u1, tau1, u2, tau2, th, 10.0)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)
    assert (got[1] == u2).sum() > 100  # the second regime was taken


def test_a_held_drive_stepped_by_runs_matches_stepping_every_knot():
    u = np.repeat([400.0, 150.0, 150.0, 600.0], [50, 1, 300, 500])
    tau = np.repeat([1.6, 40.0, 300.0, 1.6], [50, 1, 300, 500])
    by_knot = run_knots(u, tau, 3.0, 400.0)
    starts = np.flatnonzero(np.r_[True, (u[1:] != u[:-1]) | (tau[1:] != tau[:-1])])
    by_run = run_knots(u[starts], tau[starts], np.diff(np.r_[starts, u.size]) * 3.0, 400.0)
    np.testing.assert_allclose(by_run, by_knot[starts], rtol=1e-12)


@pytest.mark.parametrize("restored_after", [480, 780, 1500, None])
def test_the_heart_in_closed_form_matches_stepping_every_knot(restored_after):
    # Delivery ratio at 10 s knots: adequate, a circuit stop (ratio 0.35) for a while,
    # then adequate again (or never, None); a short dip far from it.
    step = 10.0
    n = 2161
    ratio = np.full(n, 1.3)
    stop_end = n if restored_after is None else 300 + restored_after // 10
    ratio[300:stop_end] = 0.35
    ratio[1900:1910] = 0.9
    got = hypoxia.run_heart(ratio, step, HX)
    want = stepped_heart(ratio, step, HX)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-11, atol=1e-12)
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[2], want[2])
    assert got[1].any()  # it arrested


@pytest.fixture(scope="module")
def arrests(case_scenario) -> dict[str, Course]:
    base = Course(case_scenario, seed=2)
    t0 = case_scenario.resolve("ecmo_start+1d")
    return {name: base.with_perturbations([injection(case_scenario, "pump_stop", t0,
                                                     duration=d)])
            for name, d in (("rosc", 780), ("no recovery", 1500))} | {"none": base}


@pytest.mark.parametrize("name", ["none", "rosc", "no recovery"])
def test_a_seek_anywhere_equals_the_whole_course(arrests, name):
    """Vitals and gases a clinician reads at random times, each computed in a fresh course
    (a cold seek), equal the whole-course trend's values bit for bit: the arrest, its
    recovery and the stores are the same wherever the replay starts."""
    course = arrests[name]
    sc = course.scenario
    t0 = sc.resolve("ecmo_start+1d")
    grid = np.r_[np.arange(sc.start, sc.end, 60.0), t0 + np.arange(-600.0, 3600.0, 7.0)]
    grid = np.unique(grid)
    shown = ["hr", "abp_mean", "spo2", "svo2", "paco2", "pao2", "po2_post", "etco2"]
    whole = {c: course.truth(c, grid) for c in shown}
    heart = course.model.heart_state(grid)
    rng = np.random.default_rng(7)
    near = np.flatnonzero((grid > t0 - 60) & (grid < t0 + 3600))
    picks = np.r_[rng.choice(grid.size, 12, replace=False), rng.choice(near, 12, replace=False)]
    for i in picks:
        fresh = Course(sc, course.seed, course.perturbations)
        t = grid[i:i + 1]
        for c in shown:
            assert np.array_equal(fresh.truth(c, t), whole[c][i:i + 1], equal_nan=True), (c, t)
        h = fresh.model.heart_state(t)
        assert h.load[0] == heart.load[i] and h.arrested[0] == heart.arrested[i]
    if name != "none":
        assert heart.arrested[near].any()  # the picks near the stop cross an arrest
