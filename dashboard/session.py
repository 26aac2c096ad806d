"""MonitorSession: puts together one running monitor — clock, bedside core, window.

Both the app and the tests build sessions here, so a test drives exactly what a user
runs, only with a hand-driven clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pathlib import Path

from dashboard.alarms import AlarmEngine, AlarmLog, load_profile
from dashboard.core.clock import ManualWall, ReplayClock
from dashboard.core.monitor import BedsideMonitor
from dashboard.ui.alarm_audio import AlarmAudio, make_audio
from dashboard.ui.main_window import MonitorWindow
from replay_data.course import Course


@dataclass
class MonitorSession:
    course: Course
    clock: ReplayClock
    monitor: BedsideMonitor
    window: MonitorWindow
    alarms: AlarmEngine
    audio: AlarmAudio
    alarm_log: AlarmLog | None = None
    wall: ManualWall | None = None
    closers: list = field(default_factory=list)

    @classmethod
    def create(cls, course: Course, *, start: float | None = None, speed: float = 1.0,
               virtual_clock: bool = False, alarm_log: str | Path | None = None,
               mute: bool = False, playing: bool = True,
               audio: AlarmAudio | None = None) -> MonitorSession:
        """alarm_log: JSON Lines path (None: no log; the app passes the default path)."""
        sc = course.scenario
        t0 = sc.default_start if start is None else start
        wall = ManualWall() if virtual_clock else None
        kwargs = {"wall": wall} if wall is not None else {}
        clock = ReplayClock(t0, sc.end, speed=speed, playing=playing, begin=sc.start, **kwargs)
        profile = load_profile(sc.alarm_profile)
        log = AlarmLog(alarm_log) if alarm_log is not None else None
        alarms = AlarmEngine(profile, sink=log)
        monitor = BedsideMonitor(course, alarms)
        if audio is None:
            audio = make_audio(profile, mute=mute)
        window = MonitorWindow(course, clock, monitor, animate=not virtual_clock, audio=audio)
        return cls(course, clock, monitor, window, alarms, audio, log, wall)

    def advance_virtual(self, case_seconds: float, frames: int = 1) -> None:
        """Move a virtual clock on by `case_seconds` of case time, painting `frames` frames."""
        if self.wall is None:
            raise RuntimeError("advance_virtual needs a session with a virtual clock")
        frames = max(1, frames)
        for _ in range(frames):
            self.wall.advance(case_seconds / frames / self.clock.speed)
            self.window.frame()

    def close(self) -> None:
        self.window.timer.stop()
        self.audio.close()
        for close in self.closers:
            close()
        if self.alarm_log is not None:
            self.alarm_log.close()
