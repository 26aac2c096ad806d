"""Alarm sound: the synthesised bursts played through QtMultimedia.

The burst for the loudest audible alarm loops (each WAV is one burst padded to the
priority's repeat interval). With no audio device the player falls back to silence and
says so, because a trainee must know the monitor is not sounding. Tests use
RecordingAudio, which keeps what would have been played.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Protocol

from dashboard.alarms import AlarmProfile, AlarmSignal, Category, Priority
from dashboard.alarms.sound import burst_cycle, to_wav_bytes


class AlarmAudio(Protocol):
    note: str  # shown on screen: why there is no sound, or ""

    def play(self, signal: AlarmSignal | None) -> None: ...
    def close(self) -> None: ...


class SilentAudio:
    def __init__(self, note: str) -> None:
        self.note = note

    def play(self, signal: AlarmSignal | None) -> None:
        return None

    def close(self) -> None:
        return None


class RecordingAudio:
    """What would have sounded, as (priority, category) changes."""

    def __init__(self) -> None:
        self.note = ""
        self.played: list[tuple[Priority, Category] | None] = []
        self._current: tuple[Priority, Category] | None = None

    def play(self, signal: AlarmSignal | None) -> None:
        key = None if signal is None else (signal.priority, signal.category)
        if key != self._current:
            self._current = key
            self.played.append(key)

    def close(self) -> None:
        return None


class QtAlarmAudio:
    """QSoundEffect per (priority, category), WAVs written once to a temporary folder."""

    def __init__(self, profile: AlarmProfile) -> None:
        from PySide6 import QtCore, QtMultimedia

        self._qt = (QtCore, QtMultimedia)
        self.profile = profile
        self.note = ""
        self._dir = tempfile.TemporaryDirectory(prefix="icu-alarm-sounds-")
        self._effects: dict[tuple[Priority, Category], object] = {}
        self._current: tuple[Priority, Category] | None = None

    def _effect(self, key: tuple[Priority, Category]):
        QtCore, QtMultimedia = self._qt
        eff = self._effects.get(key)
        if eff is None:
            path = Path(self._dir.name) / f"{key[0].name.lower()}_{key[1].value}.wav"
            path.write_bytes(to_wav_bytes(burst_cycle(key[0], key[1], self.profile)))
            eff = QtMultimedia.QSoundEffect()
            eff.setSource(QtCore.QUrl.fromLocalFile(str(path)))
            repeat = self.profile.tones[key[0]].repeat_s
            eff.setLoopCount(QtMultimedia.QSoundEffect.Loop.Infinite.value if repeat > 0 else 1)
            self._effects[key] = eff
        return eff

    def play(self, signal: AlarmSignal | None) -> None:
        key = None if signal is None else (signal.priority, signal.category)
        if key == self._current:
            return
        if self._current is not None:
            self._effects[self._current].stop()
        self._current = key
        if key is not None:
            self._effect(key).play()

    def close(self) -> None:
        for eff in self._effects.values():
            eff.stop()
        self._effects.clear()
        self._dir.cleanup()


def make_audio(profile: AlarmProfile, *, mute: bool) -> AlarmAudio:
    """The real player when an audio output exists; otherwise silence that says so."""
    if mute:
        return SilentAudio("MUTED")
    try:
        from PySide6 import QtMultimedia
    except ImportError:
        return SilentAudio("NO AUDIO (QtMultimedia missing)")
    if not QtMultimedia.QMediaDevices.audioOutputs():
        return SilentAudio("NO AUDIO DEVICE: alarms silent")
    return QtAlarmAudio(profile)
