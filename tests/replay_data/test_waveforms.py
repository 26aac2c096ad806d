"""Waveforms: pure function of (scenario, perturbations, seed, t), physiologically coherent.

Case times are taken from the built-in scenario by name, so the tests follow the case if
its timeline moves.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from replay_data import cycle_clocks
from replay_data import waveform_morphology as morphology
from replay_data import waveforms as wf
from replay_data.course import Course
from replay_data.errors import ReplayDataError
from replay_data.perturbations import injection, override

SIGNALS = ["ecg_ii", "pleth", "abp", "cvp", "co2", "paw", "flow"]
RATES = {"ecg_ii": 250.0, "pleth": 125.0, "abp": 125.0, "cvp": 125.0, "co2": 62.5,
         "paw": 50.0, "flow": 50.0}
# Case moments with different physiology: shock before ECMO (HR ~130, RR 28), day 1 on
# ECMO (HR ~100, RR 10), recovering lungs (HR ~92, RR 12).
CASE_TIMES = ["abg_pre_ecmo-5m", "ecmo_start+1d", "ecmo_start+4d"]
CHUNK_S = cycle_clocks.CYCLE_CHUNK_NODES * cycle_clocks.CYCLE_STEP_S


@pytest.fixture(scope="module")
def course() -> Course:
    return Course.load()


def at(course: Course, when: str) -> float:
    return course.scenario.resolve(when)


def equal_samples(a: np.ndarray, b: np.ndarray) -> None:
    """Equal within 1e-9, NaN in the same places."""
    assert a.shape == b.shape
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=0.0, atol=1e-9)


# ------------------------------------------------------------------ helpers on traces


def r_peaks(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Times of R-wave peaks: the maximum of each run above 0.6 mV (half the R wave;
    P and T stay well below), refined by a parabola through the top three samples."""
    above = np.nan_to_num(y, nan=-np.inf) > 0.6
    edges = np.flatnonzero(np.diff(above.astype(np.int8)))
    starts, ends = edges[::2] + 1, edges[1::2] + 1
    if above[0]:
        starts, ends = edges[1::2] + 1, edges[2::2] + 1
    times = []
    dt = t[1] - t[0]
    for s, e in zip(starts, ends):
        i = s + int(np.argmax(y[s:e]))
        if 0 < i < len(y) - 1:
            a, b, c = y[i - 1], y[i], y[i + 1]
            times.append(t[i] + 0.5 * dt * (a - c) / (a - 2 * b + c))
    return np.asarray(times)


def per_beat(t: np.ndarray, y: np.ndarray, r: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges [R_k, R_k+1) of whole beats inside the trace."""
    idx = np.searchsorted(t, r)
    return [(int(a), int(b)) for a, b in zip(idx[:-1], idx[1:]) if b <= len(t)]


# ------------------------------------------------------------------ API


def test_signals_are_the_catalogue_waveforms(course: Course) -> None:
    assert wf.signals(course) == SIGNALS
    for s in SIGNALS:
        assert course.catalogue.waveforms[s].rate == RATES[s]


def test_unknown_signal_is_a_one_line_error_listing_the_known(course: Course) -> None:
    with pytest.raises(ReplayDataError) as err:
        wf.waveform(course, "ecg_v5\nx", 1000.0, 1.0)
    msg = str(err.value)
    assert "\n" not in msg
    for s in SIGNALS:
        assert s in msg


@pytest.mark.parametrize("t0, duration", [(math.nan, 1.0), (1000.0, math.inf), (1000.0, -1.0),
                                          (1000.0, wf.MAX_WINDOW_S + 1)])
def test_bad_windows_are_refused(course: Course, t0: float, duration: float) -> None:
    with pytest.raises(ReplayDataError):
        wf.waveform(course, "abp", t0, duration)


def test_empty_window(course: Course) -> None:
    t, y = wf.waveform(course, "ecg_ii", 1000.0, 0.0)
    assert t.size == 0 and y.size == 0


def test_the_course_does_not_know_the_waveforms() -> None:
    """Waveforms are drawn from the course (waveforms.waveform(course, ...)); the course
    (numerics, alarms' inputs, the debrief) loads without them: no import cycle."""
    code = ("import sys, replay_data.course; "
            "sys.exit(any(m in sys.modules for m in ('replay_data.waveforms', "
            "'replay_data.waveform_morphology', 'replay_data.cycle_clocks')))")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


# ------------------------------------------------------------------ sample grid


@pytest.mark.parametrize("signal", SIGNALS)
def test_samples_sit_on_the_signals_own_grid(course: Course, signal: str) -> None:
    rate = RATES[signal]
    t0, duration = at(course, "ecmo_start+1d") + 0.123456, 3.3337
    t, y = wf.waveform(course, signal, t0, duration)
    n = np.rint(t * rate).astype(np.int64)
    np.testing.assert_array_equal(t, n / rate)
    np.testing.assert_array_equal(np.diff(n), 1)
    assert t0 <= t[0] and (n[0] - 1) / rate < t0
    assert t[-1] < t0 + duration <= (n[-1] + 1) / rate
    assert y.shape == t.shape and y.dtype == np.float64


@pytest.mark.parametrize("signal", SIGNALS)
def test_consecutive_windows_tile_exactly(course: Course, signal: str) -> None:
    t0 = at(course, "abg_pre_ecmo-5m") + 0.01
    whole_t, whole_y = wf.waveform(course, signal, t0, 6.0)
    parts = []
    edge = t0
    for d in (0.7, 1.0 / 3.0, 2.0, 0.004, 2.9626666666666667):
        parts.append(wf.waveform(course, signal, edge, d))
        edge = edge + d
    np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), whole_t[: sum(
        p[0].size for p in parts)])
    equal_samples(np.concatenate([p[1] for p in parts]), whole_y[: sum(p[1].size for p in parts)])


def test_windows_on_exact_grid_points_as_the_ui_asks(course: Course) -> None:
    """The strips ask for blocks [k*B/rate, (k+1)*B/rate); each sample lands in one block."""
    rate, block = 62.5, 125
    k0 = int(at(course, "ecmo_start+1d") * rate) // block
    seen = []
    for k in range(k0, k0 + 5):
        t, _ = wf.waveform(course, "co2", k * block / rate, block / rate)
        seen.extend(np.rint(t * rate).astype(np.int64).tolist())
    assert seen == list(range(k0 * block, (k0 + 5) * block))


def test_outside_the_scenario_is_nan(course: Course) -> None:
    end = course.scenario.end
    t, y = wf.waveform(course, "ecg_ii", end - 1.0, 2.0)
    assert np.all(np.isnan(y[t > end]))
    assert np.all(np.isfinite(y[t <= end]))
    t, y = wf.waveform(course, "ecg_ii", -5.0, 1.0)
    assert np.all(np.isnan(y))


# ------------------------------------------------------------------ pure function


@pytest.mark.parametrize("signal", SIGNALS)
@settings(max_examples=25, deadline=None, derandomize=True)
@given(start=st.floats(0.0, 1.0), offset=st.floats(0.0, 8.0), length=st.floats(0.0, 4.0))
@example(start=0.0, offset=0.0, length=4.0)  # scenario start
@example(start=1.0, offset=4.0, length=4.0)  # scenario end
def test_any_window_equals_the_slice_of_a_longer_one(course: Course, signal: str, start: float,
                                                     offset: float, length: float) -> None:
    sc = course.scenario
    t_long = sc.start + start * (sc.end - sc.start) - 6.0
    long_t, long_y = wf.waveform(course, signal, t_long, 12.0)
    t, y = wf.waveform(course, signal, t_long + offset, length)
    i = int(np.searchsorted(long_t, t_long + offset))
    np.testing.assert_array_equal(t, long_t[i:i + t.size])
    equal_samples(y, long_y[i:i + t.size])


@pytest.mark.parametrize("signal", SIGNALS)
@pytest.mark.parametrize("chunk", [1, 47, 96])
def test_slices_agree_across_cache_chunk_boundaries(course: Course, signal: str,
                                                    chunk: int) -> None:
    boundary = course.scenario.start + chunk * CHUNK_S
    long_t, long_y = wf.waveform(course, signal, boundary - 3.0, 6.0)
    for offset in (0.0, 2.9, 3.0, 3.1):
        t, y = wf.waveform(course, signal, boundary - 3.0 + offset, 1.5)
        i = int(np.searchsorted(long_t, boundary - 3.0 + offset))
        equal_samples(y, long_y[i:i + t.size])


@pytest.fixture(scope="module")
def busy_course(course: Course) -> Course:
    """Sensors off and on, a hypotensive episode, all within a few minutes of day 1."""
    t = at(course, "ecmo_start+1d")
    sc = course.scenario
    return course.with_perturbations([
        injection(sc, "ecg_leads_off", t + 30.0, duration=20.0),
        injection(sc, "spo2_probe_off", t + 45.0, duration=30.0),
        injection(sc, "hypotension", t + 10.0, duration=120.0),
    ])


@pytest.mark.parametrize("signal", SIGNALS)
@settings(max_examples=15, deadline=None, derandomize=True)
@given(start=st.floats(0.0, 200.0), offset=st.floats(0.0, 8.0), length=st.floats(0.0, 4.0))
def test_slices_agree_across_sensor_edges(busy_course: Course, signal: str, start: float,
                                          offset: float, length: float) -> None:
    t_long = at(busy_course, "ecmo_start+1d") + start - 6.0
    long_t, long_y = wf.waveform(busy_course, signal, t_long, 12.0)
    t, y = wf.waveform(busy_course, signal, t_long + offset, length)
    i = int(np.searchsorted(long_t, t_long + offset))
    equal_samples(y, long_y[i:i + t.size])


@pytest.mark.parametrize("signal", SIGNALS)
def test_result_does_not_depend_on_what_was_asked_before(signal: str) -> None:
    """Seek far, then back; clear the cache and ask again; a fresh course: same samples."""
    wf.clear_cache()
    c1 = Course.load()
    late, early = at(c1, "extubation+6h"), at(c1, "intubation+2h")
    a_late = wf.waveform(c1, signal, late, 5.0)[1]
    a_early = wf.waveform(c1, signal, early, 5.0)[1]
    wf.clear_cache()
    c2 = Course.load()
    b_early = wf.waveform(c2, signal, early, 5.0)[1]
    b_late = wf.waveform(c2, signal, late, 5.0)[1]
    np.testing.assert_array_equal(a_early, b_early)
    np.testing.assert_array_equal(a_late, b_late)


@pytest.mark.parametrize("signal", SIGNALS)
def test_same_seed_same_bytes_other_seed_differs(course: Course, signal: str) -> None:
    t0 = at(course, "ecmo_start+1d")
    a = wf.waveform(Course.load(seed=7), signal, t0, 5.0)[1]
    b = wf.waveform(Course.load(seed=7), signal, t0, 5.0)[1]
    c = wf.waveform(Course.load(seed=8), signal, t0, 5.0)[1]
    assert a.tobytes() == b.tobytes()
    if signal in ("paw", "flow"):
        # The ventilator's own traces: the set breath, noise-free, the same for any seed.
        assert a.tobytes() == c.tobytes()
    else:
        assert a.tobytes() != c.tobytes()


def test_a_perturbation_changes_nothing_before_it_starts(course: Course) -> None:
    """The instructor's injection at t changes the beats after t, never the past.

    (HR is linear between the beat clock's nodes, so the change reaches back to the node
    before t: at most CYCLE_STEP_S, by a fraction of a millisecond of beat timing.)"""
    t = at(course, "ecmo_start+2d") + 17.0
    later = course.with_perturbations([injection(course.scenario, "hypotension", t)])
    node = math.floor(t / cycle_clocks.CYCLE_STEP_S) * cycle_clocks.CYCLE_STEP_S
    for signal in SIGNALS:
        before = wf.waveform(course, signal, node - 60.0, 60.0)[1]
        equal_samples(wf.waveform(later, signal, node - 60.0, 60.0)[1], before)
    # HR +24/min over a 2 min onset: the R waves drift ahead of the undisturbed ones.
    r_base = r_peaks(*wf.waveform(course, "ecg_ii", t + 240.0, 10.0))
    r_fast = r_peaks(*wf.waveform(later, "ecg_ii", t + 240.0, 10.0))
    assert r_fast.size > r_base.size


# ------------------------------------------------------------------ ECG


@pytest.mark.parametrize("when", CASE_TIMES)
def test_heart_rate_from_r_waves_matches_the_numeric(course: Course, when: str) -> None:
    t0 = at(course, when)
    t, y = wf.waveform(course, "ecg_ii", t0, 30.0)
    r = r_peaks(t, y)
    rr = np.diff(r)
    assert rr.min() > 0.6 * rr.mean(), "a P or T wave was taken for an R wave"
    hr = course.numeric("hr", t, measured=False)
    assert abs(60.0 / rr.mean() - hr.mean()) < 3.0


@pytest.mark.parametrize("when", CASE_TIMES)
def test_ecg_is_spiky_not_a_sine(course: Course, when: str) -> None:
    t, y = wf.waveform(course, "ecg_ii", at(course, when), 30.0)
    r = r_peaks(t, y)
    r_height = np.interp(r, t, y)
    assert 1.0 < r_height.mean() < 1.45  # mV, a normal lead II R wave
    assert np.mean(y > 0.5 * r_height.mean()) < 0.10  # QRS is a small part of the beat
    # P and T waves are there: positive bumps between R waves, well below R.
    mid = y[(np.abs(t[:, None] - r[None, :]) > 0.06).all(axis=1)]
    assert 0.15 < mid.max() < 0.7


def test_ecg_gap_while_leads_off_and_beats_carry_on(course: Course) -> None:
    t = at(course, "ecmo_start+1d") + 30.0
    off = course.with_perturbations([injection(course.scenario, "ecg_leads_off", t,
                                               duration=20.0)])
    ts, y = wf.waveform(off, "ecg_ii", t - 5.0, 35.0)
    gap = (ts >= t) & (ts < t + 20.0)
    assert np.all(np.isnan(y[gap]))
    assert np.all(np.isfinite(y[~gap]))
    # After reconnection the R waves are where they would have been (physiological HR).
    after = ts >= t + 20.0
    base = wf.waveform(course, "ecg_ii", t - 5.0, 35.0)[1]
    np.testing.assert_array_equal(
        r_peaks(ts[after], y[after]), r_peaks(ts[after], base[after]))


# ------------------------------------------------------------------ pulses


@pytest.mark.parametrize("when", CASE_TIMES)
def test_arterial_peaks_and_troughs_are_sys_and_dia(course: Course, when: str) -> None:
    t0 = at(course, when)
    t, y = wf.waveform(course, "abp", t0, 30.0)
    r = r_peaks(*wf.waveform(course, "ecg_ii", t0, 30.0))
    # One pulse runs from foot to foot, a transit delay after each R wave.
    feet = r + morphology.ARTERIAL_PULSE.transit_s
    for a, b in per_beat(t, y, feet):
        i_max = a + int(np.argmax(y[a:b]))
        # the foot: the lowest sample around the end of the pulse
        i_min = b - 3 + int(np.argmin(y[b - 3:b + 3]))
        # Peaks swing with ventilation by the pulse-pressure variation around sys.
        sys_, dia = course.numeric("abp_sys", t[i_max])[0], course.numeric("abp_dia", t[i_max])[0]
        ppv = np.nan_to_num(course.numeric("ppv", t[i_max])[0]) / 100.0
        assert abs(y[i_max] - sys_) < 2.0 + 0.75 * ppv * (sys_ - dia)
        assert abs(y[i_min] - course.numeric("abp_dia", t[i_min])[0]) < 2.0


def test_pulse_pressure_varies_with_ventilation_at_high_peep(course: Course) -> None:
    t0 = at(course, "abg_pre_ecmo")  # PEEP 22, hypotension
    t, y = wf.waveform(course, "abp", t0, 60.0)
    r = r_peaks(*wf.waveform(course, "ecg_ii", t0, 60.0))
    feet = r + morphology.ARTERIAL_PULSE.transit_s
    beats = per_beat(t, y, feet)
    pps = np.array([np.ptp(y[a:b]) for a, b in beats])
    breath = np.floor(wf.breaths(course, np.array([t[a] for a, _ in beats])).count)
    # PPV as a monitor computes it: (PPmax - PPmin) / mean over each breath, median.
    per_breath = [np.ptp(pps[breath == k]) / pps[breath == k].mean() * 100
                  for k in np.unique(breath) if np.sum(breath == k) >= 3]
    ppv = course.numeric("ppv", t0)[0]
    assert 10 <= ppv <= 20
    assert abs(np.median(per_breath) - ppv) < 5


def _lags(course: Course, signal: str, when: str) -> tuple[np.ndarray, np.ndarray]:
    """Per beat: (foot - R, peak - R) in seconds."""
    t0 = at(course, when)
    r = r_peaks(*wf.waveform(course, "ecg_ii", t0, 30.0))
    t, y = wf.waveform(course, signal, t0, 30.0)
    feet, peaks = [], []
    for a, b in per_beat(t, y, r):
        i_peak = a + int(np.argmax(y[a:b]))
        i_foot = a + int(np.argmin(y[a:i_peak + 1]))
        feet.append(t[i_foot] - t[a])
        peaks.append(t[i_peak] - t[a])
    t_r = r[: len(feet)]
    first = np.searchsorted(t, t_r)
    offset = t[first] - t_r  # the samples start a little after each R peak
    return np.asarray(feet) + offset, np.asarray(peaks) + offset


@pytest.mark.parametrize("when", CASE_TIMES)
def test_pulses_follow_the_r_wave_after_the_transit_time(course: Course, when: str) -> None:
    foot_art, peak_art = _lags(course, "abp", when)
    foot_pleth, peak_pleth = _lags(course, "pleth", when)
    assert 0.15 <= morphology.ARTERIAL_PULSE.transit_s < morphology.PLETH_PULSE.transit_s <= 0.25
    assert abs(np.median(foot_art) - morphology.ARTERIAL_PULSE.transit_s) < 0.012
    assert abs(np.median(foot_pleth) - morphology.PLETH_PULSE.transit_s) < 0.012
    # Peaks come after the feet and the finger's after the radial artery's.
    assert np.all(peak_art > foot_art + 0.03)
    assert np.median(peak_pleth) > np.median(peak_art) + 0.03
    assert np.median(peak_pleth) < 0.5


def test_pleth_is_normalised_and_gaps_when_the_probe_is_off(course: Course) -> None:
    t = at(course, "ecmo_start+1d") + 30.0
    off = course.with_perturbations([injection(course.scenario, "spo2_probe_off", t,
                                               duration=20.0)])
    ts, y = wf.waveform(off, "pleth", t - 10.0, 40.0)
    gap = (ts >= t) & (ts < t + 20.0)
    assert np.all(np.isnan(y[gap]))
    shown = y[~gap]
    assert np.all(np.isfinite(shown))
    assert -0.02 < shown.min() < 0.05 and 0.5 < shown.max() <= 1.0


def test_no_invasive_pressures_before_the_lines_go_in(course: Course) -> None:
    t_line = at(course, "arterial_line")
    for signal in ("abp", "cvp"):
        t, y = wf.waveform(course, signal, t_line - 10.0, 20.0)
        assert np.all(np.isnan(y[t < t_line])), signal
        assert np.all(np.isfinite(y[t >= t_line])), signal


# ------------------------------------------------------------------ CVP


@pytest.mark.parametrize("when", CASE_TIMES)
def test_cvp_swings_around_its_numeric(course: Course, when: str) -> None:
    t0 = at(course, when)
    t, y = wf.waveform(course, "cvp", t0, 30.0)
    cvp = course.numeric("cvp", t)
    assert abs(y.mean() - cvp.mean()) < 0.5
    assert 2.0 < np.ptp(y - cvp) < 8.0


def test_cvp_rises_on_ventilator_inspiration(course: Course) -> None:
    t0 = at(course, "ecmo_start+1d")
    t, y = wf.waveform(course, "cvp", t0, 60.0)
    fraction = wf.breaths(course, t).fraction
    inspiration_end = y[(fraction > 0.25) & (fraction < 0.4)]
    late_expiration = y[fraction > 0.8]
    assert inspiration_end.mean() > late_expiration.mean() + 1.0


def test_cvp_shows_cardiac_waves(course: Course) -> None:
    """a, c and v waves: within each beat the trace has several local peaks."""
    t0 = at(course, "ecmo_start+4d")
    t, y = wf.waveform(course, "cvp", t0, 30.0)
    smooth = np.convolve(y, np.ones(5) / 5, mode="same")
    peaks = np.flatnonzero((smooth[1:-1] > smooth[:-2]) & (smooth[1:-1] >= smooth[2:]))
    beats = r_peaks(*wf.waveform(course, "ecg_ii", t0, 30.0)).size
    assert peaks.size >= 2 * beats


# ------------------------------------------------------------------ capnogram


@pytest.mark.parametrize("when", CASE_TIMES)
def test_capnogram_breaths_and_plateau(course: Course, when: str) -> None:
    t0 = at(course, when)
    t, y = wf.waveform(course, "co2", t0, 60.0)
    etco2 = course.numeric("etco2", t)
    rr = course.numeric("rr", t)
    rising = np.flatnonzero((y[:-1] < 0.5 * etco2[:-1]) & (y[1:] >= 0.5 * etco2[1:]))
    assert abs(rising.size - rr.mean()) <= 1.0
    # End of each plateau (last sample before the downstroke) is EtCO2.
    for a, b in zip(rising[:-1], rising[1:]):
        i = a + int(np.argmax(y[a:b]))
        assert abs(y[i] - etco2[i]) < 1.0
        assert y[i] > y[a + int(0.5 * (i - a))]  # the plateau slopes up
    assert np.nanmin(y) == pytest.approx(0.0, abs=1e-9)  # inspiration baseline
    # I:E 1:2: about a third of the time at the baseline (plus the up/downstroke edges).
    assert 0.28 < np.mean(y < 0.1 * etco2) < 0.42


def test_no_capnogram_when_not_intubated(course: Course) -> None:
    for when in ("intubation-10m", "extubation+1h"):
        _, y = wf.waveform(course, "co2", at(course, when), 10.0)
        assert np.all(np.isnan(y)), when


def test_apnoea_gives_a_flat_zero_capnogram(course: Course) -> None:
    t = at(course, "ecmo_start+1d")
    apnoeic = course.with_perturbations([override("rr", 0.0, t, 0.0)])
    _, y = wf.waveform(apnoeic, "co2", t + cycle_clocks.CYCLE_STEP_S, 20.0)
    np.testing.assert_array_equal(y, 0.0)  # a sensor that sees no breath, not a gap
    _, ecg = wf.waveform(apnoeic, "ecg_ii", t + cycle_clocks.CYCLE_STEP_S, 20.0)
    assert np.all(np.isfinite(ecg))


# ------------------------------------------------------------------ asystole


def test_asystole_flattens_every_cardiac_trace(course: Course) -> None:
    t = at(course, "ecmo_start+1d")
    arrest = course.with_perturbations([override("hr", 0.0, t, 0.0)])
    t1 = t + cycle_clocks.CYCLE_STEP_S
    _, ecg = wf.waveform(arrest, "ecg_ii", t1, 10.0)
    assert np.ptp(ecg) < 0.3  # baseline wander and noise, no complexes
    _, abp = wf.waveform(arrest, "abp", t1, 10.0)
    assert np.ptp(abp) < 2.0
    _, pleth = wf.waveform(arrest, "pleth", t1, 10.0)
    assert np.ptp(pleth) < 0.05
