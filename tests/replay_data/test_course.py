"""The course as a pure function of (scenario, perturbations, seed, t): determinism, seeking,
and the instructor's disturbances layered on top."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay_data.course import Course
from replay_data.errors import ReplayDataError
from replay_data.perturbations import injection, override
from replay_data.scenario import Scenario

STEP = 30.0  # long grid: the whole course every 30 s


@pytest.fixture(scope="module")
def channels(case_course: Course) -> list[str]:
    return case_course.catalogue.measured_numerics  # the team's settings: test_controls


@pytest.fixture(scope="module")
def long_grid(case_scenario: Scenario) -> np.ndarray:
    return np.arange(case_scenario.start, case_scenario.end + STEP / 2, STEP)


@pytest.fixture(scope="module")
def long_values(case_course: Course, channels, long_grid) -> dict[str, np.ndarray]:
    return case_course.numerics(channels, long_grid)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-for-bit equal, NaN where the other is NaN."""
    return np.array_equal(a, b, equal_nan=True)


# ------------------------------------------------------------------ determinism


def test_same_seed_same_values(case_scenario, channels, long_grid, long_values) -> None:
    again = Course(case_scenario, seed=0).numerics(channels, long_grid)
    for ch in channels:
        assert _same(again[ch], long_values[ch]), ch
    assert Course(case_scenario, 0).results_until(case_scenario.end) == \
        Course(case_scenario, 0).results_until(case_scenario.end)


def test_other_seed_other_noise(case_scenario, channels, long_grid, long_values) -> None:
    other = Course(case_scenario, seed=1).numerics(channels, long_grid)
    noisy = [ch for ch, spec in Course(case_scenario).catalogue.numerics.items()
             if spec.noise.sd > 0]
    assert {"hr", "spo2", "abp_sys", "ecmo_flow"} <= set(noisy)
    for ch in noisy:
        both = np.isfinite(other[ch]) & np.isfinite(long_values[ch])
        assert both.sum() > 1000, ch
        differs = other[ch][both] != long_values[ch][both]
        assert differs.mean() > 0.9, ch
    # Settings have no noise: identical under every seed.
    for ch in ("fio2", "peep", "sweep_flow", "fdo2", "rr", "heparin_rate"):
        assert _same(other[ch], long_values[ch]), ch


@pytest.mark.parametrize("seed", [1, 2, 12345, 2**40 + 3])
def test_keyframed_case_facts_hold_for_every_seed(case_scenario, seed: int) -> None:
    ev = case_scenario.event_times
    course = Course(case_scenario, seed)
    t_abg = ev["abg_pre_ecmo"]
    assert course.numeric("fio2", t_abg)[0] == 100
    assert course.numeric("peep", t_abg)[0] == 22
    at_target = ev["ecmo_flow_target"] + 60
    assert course.numeric("sweep_flow", at_target)[0] == 3.6
    assert course.numeric("fdo2", at_target)[0] == 100
    assert abs(course.numeric("ecmo_flow", at_target)[0] - 3.7) <= 0.2
    abg = course.latest_results(t_abg)
    assert [abg[k].value for k in ("ph", "paco2", "pao2", "sao2")] == [7.22, 41, 48, 73]


# ------------------------------------------------------------------ seeking


@pytest.mark.parametrize(
    "where",
    ["admission", "intubation+1h", "ecmo_start-1m", "ecmo_start+2m", "drainage_chatter+1m",
     "ecmo_end-30s", "extubation"],
)
def test_window_equals_slice(case_course, case_scenario, channels, long_grid, long_values,
                             where: str) -> None:
    t = case_scenario.resolve(where)
    i = int(np.searchsorted(long_grid, t))
    for lo, hi in ((i, i + 1), (max(0, i - 7), i + 40), (max(0, i - 500), i + 3)):
        window = long_grid[lo:hi]
        values = case_course.numerics(channels, window)
        for ch in channels:
            assert _same(values[ch], long_values[ch][lo:hi]), (ch, where, lo, hi)


def test_strided_sub_grid_equals_slice(case_course, channels, long_grid, long_values) -> None:
    sub = long_grid[5::97]
    values = case_course.numerics(channels, sub)
    for ch in channels:
        assert _same(values[ch], long_values[ch][5::97]), ch


@settings(derandomize=True, database=None, deadline=None, max_examples=40)
@given(st.floats(0, 1.0), st.integers(1, 300), st.integers(1, 4))
def test_any_window_equals_slice(case_course, channels, long_grid, long_values,
                                 frac: float, n: int, stride: int) -> None:
    lo = int(frac * (len(long_grid) - 1))
    window = long_grid[lo:lo + n * stride:stride]
    values = case_course.numerics(channels, window)
    for ch in channels:
        assert _same(values[ch], long_values[ch][lo:lo + n * stride:stride]), ch


def test_single_time_equals_vector_element(case_course, case_scenario, channels, long_grid,
                                           long_values) -> None:
    for where in ("abg_pre_ecmo", "ecmo_flow_target", "drainage_chatter+30s", "ecmo_end"):
        t = case_scenario.resolve(where)
        i = int(np.searchsorted(long_grid, t))
        assert long_grid[i] == t, where  # the long grid passes through these events
        sample = case_course.sample(t)
        for ch in channels:
            scalar = case_course.numeric(ch, t)
            assert scalar.shape == (1,)
            assert _same(scalar, long_values[ch][i:i + 1]), (ch, where)
            assert _same(np.array([sample.values[ch]]), long_values[ch][i:i + 1]), (ch, where)


def test_order_of_times_does_not_matter(case_course, case_scenario, channels) -> None:
    # A scheduled injection (drainage chatter) near some of the times, not all of them.
    tc = case_scenario.event_times["drainage_chatter"]
    t = np.array([tc + 60, tc - 3600, tc + 30, tc + 5 * 3600, tc + 100, 1000.0])
    order = np.argsort(t)
    for ch in channels:
        shuffled = case_course.numeric(ch, t)
        in_order = case_course.numeric(ch, t[order])
        assert _same(shuffled[order], in_order), ch
        one_by_one = np.array([case_course.numeric(ch, x)[0] for x in t])
        assert _same(shuffled, one_by_one), ch
    assert case_course.numeric("p_venous", t)[0] < -100  # the chatter itself is there


def test_sample_grid_matches_sample(case_course, case_scenario) -> None:
    t0 = case_scenario.event_times["ecmo_start"]
    grid = t0 + np.arange(0, 4 * 3600, 600.0)
    values, flags = case_course.sample_grid(grid)
    for i, t in enumerate(grid):
        s = case_course.sample(float(t))
        assert s.t == t
        for ch, v in s.values.items():
            assert _same(np.array([v]), values[ch][i:i + 1]), (ch, t)
        assert s.flags == frozenset(f for f, on in flags.items() if on[i])


def test_unknown_channel(case_course) -> None:
    with pytest.raises(ReplayDataError, match="unknown channel 'heart_rate'"):
        case_course.numeric("heart_rate", 0.0)


# ------------------------------------------------------------------ perturbations


@pytest.fixture(scope="module")
def rest_time(case_scenario) -> float:
    """A quiet moment on ECMO (pump running, no scheduled event nearby)."""
    return case_scenario.event_times["act_target_raised"] + 2 * 3600


def test_override_reaches_target_after_transition(case_course, rest_time) -> None:
    t0 = rest_time
    course = case_course.with_perturbations([override("spo2", 85, t0, 60)])
    t = t0 + np.arange(-120, 301, 1.0)
    base = case_course.numeric("spo2", t)
    v = course.numeric("spo2", t)
    assert base.min() > 90  # the patient is well saturated before
    before = t < t0
    assert _same(v[before], base[before])
    assert v[t == t0][0] == base[t == t0][0]
    done = t >= t0 + 60
    assert np.allclose(v[done], 85.0, rtol=0, atol=1e-9)
    ramp = (t > t0) & (t < t0 + 60)
    assert np.all(v[ramp] < base[ramp]) and np.all(v[ramp] > 85)
    # The original course is not changed by layering.
    assert _same(case_course.numeric("spo2", t), base)


def test_pump_stop(case_scenario, case_course, rest_time) -> None:
    t0 = rest_time
    course = case_course.with_perturbations([injection(case_scenario, "pump_stop", t0,
                                                       duration=600)])
    t = t0 + np.arange(-60, 301, 1.0)
    flow, rpm, spo2 = (course.numeric(c, t) for c in ("ecmo_flow", "ecmo_rpm", "spo2"))
    before = t < t0
    assert _same(flow[before], case_course.numeric("ecmo_flow", t[before]))
    assert flow[before].min() > 3.0
    stopped = t >= t0 + 2  # 2 s spin-down
    assert np.all(flow[stopped] == 0) and np.all(rpm[stopped] == 0)
    assert spo2[before].min() > 90
    within_3_min = t[(spo2 < 70)]
    assert within_3_min.size and within_3_min[0] <= t0 + 180
    assert np.all(spo2[t >= t0 + 180] < 70)


def test_pump_stop_stopped_early_ramps_back(case_scenario, case_course, rest_time) -> None:
    t0 = rest_time
    p = injection(case_scenario, "pump_stop", t0, duration=600).stopped_at(t0 + 60)
    course = case_course.with_perturbations([p])
    t = t0 + np.array([59.0, 60.0, 70.0, 80.0, 81.0, 200.0])
    flow = course.numeric("ecmo_flow", t)
    base = case_course.numeric("ecmo_flow", t)
    assert flow[0] == 0 and flow[1] == 0
    assert 0 < flow[2] < base[2]  # halfway through the 20 s offset
    assert _same(flow[4:], base[4:])


def test_spo2_probe_off(case_scenario, case_course, rest_time) -> None:
    t0 = rest_time
    p = injection(case_scenario, "spo2_probe_off", t0)
    assert p.duration == 60
    course = case_course.with_perturbations([p])
    t = t0 + np.arange(-10, 71, 1.0)
    spo2 = course.numeric("spo2", t)
    flag = course.flags(t)["spo2_probe_off"]
    off = (t >= t0) & (t < t0 + 60)
    assert np.all(np.isnan(spo2[off])) and np.all(flag[off])
    assert np.all(np.isfinite(spo2[~off])) and not flag[~off].any()
    # The physiology behind the probe goes on (it drives the other waveforms).
    behind = course.numeric("spo2", t, measured=False)
    assert np.all(np.isfinite(behind)) and _same(behind[off], case_course.numeric("spo2", t[off]))
    s = course.sample(t0 + 5)
    assert "spo2_probe_off" in s.flags and np.isnan(s.values["spo2"])
    assert course.catalogue.numeric("spo2").format(s.values["spo2"]) == "---"
    assert "spo2_probe_off" not in case_course.sample(t0 + 5).flags


def test_stopped_override_ramps_back(case_course, rest_time) -> None:
    t0 = rest_time
    p = override("spo2", 85, t0, 60)  # until stopped
    assert p.duration is None
    stopped = p.stopped_at(t0 + 120)
    course = case_course.with_perturbations([stopped])
    t = t0 + np.arange(100, 200, 1.0)
    v = course.numeric("spo2", t)
    base = case_course.numeric("spo2", t)
    held = t <= t0 + 120
    assert np.allclose(v[held], 85, rtol=0, atol=1e-9)
    back = (t > t0 + 120) & (t < t0 + 180)
    assert np.all(v[back] > 85) and np.all(v[back] < base[back])
    assert np.all(np.diff(v[back]) > 0)
    gone = t >= t0 + 180
    assert _same(v[gone], base[gone])


def test_overriding_a_derived_channel_is_refused(case_course, rest_time) -> None:
    for ch in ("abp_mean", "p_art"):
        with pytest.raises(ReplayDataError, match="derived"):
            case_course.with_perturbations([override(ch, 50, rest_time, 10)])


def test_overriding_an_unknown_channel_is_refused(case_course, rest_time) -> None:
    with pytest.raises(ReplayDataError, match="unknown channel 'sats'"):
        case_course.with_perturbations([override("sats", 50, rest_time, 10)])


def test_bad_injections_are_refused(case_scenario) -> None:
    with pytest.raises(ReplayDataError, match="unknown injection 'pump_stopp'.*pump_stop"):
        injection(case_scenario, "pump_stopp", 0)
    with pytest.raises(ReplayDataError, match="severity"):
        injection(case_scenario, "pump_stop", 0, severity=0)
    with pytest.raises(ReplayDataError, match="negative"):
        injection(case_scenario, "pump_stop", 0, duration=-1)
    with pytest.raises(ReplayDataError, match="transition"):
        override("spo2", 85, 0, -5)
    with pytest.raises(ReplayDataError, match="number"):
        override("spo2", float("nan"), 0, 5)


def test_derived_channels_follow_overrides(case_course, rest_time) -> None:
    t = rest_time + np.array([0.0, 30.0, 120.0])
    course = case_course.with_perturbations([override("abp_sys", 150, rest_time, 30),
                                             override("abp_dia", 60, rest_time, 30)])
    mean = course.numeric("abp_mean", t)
    assert mean[2] == pytest.approx(60 + (150 - 60) / 3)
    assert mean[0] == case_course.numeric("abp_mean", t)[0]


def test_perturbed_course_is_deterministic(case_scenario, rest_time) -> None:
    perts = [injection(case_scenario, "drainage_chatter", rest_time),
             override("hr", 150, rest_time + 30, 20, duration=120)]
    t = rest_time + np.arange(0, 600, 0.5)
    a = Course(case_scenario, 5).with_perturbations(perts)
    b = Course(case_scenario, 5).with_perturbations(list(perts))
    for ch in ("hr", "ecmo_flow", "p_venous", "spo2"):
        assert _same(a.numeric(ch, t), b.numeric(ch, t))
        # and seekable: a late window equals the slice
        assert _same(a.numeric(ch, t[700:]), a.numeric(ch, t)[700:])
