"""The beat and breath clocks place a window far into the course from closed-form sums
(keyframes and noise), not by integrating every node before it: those sums must equal
the node-by-node integral, disturbances included."""

from __future__ import annotations

import numpy as np
import pytest

from replay_data import cycle_clocks, noise
from replay_data import waveforms as wf
from replay_data.course import Course
from replay_data.keyframes import interpolate, node_sum
from replay_data.perturbations import injection, override


@pytest.fixture(scope="module")
def disturbed(case_scenario) -> Course:
    c = Course(case_scenario, seed=5)
    t = case_scenario.resolve("ecmo_start+2d")
    return c.with_perturbations([injection(case_scenario, "hypotension", t),
                                 injection(case_scenario, "pump_stop", t + 3 * 3600)])


@pytest.mark.parametrize("channel", ["hr", "rr"])
def test_node_sums_equal_the_nodes(disturbed: Course, channel: str) -> None:
    step, n = cycle_clocks.CYCLE_STEP_S, cycle_clocks.CYCLE_CHUNK_NODES
    starts = np.arange(0, disturbed.scenario.end, n * step)[::7]
    got = disturbed.node_sums(channel, starts, n, step)
    for s, g in zip(starts, got):
        direct = np.nansum(disturbed.numeric(channel, s + step * np.arange(n), measured=False))
        assert g == pytest.approx(direct, rel=1e-12, abs=1e-6)


def test_keyframe_and_noise_sums_in_closed_form(case_scenario) -> None:
    kf = case_scenario.numeric_keyframes["hr"]
    key = noise.stream_key(3, "hr")
    for start in (0.0, 21600.0 * 11, 21600.0 * 50):
        t = start + 2.0 * np.arange(10800)
        assert node_sum(kf, start, 10800, 2.0) == pytest.approx(interpolate(kf, t).sum(),
                                                                rel=1e-13)
        assert noise.smooth_noise_sums(key, np.array([start]), 10800, 2.0, 30.0)[0] == (
            pytest.approx(noise.smooth_noise(key, t, 30.0).sum(), abs=1e-9))


def test_clock_is_continuous_across_chunks(disturbed: Course) -> None:
    cycle_clocks.clear_cache()
    chunk_s = cycle_clocks.CYCLE_CHUNK_NODES * cycle_clocks.CYCLE_STEP_S
    for c in (3, 40, 54, 55):
        edge = c * chunk_s
        before = cycle_clocks.beats(disturbed, np.array([edge - 1e-6])).count[0]
        after = cycle_clocks.beats(disturbed, np.array([edge])).count[0]
        assert after - before == pytest.approx(0.0, abs=1e-5), c


def test_cold_window_far_in_equals_warm(disturbed: Course) -> None:
    t0 = disturbed.scenario.end - 30.0
    cycle_clocks.clear_cache()
    _, cold = wf.waveform(disturbed, "ecg_ii", t0, 10.0)
    for t in np.arange(disturbed.scenario.start, t0, 86400.0):  # walk there first
        wf.waveform(disturbed, "ecg_ii", t, 1.0)
    _, warm = wf.waveform(disturbed, "ecg_ii", t0, 10.0)
    np.testing.assert_array_equal(cold, warm)


def test_beat_clock_follows_a_hypoxic_heart_set_off_by_a_disturbance_of_the_circuit(
        case_scenario) -> None:
    """An instructor's override of the ECMO flow acts on no heart-rate channel, yet the
    heart slows and stops: the ECG must slow with the HR number even when the monitor
    had the undisturbed course's beats cached."""
    from replay_data.perturbations import override

    calm = Course(case_scenario)
    t0 = case_scenario.resolve("ecmo_start+20h")
    stopped = calm.with_perturbations([override("ecmo_flow", 0.0, t0, 2.0)])
    t = t0 + np.arange(0.0, 1800.0, 60.0)
    cycle_clocks.clear_cache()
    cycle_clocks.beats(calm, t)  # the window drew the calm course first
    rate = cycle_clocks.beats(stopped, t).rate * 60.0
    hr = stopped.numeric("hr", t, measured=False)
    assert hr[-1] == 0.0 and hr[0] > 80.0  # the heart did stop: the premise
    np.testing.assert_allclose(rate, hr, atol=1e-9)
    # The calm course keeps its own beats.
    assert (cycle_clocks.beats(calm, t).rate * 60.0).min() > 80.0


def test_node_sums_count_the_hypoxic_heart_beyond_its_disturbance(case_scenario) -> None:
    """The instructor's override of the ECMO flow to 0 slows and stops the heart through
    the physiology, without any disturbance of "hr" itself: each 6 h chunk's closed-form
    total still equals its nodes, so the beat clock does not jump at the chunk's end."""
    step, n = cycle_clocks.CYCLE_STEP_S, cycle_clocks.CYCLE_CHUNK_NODES
    stop = case_scenario.resolve("ecmo_start+1d")
    c = Course(case_scenario, seed=5).with_perturbations(
        [override("ecmo_flow", 0.0, stop, 2.0, duration=1800.0)])
    first = case_scenario.start + np.floor(
        (stop - case_scenario.start) / (n * step)) * n * step
    starts = first + n * step * np.arange(3)  # the chunk of the arrest and the two after
    assert c.model.heart_state(np.array([stop + 1200])).arrested[0]
    got = c.node_sums("hr", starts, n, step)
    for s, g in zip(starts, got):
        direct = np.nansum(c.numeric("hr", s + step * np.arange(n), measured=False))
        assert g == pytest.approx(direct, rel=1e-12, abs=1e-6), s
    cycle_clocks.clear_cache()
    for edge in starts[1:]:
        before = cycle_clocks.beats(c, np.array([edge - 1e-6])).count[0]
        after = cycle_clocks.beats(c, np.array([edge])).count[0]
        assert after - before == pytest.approx(0.0, abs=1e-5), edge
