"""The perturbation index (replay_data.perturbations.PerturbationIndex) against the
straightforward evaluation it replaces: on random sets of overlapping disturbances and
random times, every value and flag must be the same, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from case_support import scenario

from replay_data.course import Course
from replay_data.perturbations import (
    Perturbation,
    PerturbationIndex,
    active_flags_each,
    apply_each,
    injection,
    override,
)
from replay_data.scenario import Effect

SCENARIO = scenario("sle_dah_ecmo")
T0 = SCENARIO.event_times["ecmo_start"]
CHANNELS = ("spo2", "hr", "ecmo_flow", "ecmo_rpm", "fio2")
FLAGS = ("spo2_probe_off", "air_in_circuit", "ecg_leads_off")


def random_perturbation(rng: np.random.Generator, i: int) -> Perturbation:
    """Any mix of what real ones do: set, add, oscillate, switch off; own onsets and
    offsets; open-ended or stopped before fully on; flags; zero ramps."""
    start = T0 + float(rng.integers(-200, 2000)) + float(rng.choice([0.0, 0.25, 0.5]))
    duration = None if rng.random() < 0.2 else float(rng.choice([0, 1, 7.5, 60, 300, 900]))
    effects = []
    for _ in range(int(rng.integers(1, 4))):
        kind = rng.choice(["set", "add", "osc", "off"])
        effects.append(Effect(
            channel=str(rng.choice(CHANNELS)),
            set=float(rng.uniform(0, 100)) if kind == "set" else None,
            add=float(rng.uniform(-20, 20)) if kind == "add" else None,
            oscillate=float(rng.uniform(-5, 5)) if kind == "osc" else 0.0,
            period=float(rng.choice([1.3, 2.0, 17.0])),
            off=kind == "off",
            onset=None if rng.random() < 0.5 else float(rng.choice([0, 3, 45])),
            offset=None if rng.random() < 0.5 else float(rng.choice([0, 10, 120]))))
    flags = tuple(str(f) for f in rng.choice(FLAGS, size=int(rng.integers(0, 3)),
                                              replace=False))
    return Perturbation(f"p{i}", "injection", f"x{i}", start, duration,
                        float(rng.choice([1.0, 0.3, 0.75])), float(rng.choice([0, 2, 30])),
                        float(rng.choice([0, 5, 60])), flags, tuple(effects))


def times(rng: np.random.Generator, perts: list[Perturbation]) -> list[np.ndarray]:
    """A sorted grid, the same shuffled, one moment, and every span's edges exactly."""
    grid = T0 - 300 + np.arange(0, 3000, float(rng.choice([0.25, 1.0, 5.0])))
    edges = sorted({x for p in perts for x in (p.start, p.end, p.end + p.recovery,
                                                p.end + p.recovery + 1e-9) if np.isfinite(x)})
    return [grid, rng.permutation(grid), np.array([grid[len(grid) // 2]]),
            np.array(edges), np.array([]), grid[::-1].copy()]


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and \
        np.array_equal(a.view(np.uint64), b.view(np.uint64))


@pytest.mark.parametrize("seed", range(12))
def test_the_index_gives_the_same_values_and_flags_as_evaluating_each(seed):
    rng = np.random.default_rng(seed)
    perts = [random_perturbation(rng, i) for i in range(int(rng.integers(1, 60)))]
    index = PerturbationIndex(tuple(perts))
    touched = 0
    for t in times(rng, perts):
        base = 50 + 10 * np.sin(t / 100.0)
        base[t.size // 3: t.size // 3 + 5] = np.nan  # not measured for a while
        for channel in CHANNELS:
            for measured in (True, False):
                want = apply_each(channel, t, base, tuple(perts), measured)
                got = index.apply(channel, t, base, measured)
                assert same_bits(got, want), (seed, channel, measured, t[:3])
                touched += want is not base
        want_flags = active_flags_each(t, tuple(perts))
        got_flags = index.flags(t)
        assert list(got_flags) == list(want_flags)
        assert all(np.array_equal(got_flags[f], want_flags[f]) for f in want_flags)
    assert touched  # the comparison saw disturbed values, not only untouched bases


def test_the_index_leaves_the_base_alone_and_returns_it_when_nothing_acts():
    p = override("spo2", 80, T0, 10, 60, pid="o")
    index = PerturbationIndex((p,))
    t = T0 + np.arange(0, 100, 1.0)
    base = np.full(t.shape, 95.0)
    assert index.apply("hr", t, base, True) is base          # no effect on hr
    assert index.apply("spo2", t - 1000, base, True) is base  # long before
    got = index.apply("spo2", t, base, True)
    assert (base == 95.0).all() and got[0] == 95.0 and got[30] == 80.0


def test_a_course_with_thousands_of_injections_has_the_values_of_each_evaluated(monkeypatch):
    """The whole course (numerics, flags, the team's settings, node sums) through the
    index equals the course evaluated perturbation by perturbation."""
    rng = np.random.default_rng(7)
    names = [n for n in SCENARIO.injections if not SCENARIO.injections[n].variants]
    perts = [injection(SCENARIO, str(rng.choice(names)), T0 + float(rng.integers(0, 3600)),
                       pid=f"i{i}") for i in range(300)]
    perts.append(injection(SCENARIO, "pump_stop", T0 + 100, pid="ps"))
    t = T0 + np.arange(-60, 3700, 1.0)
    fast = Course(SCENARIO).with_perturbations(perts)
    values, flags = fast.sample_grid(t)
    sums = fast.node_sums("hr", np.array([T0, T0 + 900.0]), 600, 1.0)

    monkeypatch.setattr(PerturbationIndex, "apply",
                        lambda self, c, tt, base, m: apply_each(c, tt, base,
                                                                self.perturbations, m))
    monkeypatch.setattr(PerturbationIndex, "flags",
                        lambda self, tt: active_flags_each(tt, self.perturbations))
    slow = Course(SCENARIO).with_perturbations(perts)
    want_values, want_flags = slow.sample_grid(t)
    assert values.keys() == want_values.keys()
    for c in values:
        assert same_bits(values[c], want_values[c]), c
    assert list(flags) == list(want_flags)
    assert all(np.array_equal(flags[f], want_flags[f]) for f in flags)
    assert same_bits(sums, slow.node_sums("hr", np.array([T0, T0 + 900.0]), 600, 1.0))
    assert any(flags[f].any() for f in flags)
