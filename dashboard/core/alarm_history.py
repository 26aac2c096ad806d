"""How the bedside got to where it stands: case seconds processed, and the alarm engine's
history that a follower or a late operator action must be able to rebuild.

The alarm engine's state is history, not a function of case time: an alarm silenced at
10:02 is silent at 10:03 only because of what happened in between. So the controller
keeps what rebuilding it takes -- where history starts (`history_from`, the last seek or
the session's opening, and `history_seq`, the action count at it) and every alarm
operator action applied, with its case time and seq (`operator_log`). From that,
`rebuild()` brings a fresh engine to any moment exactly as the authority's got there:
a display that joins late, a follower whose clock jumped back, or a trainee's
acknowledge that reaches the instructor after the instructor's screen moved on.

`alarm_t` is the latest case time the engine has seen; `catch_up(t)` processes every
whole case second up to t, never backwards (the determinism rule: an action at case
time t applies after all of them).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from dashboard.alarms import AlarmChange, AlarmEngine
from dashboard.alarms.profile import AlarmProfile
from replay_data.course import Course

from .actions import (
    ACKNOWLEDGE,
    ALARM_OFF,
    ALARM_PAUSE,
    AUDIO_OFF,
    AUDIO_PAUSE,
    LIMITS,
    OPERATOR_SETTINGS,
    Action,
    ActionError,
)
from .monitor import BedsideMonitor
from .sinks import AlarmSinks

# What each alarm operator action does to an engine (the alarm keys and limits dialog).
Operate = Callable[[AlarmEngine, Action, float], list[AlarmChange]]
OPERATE: dict[str, Operate] = {
    ACKNOWLEDGE: lambda e, a, t: e.acknowledge(t, a.arg("alarm_id")),
    AUDIO_PAUSE: lambda e, a, t: e.audio_pause(t, a.arg("on")),
    ALARM_PAUSE: lambda e, a, t: e.alarm_pause(t, a.arg("on")),
    AUDIO_OFF: lambda e, a, t: e.audio_off(t, a.arg("on")),
    ALARM_OFF: lambda e, a, t: e.alarm_off(t, a.arg("target"), a.arg("on")),
    LIMITS: lambda e, a, t: e.set_limits(t, a.arg("parameter"), low=a.arg("low"),
                                         high=a.arg("high")),
}


def operate(engine: AlarmEngine, a: Action, t: float) -> list[AlarmChange]:
    """Apply alarm operator action `a` to `engine` at case time t (ValueError if the
    engine refuses, e.g. alarm off of a desaturation)."""
    do = OPERATE.get(a.kind)
    if do is None:
        raise ActionError(f"not an alarm operator action: {a.kind!r}")
    return do(engine, a, t)


class AlarmHistory:
    """The bedside monitor, its alarm engine (`engine`, replaced by a rebuild) and the
    history to rebuild it from. Writes go to `sinks`; a rebuild mutes them but for the
    alarms present at its end (already logged once, when they happened)."""

    def __init__(self, course: Course, profile: AlarmProfile, sinks: AlarmSinks,
                 t0: float) -> None:
        self.profile = profile
        self.sinks = sinks
        self.engine = AlarmEngine(profile, sink=sinks)
        self.monitor = BedsideMonitor(course, self.engine)
        self.alarm_t = -math.inf  # latest case time the alarm engine has seen
        # Alarm operator actions applied, (seq, action), and where alarm history starts.
        self.operator_log: list[tuple[int, Action]] = []
        self.history_from = t0
        self.history_seq = 0

    # ------------------------------------------------------------------ going forward

    def catch_up(self, t: float) -> list[AlarmChange]:
        """Process every whole case second up to t (never backwards)."""
        if t < self.alarm_t:
            return []
        self.monitor.advance_to(t)
        self.alarm_t = max(self.alarm_t, math.floor(t))
        return self.monitor.take_changes()

    def seek_quietly(self, t: float, history_seq: int | None = None) -> None:
        """Monitor and alarm history at t (the engine rebuilt from a window before t);
        alarm history starts again here."""
        self.monitor.seek(t)
        self.monitor.take_changes()
        self.alarm_t = math.floor(t)
        self.history_from = t
        if history_seq is not None:
            self.history_seq = history_seq

    # ------------------------------------------------------------------ operator actions

    def check(self, a: Action) -> None:
        """What the alarm profile refuses before anything is applied."""
        if a.kind == LIMITS and a.arg("parameter") not in self.profile.parameters:
            raise ActionError(f"no alarm limits for {a.arg('parameter')!r}")

    def operator_action(self, a: Action, t: float, seq: int, now: float
                        ) -> tuple[Action, list[AlarmChange]]:
        """Apply alarm operator action `a` taken at case time t, which will be action
        number `seq`; `now` is the clock's case time. Returns it completed and the
        alarm changes (none to publish when history had to be rebuilt)."""
        if t < self.alarm_t:
            # Taken at a moment this display has already passed (a follower ahead of the
            # instructor): rebuild alarm history with it in its place.
            done = a.with_(case_t=t)
            self.check(done)
            self.operator_log.append((seq, done))
            try:
                self.rebuild(now)
            finally:
                self.operator_log.pop()
            return done, []
        changes = self.catch_up(t)
        changes += operate(self.engine, a, t)
        self.alarm_t = t
        return a.with_(case_t=t), changes

    def record(self, seq: int, done: Action) -> None:
        """Operator action `done` was applied as action number `seq`: part of history."""
        self.operator_log.append((seq, done))

    # ------------------------------------------------------------------ rebuilding

    def adopt(self, operator_log: list[tuple[int, Action]], history_from: float,
              history_seq: int) -> None:
        """A follower takes the instructor's history (rebuild() then replays it)."""
        self.operator_log = operator_log
        self.history_from, self.history_seq = history_from, history_seq

    def rebuild(self, now: float) -> None:
        """A fresh alarm engine brought to `now` exactly as the authority's: settings from
        before the last seek, then history from the seek with the operator actions since
        at their case times. Writes nothing to the logs but the alarms present at `now`."""
        engine = AlarmEngine(self.profile, sink=self.sinks)
        self.sinks.muted = True
        try:
            for seq, a in self.operator_log:
                if seq <= self.history_seq and a.kind in OPERATOR_SETTINGS:
                    engine.reset()
                    _operate_quietly(engine, a)
            self.engine = engine
            self.monitor.alarms = engine
            self.monitor.seek(self.history_from)
            self.alarm_t = math.floor(self.history_from)
            for _seq, a in sorted((x for x in self.operator_log if x[0] > self.history_seq),
                                  key=lambda x: (x[1].case_t, x[0])):
                self.catch_up(a.case_t)
                _operate_quietly(engine, a)
                self.alarm_t = max(self.alarm_t, a.case_t)
            self.catch_up(max(now, self.alarm_t))
            self.monitor.take_changes()
        finally:
            self.sinks.muted = False
        self.monitor.pending_changes.clear()
        self.monitor._log_present(now)


def _operate_quietly(engine: AlarmEngine, a: Action) -> None:
    """Replay one operator action at its case time; one the engine refused then (alarm
    off of a desaturation) changed nothing then and changes nothing now."""
    try:
        operate(engine, a, a.case_t)
    except ValueError:
        pass
