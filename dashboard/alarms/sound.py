"""Auditory alarm signals synthesised with numpy: int16 PCM bursts and WAV bytes.

Modelled on IEC 60601-1-8: each pulse has a fundamental in 150-1000 Hz plus harmonics
(at least four of them within 300-4000 Hz, all within 15 dB of the fundamental) and a
smooth rise and fall so it does not click. The notes are the Annex F (2006) melody of
the alarm's category: a high-priority burst plays all five twice (3 + 2, pause, 3 + 2),
medium the first three, low the first one or two. Timings come from the profile.
"""

from __future__ import annotations

import io
import wave

import numpy as np

from .kinds import Category, Priority
from .profile import AlarmProfile, ToneSpec

SAMPLE_RATE = 44100

# Annex F (2006) melodies; the '-' of the standard's notation (the longer gap between
# the third and fourth note) is part of the burst timing, not of the melody.
MELODIES: dict[Category, tuple[str, ...]] = {
    Category.GENERAL: ("C4", "C4", "C4", "C4", "C4"),
    Category.CARDIOVASCULAR: ("C4", "E4", "G4", "G4", "C5"),
    Category.OXYGEN: ("C5", "B4", "A4", "G4", "F4"),
    Category.VENTILATION: ("C4", "A4", "F4", "A4", "F4"),
    Category.TEMPERATURE: ("C4", "D4", "E4", "F4", "G4"),
    Category.ARTIFICIAL_PERFUSION: ("C4", "F#4", "C4", "C4", "F#4"),
}

# Relative amplitudes of harmonics 1..6: the weakest (0.3) is -10.5 dB, inside 15 dB.
HARMONIC_AMPLITUDES = (1.0, 0.8, 0.6, 0.5, 0.4, 0.3)

_SEMITONE = {"C": 0, "C#": 1, "D": 2, "D#": 3, "E": 4, "F": 5, "F#": 6, "G": 7, "G#": 8,
             "A": 9, "A#": 10, "B": 11}  # fmt: skip


def note_hz(note: str) -> float:
    """Equal-tempered frequency, A4 = 440 Hz: 'C4' -> 261.63."""
    name, octave = note[:-1], int(note[-1])
    midi = 12 * (octave + 1) + _SEMITONE[name]
    return 440.0 * 2.0 ** ((midi - 69) / 12)


def pulse(freq: float, tone: ToneSpec, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """One pulse, float64 in [-1, 1]: harmonic tone under a raised-cosine rise and fall."""
    n = int(round(tone.pulse_ms * sample_rate / 1000))
    t = np.arange(n) / sample_rate
    wave_ = np.zeros(n)
    for k, a in enumerate(HARMONIC_AMPLITUDES, start=1):
        wave_ += a * np.sin(2 * np.pi * k * freq * t)
    env = np.ones(n)
    rise = int(round(tone.rise_ms * sample_rate / 1000))
    fall = int(round(tone.fall_ms * sample_rate / 1000))
    if rise:
        env[:rise] = 0.5 - 0.5 * np.cos(np.pi * np.arange(rise) / rise)
    if fall:
        env[n - fall :] = 0.5 + 0.5 * np.cos(np.pi * (np.arange(fall) + 1) / fall)
    out = wave_ * env
    peak = np.max(np.abs(out))
    return out / peak if peak > 0 else out


def pulse_starts(priority: Priority, tone: ToneSpec) -> list[float]:
    """Start time (s) of each pulse in one burst."""
    step = (tone.pulse_ms + tone.spacing_ms) / 1000
    # Between the 3rd and 4th pulse the gap is 2 x spacing + one pulse: a missing beat.
    long_step = step + (tone.pulse_ms + tone.spacing_ms) / 1000
    if priority is Priority.HIGH:
        half = [0.0, step, 2 * step, 2 * step + long_step, 3 * step + long_step]
        second = half[-1] + (tone.pulse_ms + tone.half_gap_ms) / 1000
        return half + [second + s for s in half]
    return [i * step for i in range(tone.pulses)]


def burst(priority: Priority, category: Category, profile: AlarmProfile) -> np.ndarray:
    """One burst as int16 PCM, mono, SAMPLE_RATE Hz."""
    tone = profile.tones[priority]
    notes = MELODIES[category]
    starts = pulse_starts(priority, tone)
    n_pulse = int(round(tone.pulse_ms * SAMPLE_RATE / 1000))
    total = int(round(starts[-1] * SAMPLE_RATE)) + n_pulse
    out = np.zeros(total)
    for i, start in enumerate(starts):
        p = pulse(note_hz(notes[i % len(notes)]), tone)
        a = int(round(start * SAMPLE_RATE))
        out[a : a + p.size] += p
    return _to_int16(out, profile.amplitude)


def burst_cycle(priority: Priority, category: Category, profile: AlarmProfile) -> np.ndarray:
    """One burst padded with silence to the profile's repeat interval, ready to loop.
    A priority that plays once (repeat_s = 0) gets the bare burst."""
    b = burst(priority, category, profile)
    period = int(round(profile.tones[priority].repeat_s * SAMPLE_RATE))
    if period <= b.size:
        return b
    return np.concatenate([b, np.zeros(period - b.size, dtype=np.int16)])


def _to_int16(x: np.ndarray, amplitude: float) -> np.ndarray:
    return np.round(np.clip(x, -1.0, 1.0) * amplitude * 32767).astype(np.int16)


def to_wav_bytes(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    """Mono 16-bit WAV file contents for int16 samples (e.g. for QSoundEffect)."""
    pcm = np.asarray(samples)
    if pcm.dtype != np.int16:
        raise ValueError(f"expected int16 samples, got {pcm.dtype}")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.astype("<i2").tobytes())
    return buf.getvalue()
