"""Alarm system inactivation: AUDIO PAUSED, AUDIO OFF and ALARM PAUSED.

AUDIO PAUSED silences every signal for the profile's time, and a new alarm of higher
priority than any present when it started breaks through it; AUDIO OFF silences until
switched back (no countdown, no break-through); ALARM PAUSED holds back the signals of
conditions that start during it. The countdowns run on the case time the engine passes
in, never on the wall clock. Switching single alarms off (ALARM OFF) is per rule and
lives with the signals, in engine.py.
"""

from __future__ import annotations

from .conditions import AlarmRule, Level
from .records import AlarmChange, InactivationStatus


class Inactivation:
    """The inactivation states of one engine. AUDIO OFF is an operator setting and
    survives reset(); the timed pauses are history and do not."""

    def __init__(self) -> None:
        self.audio_off = False
        self.reset()

    def reset(self) -> None:
        self.audio_pause_until: float | None = None
        # the highest priority present when AUDIO PAUSED started: only a higher one breaks in
        self.audio_pause_ceiling = 0
        self.alarm_pause_until: float | None = None

    @property
    def silenced(self) -> bool:
        """No burst sounds: AUDIO OFF, or AUDIO PAUSED counting down."""
        return self.audio_off or self.audio_pause_until is not None

    @property
    def alarm_paused(self) -> bool:
        return self.alarm_pause_until is not None

    def expire(self, t: float) -> tuple[AlarmChange | None, float | None]:
        """The countdowns at case time t: the change of an AUDIO PAUSED that ran out (or
        None), and the time an ALARM PAUSED ran out at (None if it did not); the engine
        ends that one itself, as ending it restores signals."""
        audio = None
        if self.audio_pause_until is not None and t >= self.audio_pause_until:
            until, self.audio_pause_until = self.audio_pause_until, None
            audio = AlarmChange(until, "audio_resumed", message="audio pause expired")
        alarm_until = None
        if self.alarm_pause_until is not None and t >= self.alarm_pause_until:
            alarm_until = self.alarm_pause_until
        return audio, alarm_until

    def start_audio_pause(self, t: float, duration_s: float, ceiling: int) -> AlarmChange:
        """Start (or restart) AUDIO PAUSED; `ceiling` is the highest priority present."""
        self.audio_pause_until = t + duration_s
        self.audio_pause_ceiling = ceiling
        return AlarmChange(t, "audio_paused", message=f"audio paused for {duration_s:g} s")

    def end_audio_pause(self, t: float) -> AlarmChange | None:
        """The operator ends AUDIO PAUSED (None if it was not on)."""
        if self.audio_pause_until is None:
            return None
        self.audio_pause_until = None
        return AlarmChange(t, "audio_resumed", message="audio pause ended by operator")

    def set_audio_off(self, t: float, on: bool) -> AlarmChange | None:
        """AUDIO OFF on or off (None if it already was)."""
        if on == self.audio_off:
            return None
        self.audio_off = on
        return AlarmChange(t, "audio_off" if on else "audio_on",
                           message="audio off" if on else "audio on")

    def start_alarm_pause(self, t: float, duration_s: float) -> AlarmChange:
        """Start (or restart) ALARM PAUSED: no new alarm signals until it ends."""
        self.alarm_pause_until = t + duration_s
        return AlarmChange(t, "alarm_paused", message=f"alarms paused for {duration_s:g} s")

    def end_alarm_pause(self, t: float, why: str) -> AlarmChange:
        self.alarm_pause_until = None
        return AlarmChange(t, "alarm_resumed", message=f"alarm pause {why}")

    def break_through(self, t: float, lv: Level, rule: AlarmRule) -> AlarmChange | None:
        """A new (or escalated) signal of higher priority than AUDIO PAUSED started with
        ends the pause."""
        if self.audio_pause_until is None or lv.priority <= self.audio_pause_ceiling:
            return None
        self.audio_pause_until = None
        return AlarmChange(
            t,
            "audio_resumed",
            alarm_id=rule.id,
            channel=rule.channel,
            priority=lv.priority,
            message=f"audio pause ended: {lv.priority.label} priority alarm "
            f"{lv.message!r} broke through",
        )

    def status(self, now: float, alarms_off: frozenset[str]) -> InactivationStatus:
        """What the status bar shows; remaining times count down from `now`."""
        return InactivationStatus(
            audio_paused_remaining_s=None
            if self.audio_pause_until is None
            else max(0.0, self.audio_pause_until - now),
            audio_off=self.audio_off,
            alarm_paused_remaining_s=None
            if self.alarm_pause_until is None
            else max(0.0, self.alarm_pause_until - now),
            alarms_off=alarms_off,
        )
