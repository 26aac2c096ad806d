"""Auditory bursts: pulse counts, pulse lengths, frequencies, melodies, WAV output."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from alarm_support import ADULT

from dashboard.alarms import Category, Priority
from dashboard.alarms.sound import (
    MELODIES,
    SAMPLE_RATE,
    burst,
    burst_cycle,
    note_hz,
    pulse,
    pulse_starts,
    to_wav_bytes,
)


def envelope_onsets(x: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) sample indices of each pulse, from a 5 ms moving RMS envelope."""
    win = int(0.005 * SAMPLE_RATE)
    power = np.convolve(x.astype(float) ** 2, np.ones(win) / win, mode="same")
    on = np.sqrt(power) > 0.05 * 32767 * ADULT.amplitude
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
    return list(zip(edges[0::2], edges[1::2], strict=True))


@pytest.mark.parametrize("category", list(Category))
@pytest.mark.parametrize(
    ("priority", "pulses"), [(Priority.HIGH, 10), (Priority.MEDIUM, 3), (Priority.LOW, 2)]
)
def test_burst_pulse_counts(priority, pulses, category):
    x = burst(priority, category, ADULT)
    assert x.dtype == np.int16
    onsets = envelope_onsets(x)
    assert len(onsets) == pulses
    for a, b in onsets:
        assert 0.120 <= (b - a) / SAMPLE_RATE <= 0.210  # ~150-200 ms pulses


def test_high_burst_is_3_plus_2_pause_3_plus_2():
    starts = np.array(pulse_starts(Priority.HIGH, ADULT.tones[Priority.HIGH]))
    gaps = np.round(np.diff(starts), 6)
    short = gaps[0]
    # pulses 1-2-3 - 4-5 | pause | 6-7-8 - 9-10
    assert gaps[0] == gaps[1] == gaps[3] == gaps[5] == gaps[6] == gaps[8] == short
    assert gaps[2] == gaps[7] > short  # the '-' between 3rd and 4th note
    assert gaps[4] > gaps[2]  # pause between the two halves
    np.testing.assert_allclose(gaps[5:], gaps[:4])


def dominant(x: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size), n=1 << 16))
    return float(np.fft.rfftfreq(1 << 16, 1 / SAMPLE_RATE)[np.argmax(spec)])


@pytest.mark.parametrize("category", list(Category))
def test_melody_notes_and_frequency_range(category):
    x = burst(Priority.HIGH, category, ADULT)
    notes = MELODIES[category] * 2
    for (a, b), note in zip(envelope_onsets(x), notes, strict=True):
        f = dominant(x[a:b].astype(float))
        assert 150 <= f <= 1000
        assert f == pytest.approx(note_hz(note), rel=0.01)


@pytest.mark.parametrize("note", ["C4", "F#4", "C5"])
def test_at_least_four_harmonics_in_300_to_4000_hz(note):
    f0 = note_hz(note)
    x = pulse(f0, ADULT.tones[Priority.MEDIUM])
    n = 1 << 17
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size), n=n))
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)

    def peak(f):
        band = (freqs > f * 0.97) & (freqs < f * 1.03)
        return spec[band].max()

    fundamental = peak(f0)
    in_band = [k * f0 for k in range(1, 20) if 300 <= k * f0 <= 4000]
    strong = [f for f in in_band if peak(f) >= fundamental * 10 ** (-15 / 20)]
    assert len(strong) >= 4  # within 15 dB of the fundamental
    # And nothing much above 4 kHz.
    assert spec[freqs > 4500].max() < fundamental * 10 ** (-30 / 20)


def test_pulse_has_rise_and_fall():
    tone = ADULT.tones[Priority.HIGH]
    x = pulse(note_hz("C4"), tone)
    rise = int(tone.rise_ms * SAMPLE_RATE / 1000)
    assert np.abs(x[:20]).max() < 0.05 and np.abs(x[-20:]).max() < 0.05
    assert np.abs(x[rise : rise + 400]).max() > 0.5


def test_cycle_pads_to_the_repeat_interval_and_wav_round_trips():
    cyc = burst_cycle(Priority.HIGH, Category.OXYGEN, ADULT)
    assert cyc.size == int(ADULT.tones[Priority.HIGH].repeat_s * SAMPLE_RATE)
    low = burst_cycle(Priority.LOW, Category.GENERAL, ADULT)  # repeat_s = 0: once
    assert low.size == burst(Priority.LOW, Category.GENERAL, ADULT).size
    data = to_wav_bytes(cyc)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 44100)
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    np.testing.assert_array_equal(frames, cyc)
    with pytest.raises(ValueError, match="int16"):
        to_wav_bytes(cyc.astype(float))


def test_amplitude_follows_the_profile():
    x = burst(Priority.MEDIUM, Category.GENERAL, ADULT)
    assert np.abs(x).max() == pytest.approx(ADULT.amplitude * 32767, rel=0.01)
