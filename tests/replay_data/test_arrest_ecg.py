"""The ECG of an arrest: VF is irregular undulation without complexes, PEA a slow
wide-complex organised rhythm; compressions push the arterial line at 100-120/min."""

from __future__ import annotations

import numpy as np

from replay_data.controls import control_perturbation
from replay_data.course import Course
from replay_data.perturbations import injection
from replay_data.scenario import load_scenario
from replay_data.waveforms import waveform

SC = load_scenario("sle_dah_ecmo")
T0 = SC.event_times["ecmo_start"] + 44 * 3600


def _course(name: str) -> Course:
    return Course(SC, 0).with_perturbations([injection(SC, name, T0, pid="a")])


def _dominant_hz(t: np.ndarray, y: np.ndarray) -> float:
    y = y - y.mean()
    f = np.fft.rfftfreq(y.size, t[1] - t[0])
    return float(f[np.argmax(np.abs(np.fft.rfft(y)))])


def test_vf_draws_fibrillation_not_beats():
    t, y = waveform(_course("cardiac_arrest_vf"), "ecg_ii", T0 + 20, 8.0)
    assert np.isfinite(y).all()  # the leads show it although no rate is counted
    assert 3.5 < _dominant_hz(t, y) < 7.5
    assert 0.2 < np.ptp(y) < 2.0
    _, before = waveform(_course("cardiac_arrest_vf"), "ecg_ii", T0 - 10, 8.0)
    assert np.ptp(before) > 0.8  # R waves of the sinus rhythm before


def test_pea_draws_slow_wide_complexes_without_a_pulse():
    c = _course("cardiac_arrest_pea")
    t, y = waveform(c, "ecg_ii", T0 + 30, 10.0)
    high = y > 0.5 * y.max()
    complexes = int(np.count_nonzero(high[1:] & ~high[:-1]))
    assert 20 <= 60.0 * complexes / 10.0 <= 45
    # Wide QRS: above half its height for 80 ms or more each (a normal R wave: about 40 ms).
    assert high.sum() * (t[1] - t[0]) / complexes > 0.08
    _, abp = waveform(c, "abp", T0 + 30, 10.0)
    assert np.ptp(abp) < 6  # no pulse on the arterial line


def test_compressions_push_the_arterial_line():
    c = _course("cardiac_arrest_vf")
    c = c.with_perturbations([*c.perturbations, control_perturbation(
        c, "control.care.cpr", 1, T0 + 5, "cpr")])
    t, abp = waveform(c, "abp", T0 + 20, 10.0)
    assert 90 <= 60.0 * _dominant_hz(t, abp) <= 130
    assert abp.max() > 50 and abp.min() < 30
