"""MonitorSession: puts together one running monitor — clock, bedside core, alarms, window,
and for a training session the instructor console, disturbances and the recording.

Both the app and the tests build sessions here, so a test drives exactly what a user
runs, only with a hand-driven clock.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.alarms import AlarmChange, AlarmEngine, AlarmLog, load_profile
from dashboard.core.clock import ManualWall, ReplayClock
from dashboard.core.monitor import BedsideMonitor
from dashboard.session_log import RecordedSession, SessionRecorder
from dashboard.ui.alarm_audio import AlarmAudio, make_audio
from dashboard.ui.main_window import MonitorWindow
from replay_data.course import Course, Sample
from replay_data.errors import ReplayDataError
from replay_data.perturbations import Perturbation, injection, override

SNAPSHOT_EVERY_S = 60
# The console is read by a person, not flashed: a few refreshes a second are enough,
# and it need not rebuild its notes and lists in every monitor frame.
CONSOLE_REFRESH_S = 0.25


class FanOut:
    """One alarm-engine sink feeding several (the alarm log and the session recording).

    A sink that fails (disk full, folder removed) must not stop the monitor: the failure
    is reported once through `on_error` and that sink is dropped; the others go on."""

    def __init__(self, *sinks: object) -> None:
        self.sinks = [s for s in sinks if s is not None]
        self.on_error = lambda message: None
        self.errors: list[str] = []

    def write(self, change: AlarmChange) -> None:
        for s in list(self.sinks):
            try:
                s.write(change)
            except OSError as exc:
                self.sinks.remove(s)
                self.errors.append(str(exc))
                self.on_error(str(exc))


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
    recorder: SessionRecorder | None = None
    base_course: Course | None = None
    perturbations: list[Perturbation] = field(default_factory=list)
    console: object | None = None  # InstructorConsole when --instructor
    replay: RecordedSession | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _replay_actions: list = field(default_factory=list)  # recorded actions, file order
    _replay_index: int = 0
    _console_wall: float = -1e18

    @classmethod
    def create(cls, course: Course, *, start: float | None = None, speed: float = 1.0,
               virtual_clock: bool = False, alarm_log: str | Path | None = None,
               mute: bool = False, playing: bool = True, audio: AlarmAudio | None = None,
               session_log: str | Path | None = None, instructor: bool = False,
               scenario_name: str | None = None) -> MonitorSession:
        """alarm_log / session_log: JSON Lines paths (None: not written; the app passes
        the default paths)."""
        sc = course.scenario
        t0 = sc.default_start if start is None else start
        wall = ManualWall() if virtual_clock else None
        kwargs = {"wall": wall} if wall is not None else {}
        clock = ReplayClock(t0, sc.end, speed=speed, playing=playing, begin=sc.start, **kwargs)
        profile = load_profile(sc.alarm_profile)
        # The session file first: it refuses to overwrite, and then no empty alarm log is
        # left behind; if the alarm log then fails, the new session file goes again.
        recorder = None
        if session_log is not None:
            recorder = SessionRecorder(session_log)
            recorder.start(scenario=scenario_name or sc.id, scenario_id=sc.id, seed=course.seed,
                           start=t0, speed=speed)
        try:
            log = AlarmLog(alarm_log) if alarm_log is not None else None
        except OSError:
            if recorder is not None:
                recorder.close()
                recorder.path.unlink(missing_ok=True)
            raise
        fan_out = FanOut(log, recorder)
        alarms = AlarmEngine(profile, sink=fan_out)
        monitor = BedsideMonitor(course, alarms)
        if audio is None:
            audio = make_audio(profile, mute=mute)
        window = MonitorWindow(course, clock, monitor, animate=not virtual_clock, audio=audio)
        fan_out.on_error = window.show_system_problem
        base = Course(course.scenario, course.seed, (), course.catalogue)
        s = cls(course, clock, monitor, window, alarms, audio, log, wall, recorder, base,
                list(course.perturbations))
        window.action_listeners.append(s._trainee_action)
        window.clock_listeners.append(s._instructor_action)
        monitor.sample_listeners.append(s._snapshot)
        if instructor:
            s.open_console()
        return s

    @classmethod
    def from_recording(cls, recording: RecordedSession, course: Course, **kwargs) -> MonitorSession:
        """Play a recorded session back: the same course (all its disturbances are data),
        and the recorded speed changes, jumps and trainee actions at their case times."""
        s = cls.create(course, start=recording.start, speed=recording.speed, **kwargs)
        s.replay = recording
        s._replay_actions = sorted(recording.instructor_actions() + recording.trainee_actions(),
                                   key=lambda a: a.line)
        s.window.frame_listeners.append(s._replay_step)
        return s

    # ------------------------------------------------------------------ console

    def open_console(self) -> None:
        from dashboard.ui.instructor_console import InstructorConsole

        console = InstructorConsole(self.course)
        c = console.controls
        c.play_toggled.connect(self.window.toggle_play)
        c.speed_chosen.connect(self.window.set_speed)
        c.seek_requested.connect(self.window.seek)
        console.inject_requested.connect(self._console_inject)
        console.override_requested.connect(self._console_override)
        console.stop_requested.connect(self._console_stop)
        console.debrief_requested.connect(self._console_debrief)
        self.window.frame_listeners.append(self._show_console)
        self.console = console
        self._show_console(self.clock.case_time())

    def _refresh_console(self) -> None:
        """After an instructor action the console shows it at once."""
        self._console_wall = -1e18
        self._show_console(self.clock.case_time())

    def _show_console(self, t: float) -> None:
        from dashboard.ui.instructor_console import alarm_lines
        from replay_data.timeexpr import format_duration

        if self.console is None:
            return
        wall = self.clock.wall_time()
        if 0 <= wall - self._console_wall < CONSOLE_REFRESH_S:
            return
        self._console_wall = wall
        lines = alarm_lines(self.alarms.active_alarms(), t, format_duration)
        self.console.show_state(t, self.clock.playing, self.clock.speed, lines,
                                self.perturbations, self.monitor.latest.values)

    def _console_inject(self, injection_id: str, severity: float, duration: float) -> None:
        self._guarded(lambda: self.inject(injection_id, severity=severity, duration=duration))

    def _console_override(self, channel: str, target: float, transition: float,
                          duration: float | None) -> None:
        self._guarded(lambda: self.override(channel, target, transition, duration))

    def _console_stop(self, pid: str) -> None:
        self._guarded(lambda: self.stop(pid))

    def _console_debrief(self) -> None:
        def run() -> None:
            path = self.write_debrief()
            self.console.show_message(f"Debrief written: {path}")
        self._guarded(run)

    def _guarded(self, action) -> None:  # noqa: ANN001
        """The console shows what went wrong instead of crashing the session."""
        try:
            action()
        except (ReplayDataError, ValueError, OSError) as exc:
            if self.console is not None:
                self.console.show_message(f"Not done: {exc}")
            else:
                raise

    # ------------------------------------------------------------------ disturbances

    def _next_id(self, name: str) -> str:
        return f"{name}#{next(self._ids)}"

    def inject(self, injection_id: str, *, severity: float | None = None,
               duration: float | None = None) -> Perturbation:
        """Start one of the scenario's injections now."""
        return self.schedule_injection(injection_id, self.clock.case_time(),
                                       severity=severity, duration=duration)

    def schedule_injection(self, injection_id: str, t: float, *,
                           severity: float | None = None,
                           duration: float | None = None) -> Perturbation:
        """An injection starting at case time t (now, or later in scripted runs)."""
        return self._add(injection(self.course.scenario, injection_id, t, severity=severity,
                                   duration=duration, pid=self._next_id(injection_id)))

    def schedule_injections(self, planned: list[tuple[str, float]]) -> list[Perturbation]:
        """Many (injection, case time) at once: the course is rebuilt once, not per item
        (5,000 scripted injections would otherwise take minutes)."""
        new = [injection(self.course.scenario, name, t, pid=self._next_id(name))
               for name, t in planned]
        if new:
            self._apply([*self.perturbations, *new])
            if self.recorder is not None:
                for p in new:
                    self.recorder.perturbation(self.clock.case_time(), p)
        return new

    def override(self, channel: str, target: float, transition: float,
                 duration: float | None = None) -> Perturbation:
        """Drive a channel towards `target` over `transition` seconds, from now."""
        self.course.check_channel(channel)
        return self._add(override(channel, target, self.clock.case_time(), transition,
                                  duration, pid=self._next_id(channel)))

    def _add(self, p: Perturbation) -> Perturbation:
        self._apply([*self.perturbations, p])
        if self.recorder is not None:
            self.recorder.perturbation(self.clock.case_time(), p)
        return p

    def stop(self, pid: str) -> None:
        """End a disturbance now; it ramps off over its offset."""
        t = self.clock.case_time()
        found = [p for p in self.perturbations if p.id == pid]
        if not found:
            raise ReplayDataError(f"no active disturbance {pid!r}")
        self._apply([p.stopped_at(t) if p.id == pid else p for p in self.perturbations])
        if self.recorder is not None:
            self.recorder.perturbation_stopped(t, pid)

    def _apply(self, perturbations: list[Perturbation]) -> None:
        course = self.base_course.with_perturbations(perturbations)
        self.perturbations = perturbations
        self.course = course
        self.window.set_course(course)
        if self.console is not None:
            self.console.set_course(course)
            self._refresh_console()

    # ------------------------------------------------------------------ recording

    def _trainee_action(self, t: float, action: str, fields: dict) -> None:
        if self.recorder is not None:
            self.recorder.trainee(t, action, **fields)

    def _instructor_action(self, t: float, action: str, fields: dict) -> None:
        if self.recorder is not None and self.replay is None:
            self.recorder.instructor(t, action, **fields)

    def _snapshot(self, sample: Sample) -> None:
        if self.recorder is not None and sample.t % SNAPSHOT_EVERY_S == 0:
            self.recorder.snapshot(sample)

    def write_debrief(self, out: str | Path | None = None) -> Path:
        """Debrief report of this session, next to its recording by default."""
        if self.recorder is None:
            raise ReplayDataError("this session is not recorded (start with --session-log)")
        from dashboard.debrief import build_debrief

        target = Path(out) if out else self.recorder.path.with_suffix(".html")
        build_debrief(self.recorder.path, target)
        return target

    # ------------------------------------------------------------------ replay

    def _replay_step(self, t: float) -> None:
        """Apply the recorded actions whose case time has come (file order)."""
        actions = self._replay_actions
        while self._replay_index < len(actions) and actions[self._replay_index].case_time <= t:
            a = actions[self._replay_index]
            self._replay_index += 1
            self._apply_recorded(a)

    def _apply_recorded(self, a) -> None:  # noqa: ANN001
        w, f = self.window, a.fields
        if a.actor == "instructor":
            # Pauses only held the wall clock; they change no screen, so they are skipped.
            if a.action == "speed":
                self.clock.set_speed(float(f["value"]))
            elif a.action in ("seek", "jump") and "target" in f:
                w.seek(float(f["target"]))
            return
        t = a.case_time
        if a.action == "acknowledge":
            w.history.add_changes(self.alarms.acknowledge(t, f.get("alarm_id")))
        elif a.action == "audio_pause":
            w.history.add_changes(self.alarms.audio_pause(t, bool(f.get("on", True))))
        elif a.action == "audio_off":
            w.history.add_changes(self.alarms.audio_off(t, bool(f.get("on", True))))
        elif a.action == "alarm_pause":
            w.history.add_changes(self.alarms.alarm_pause(t, bool(f.get("on", True))))
        elif a.action == "alarm_off":
            w.history.add_changes(self.alarms.alarm_off(t, f["target"], bool(f.get("on", True))))
        elif a.action == "limits":
            w.history.add_changes(self.alarms.set_limits(t, f["parameter"], low=f.get("low"),
                                                         high=f.get("high")))

    # ------------------------------------------------------------------ running

    def advance_virtual(self, case_seconds: float, frames: int = 1) -> None:
        """Move a virtual clock on by `case_seconds` of case time, painting `frames` frames."""
        if self.wall is None:
            raise RuntimeError("advance_virtual needs a session with a virtual clock")
        frames = max(1, frames)
        for _ in range(frames):
            self.wall.advance(case_seconds / frames / self.clock.speed)
            self.window.frame()

    def settle_for_screenshot(self) -> None:
        """Before saving a frame: strips show whole sweeps of the current waveforms."""
        self.window.refill_strips()

    def close(self) -> None:
        self.window.timer.stop()
        self.audio.close()
        if self.console is not None:
            self.console.close()
        if self.alarm_log is not None:
            self.alarm_log.close()
        if self.recorder is not None:
            self.recorder.close()
