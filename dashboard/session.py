"""MonitorSession: assembles one running session -- a SessionController (the session
itself, no Qt), its windows (views) and the frame loop that ticks it.

Both the app and the tests build sessions here, so a test drives exactly what a user
runs, only with a hand-driven clock. Nothing here decides anything about the session:
the controller does; the windows draw and turn input into actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import shiboken6
from PySide6 import QtCore, QtWidgets

from dashboard.core.actions import INJECT, INSTRUCTOR, OVERRIDE, SCRIPT, STOP, Action, Actor
from dashboard.core.clock import ManualWall, ReplayClock
from dashboard.core.session_controller import SessionController
from dashboard.debrief.session_debrief import write_debrief
from dashboard.recording import RecordedSession, recording_for
from dashboard.ui.alarm_audio import AlarmAudio, make_audio
from dashboard.ui.main_window import MonitorWindow, Role
from dashboard.ui.running import CURRENT as RUNNING
from replay_data.controls import CONSOLES as CONSOLE_KINDS
from replay_data.course import Course
from replay_data.perturbations import Perturbation

FRAME_INTERVAL_MS = 16
# The sessions running in this process (MonitorSession.create adds, close removes): how
# the GUI automation hook (dashboard.ui.automation, off unless asked for) finds them. The
# list lives in dashboard.ui.running, below this layer; this is the same list.
CURRENT: list[MonitorSession] = RUNNING


@dataclass
class MonitorSession:
    controller: SessionController
    window: MonitorWindow
    audio: AlarmAudio
    timer: QtCore.QTimer
    wall: ManualWall | None = None
    console: object | None = None  # InstructorConsole with --instructor
    replay: RecordedSession | None = None
    extra_windows: list[QtWidgets.QWidget] = field(default_factory=list)
    closed: bool = False
    # How the controller and windows were made: change_scenario() makes them again so.
    built: dict[str, object] = field(default_factory=dict)
    # The bedside team's consoles (ECMO, ventilator) on this session, made again with it.
    consoles: list[QtWidgets.QWidget] = field(default_factory=list)
    # Called with the new controller whenever the session goes on in another one (a
    # scenario chosen in the pre-brief, a follower made again on the instructor's).
    controller_listeners: list[Callable[[SessionController], None]] = \
        field(default_factory=list)
    # What the frame timer runs (None: controller.tick); a network bridge pumps first.
    frame_step: Callable[[], None] | None = None

    @classmethod
    def create(cls, course: Course, *, start: float | None = None, speed: float = 1.0,
               virtual_clock: bool = False, alarm_log: str | Path | None = None,
               mute: bool = False, playing: bool = True, audio: AlarmAudio | None = None,
               session_log: str | Path | None = None, instructor: bool = False,
               scenario_name: str | None = None, role: Role | str = Role.DEMO,
               display: str | None = None,
               network_wall: Callable[[], float] | None = None,
               authority: bool = True, consoles: Iterable[str] = (),
               console_display: str | None = None) -> MonitorSession:
        """alarm_log / session_log: JSON Lines paths (None: not written; the app passes
        the default paths). role: the window's (demo or monitor); instructor=True adds
        the console (and makes the window the trainees' bedside monitor). authority=False:
        a networked monitor, following the instructor (its alarm log starts with the
        instructor's state). consoles: the team's consoles to open ("ecmo", "vent"),
        acting as Actor("trainee", console_display) (default: the display's name)."""
        role = Role(role)
        if instructor and role is Role.DEMO:
            role = Role.MONITOR
        wall = ManualWall() if virtual_clock else None
        # network mode: time.time, so clock anchors compare across machines
        controller = SessionController(course, start=start, speed=speed, playing=playing,
                                       wall=wall or network_wall, alarm_log=alarm_log,
                                       recording=recording_for(session_log, scenario_name),
                                       display=display or role.value, authority=authority)
        if audio is None:
            audio = make_audio(controller.profile, mute=mute)
        window = MonitorWindow(controller, role=role, display=display or role.value,
                               audio=audio)
        timer = QtCore.QTimer()  # the session's, not the window's: it outlives no one
        timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        timer.setInterval(FRAME_INTERVAL_MS)
        s = cls(controller, window, audio, timer, wall)
        timer.timeout.connect(s._frame_timer)
        if not virtual_clock:
            timer.start()
        kinds = tuple(consoles)
        for which in kinds:
            if which not in CONSOLE_KINDS:
                raise ValueError(f"unknown console {which!r} (consoles: "
                                 f"{', '.join(CONSOLE_KINDS)})")
        s.built = {"speed": speed, "alarm_log": alarm_log, "session_log": session_log,
                   "role": role, "display": display or role.value,
                   "scenario_name": scenario_name, "network_wall": network_wall,
                   "consoles": kinds,
                   "console_display": console_display or display or role.value}
        if instructor:
            s.console = s._make_console(controller)
        s.consoles = [s._make_team_console(which, controller) for which in kinds]
        CURRENT.append(s)
        return s

    def _frame_timer(self) -> None:
        (self.frame_step or self.controller.tick)()

    def _make_team_console(self, which: str, controller: SessionController
                           ) -> QtWidgets.QWidget:
        """The ECMO or ventilator console the bedside team operates, acting as the
        trainee at this session's console display (its requests go where the
        controller sends them: applied here, or up to the instructor)."""
        display = str(self.built["console_display"])
        if which == "ecmo":
            from dashboard.ui.ecmo_console import EcmoConsole

            return EcmoConsole(controller, display=display)
        from dashboard.ui.vent_console import VentilatorConsole

        return VentilatorConsole(controller, display=display)

    def _make_console(self, controller: SessionController) -> QtWidgets.QWidget:
        from dashboard.ui.instructor_console import InstructorConsole

        console = InstructorConsole(controller)
        console.scenario_chooser = self.change_scenario
        return console

    @classmethod
    def from_recording(cls, recording: RecordedSession, course: Course, *,
                       speed: float | None = None, **kwargs) -> MonitorSession:
        """Play a recorded session back: the same course (all its disturbances are data),
        the recorded jumps and trainee actions through the controller's dispatch at their
        case times; recorded speed changes too, unless `speed` is chosen here."""
        s = cls.create(course, start=recording.start,
                       speed=recording.speed if speed is None else speed, **kwargs)
        s.replay = recording
        s.controller.replay(recording.replay_actions(), follow_speed=speed is None)
        if s.window.controls is not None:  # the timeline and "Jump to" of the session
            s.window.controls.show_recording(recording, course)
        return s

    # ------------------------------------------------------------------ reading

    @property
    def clock(self) -> ReplayClock:
        return self.controller.clock

    @property
    def course(self) -> Course:
        return self.controller.course

    @property
    def alarms(self):  # the controller's AlarmEngine
        return self.controller.alarms

    @property
    def recorder(self):
        return self.controller.recorder

    @property
    def alarm_log(self):
        return self.controller.alarm_log

    @property
    def perturbations(self) -> list[Perturbation]:
        return self.controller.perturbations

    # ------------------------------------------------------------------ scripted actions

    def _instructor(self, kind: str, role: str = INSTRUCTOR, **args: object) -> Action:
        display = "console" if role == INSTRUCTOR else "script"
        done = self.controller.apply(Action.make(kind, args, Actor(role, display)),
                                     strict=True)
        assert done is not None
        return done

    def inject(self, injection_id: str, *, severity: float | None = None,
               duration: float | None = None) -> Action:
        """Start one of the scenario's injections now (as the instructor)."""
        return self._instructor(INJECT, injection=injection_id, severity=severity,
                                duration=duration)

    def schedule_injection(self, injection_id: str, t: float) -> Action:
        """An injection starting at case time t (headless --inject)."""
        return self._instructor(INJECT, SCRIPT, injection=injection_id, start=float(t))

    def schedule_injections(self, planned: Iterable[tuple[str, float]]) -> list[Action]:
        """Injections (id, start) as one batch: the course is rebuilt once (--inject)."""
        done = self.controller.apply_many(
            [Action.make(INJECT, {"injection": name, "start": float(t)},
                         Actor(SCRIPT, "script")) for name, t in planned], strict=True)
        return [a for a in done if a is not None]

    def override(self, channel: str, target: float, transition: float,
                 duration: float | None = None) -> Action:
        return self._instructor(OVERRIDE, channel=channel, target=float(target),
                                transition=float(transition), duration=duration)

    def stop(self, pid: str) -> Action:
        return self._instructor(STOP, id=pid)

    def write_debrief(self, out: str | Path | None = None) -> Path:
        return write_debrief(self.controller, out)

    # ------------------------------------------------------------------ pre-brief

    def change_scenario(self, name_or_path: str) -> None:
        """In the pre-brief, run the session on another scenario (a built-in name or a
        .toml path): a new controller at that scenario's default start, still in its
        pre-brief, and the trainees' monitor and the console made again on it. The
        pre-brief's session file (its header and nothing else worth keeping) is replaced.

        A scenario that does not load raises ScenarioError (ReplayDataError) before
        anything changes: the previous scenario stays.
        """
        from replay_data.scenario import load_scenario

        old = self.controller
        if old.begun or old.ended:
            raise ValueError("the scenario can only be changed in the pre-brief, "
                             "before Start")
        course = Course(load_scenario(name_or_path), seed=old.course.seed)
        b = self.built
        old_path = old.recorder.path if old.recorder is not None else None
        old_course, old_start = old.course, old.clock.case_time()
        old_name = b.get("scenario_name")
        old.close()
        if old_path is not None:
            old_path.unlink(missing_ok=True)  # the new session file takes its name

        def build(c: Course, start: float, name: str | None) -> SessionController:
            # The same wall clock as before: in network mode the room compares anchors
            # in epoch time (time.time), which the default (monotonic) clock is not.
            return SessionController(c, start=start, speed=float(b["speed"]), playing=False,
                                     wall=self.wall or b["network_wall"],
                                     alarm_log=b["alarm_log"],
                                     recording=recording_for(b["session_log"], name),
                                     display=str(b["display"]))

        try:
            given = Path(str(name_or_path))
            name = str(given.resolve()) if given.suffix == ".toml" else str(given)
            controller = build(course, course.scenario.default_start, name)
        except Exception:
            # Back to where it was (the old file's name is free again): nothing half-done.
            self.controller = build(old_course, old_start, old_name)
            self._reattach(self.controller)
            raise
        self.controller = controller
        b["scenario_name"] = name  # a file by its absolute path: what a replay loads
        self._reattach(controller)

    def follow(self, course: Course) -> SessionController:
        """A networked bedside made again on `course` (the instructor chose another
        scenario, or a new session began): a new follower controller on the same alarm
        log (it goes on), the monitor and the team's consoles made again on it. Returns
        the controller, for the bridge to adopt the instructor's state into."""
        old = self.controller
        b = self.built
        old.close()
        controller = SessionController(course, start=course.scenario.default_start,
                                       speed=float(b["speed"]), playing=False,
                                       wall=self.wall or b["network_wall"],
                                       alarm_log=b["alarm_log"],
                                       display=str(b["display"]), authority=False)
        b["scenario_name"] = course.scenario.id
        self.controller = controller
        self._reattach(controller)
        return controller

    def _reattach(self, controller: SessionController) -> None:
        """The windows onto `controller` (the frame timer ticks whichever controller the
        session has); each new window takes the old one's place (its tab, geometry and
        full-screen state)."""
        b = self.built
        old_window = self.window
        self.window = MonitorWindow(controller, role=Role(b["role"]), display=str(b["display"]),
                                    audio=self.audio)
        _take_place(old_window, self.window, self.extra_windows)
        if self.console is not None:
            old_console = self.console
            self.console = self._make_console(controller)
            _take_place(old_console, self.console, self.extra_windows)
        old_consoles, self.consoles = self.consoles, []
        for which, old in zip(b.get("consoles", ()), old_consoles, strict=True):
            new = self._make_team_console(str(which), controller)
            self.consoles.append(new)
            _take_place(old, new, self.extra_windows)
        for listener in list(self.controller_listeners):
            listener(controller)

    # ------------------------------------------------------------------ running

    def frame(self) -> None:
        """One frame now (what the frame timer does)."""
        self.controller.tick()

    def advance_virtual(self, case_seconds: float, frames: int = 1) -> None:
        """Move a virtual clock on by `case_seconds` of case time, painting `frames` frames."""
        self.controller.advance(case_seconds, frames)

    def settle_for_screenshot(self) -> None:
        """Before saving a frame: strips show whole sweeps of the current waveforms."""
        self.window.refill_strips()
        if self.console is not None and self.console.mirror is not None:
            self.console.mirror.refill_strips()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        CURRENT[:] = [s for s in CURRENT if s is not self]  # by identity, not dataclass ==
        self.timer.stop()
        self.audio.close()
        if shiboken6.isValid(self.window):
            self.window.detach()
            # Closed with the session: a window left showing a stopped controller would
            # look live (and, in a test process, answer for the next session's widgets).
            self.window.close()
        if self.console is not None and shiboken6.isValid(self.console):
            self.console.detach()
            self.console.close()
        for w in [*self.consoles, *self.extra_windows]:
            if w is not None and shiboken6.isValid(w):
                if hasattr(w, "detach"):
                    w.detach()
                w.close()
        self.controller.close()


def _take_place(old: QtWidgets.QWidget, new: QtWidgets.QWidget,
                holders: list[QtWidgets.QWidget]) -> None:
    """`new` where `old` was shown; `old` is closed and goes."""
    if hasattr(old, "detach") and shiboken6.isValid(old):
        old.detach()
    for tabs in holders:
        if isinstance(tabs, QtWidgets.QTabWidget) and shiboken6.isValid(tabs):
            i = tabs.indexOf(old)
            if i >= 0:
                label, current = tabs.tabText(i), tabs.currentIndex()
                tabs.removeTab(i)
                tabs.insertTab(i, new, label)
                tabs.setCurrentIndex(current)
                old.deleteLater()
                return
    geometry = old.geometry()
    new.setGeometry(geometry)
    if old.isFullScreen():
        new.showFullScreen()
    elif old.isVisible():
        new.show()
        # Once more after the shown window has handled its first resize: it styles
        # itself for its height then, and only then fits the width the old one had.
        QtCore.QTimer.singleShot(0, lambda: shiboken6.isValid(new) and
                                 new.setGeometry(geometry))
    old.close()
    old.deleteLater()
