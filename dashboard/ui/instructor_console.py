"""Instructor console: runs the case while the trainees watch the monitor.

Timeline and replay controls, a live smaller copy of the bedside screen (vitals,
waveforms and alarms exactly as the trainees see them), the scenario's teaching notes
for the current moment (what the report says happened, what is assumed), and live
disturbances: injections from the scenario file and overrides of any channel. "Freeze
bedside when paused" lets the trainees see the pause (otherwise the bedside keeps
sweeping the frozen moment). Every button becomes an Action for the controller.

This module lays the console out and keeps it in step with the controller; its panels
are their own widgets: teaching_notes, disturbance_forms (inject, override),
active_disturbances, session_panel, checklist_panel, displays_list, team_controls_panel.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from dashboard.core.actions import (
    FREEZE_SCREEN,
    INSTRUCTOR,
    NOTE,
    PAUSE,
    PLAY,
    RESPONSE_DONE,
    SEEK,
    SPEED,
    Action,
    ActionError,
    Actor,
)
from dashboard.core.events import DisplayChanged
from dashboard.core.session_controller import (
    ActionApplied,
    ActionRefused,
    CourseChanged,
    SessionController,
    SessionEvent,
    Tick,
)
from dashboard.core.throttle import Throttle
from dashboard.debrief.checklist import ChecklistItem, LiveChecklist
from dashboard.debrief.session_debrief import write_debrief
from replay_data.casetime import span_text
from replay_data.course import Course
from replay_data.errors import ReplayDataError
from replay_data.perturbations import Perturbation
from replay_data.timeexpr import format_case_time

from .active_disturbances import ActiveDisturbances
from .care_panel import CarePanel
from .checklist_panel import ChecklistPanel
from .controls import ReplayControls
from .displays_list import DisplaysList
from .disturbance_forms import InjectionForm, OverrideForm
from .main_window import MonitorWindow, Role
from .session_panel import SessionPanel
from .teaching_notes import TeachingNotes
from .team_controls_panel import TeamControlsPanel
from .wheel_guard import install_wheel_guard

# The console is read by a person, not flashed: a few refreshes a second are enough,
# and it need not rebuild its notes and lists in every monitor frame.
CONSOLE_REFRESH_S = 0.25
# The bedside copy is a glance, not the monitor itself: 20 frames a second are plenty.
MIRROR_FRAME_S = 0.05
# The instructor's tools never get narrower than this (side by side on a 1920-px screen
# the console is about 940 px wide; the bedside copy takes the rest).
TOOLS_MIN_W = 360


class InstructorConsole(QtWidgets.QWidget):
    """objectName `instructor`; a view of the controller, like the monitor window."""

    def __init__(self, controller: SessionController, *, display: str = "console",
                 mirror: bool = True, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        install_wheel_guard()  # once per application (dashboard.app installs it too)
        self.setObjectName("instructor")
        self.setWindowTitle("Instructor console — ICU ECMO replay (training simulator)")
        self.controller = controller
        self.display = display
        self.course = course = controller.course
        sc = course.scenario
        self._refreshes = Throttle(CONSOLE_REFRESH_S)
        # (journal length, course, case second) the list and checklist were made for
        self._listed_for: tuple = (-1, None, None)
        self._listed: list[Perturbation] = []
        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(8, 6, 8, 6)

        top = QtWidgets.QHBoxLayout()
        self.clock = QtWidgets.QLabel("", self)
        self.clock.setObjectName("instructor.case_time")
        self.clock.setAccessibleName("Case time")
        self.clock.setStyleSheet("font-size: 18px; font-weight: bold;")
        top.addWidget(self.clock, 1)
        self.freeze = QtWidgets.QCheckBox("Freeze bedside when paused", self)
        self.freeze.setObjectName("instructor.freeze")
        self.freeze.setAccessibleName("Show the pause on the bedside monitor")
        self.freeze.setToolTip("Off: the bedside keeps sweeping the frozen moment and shows "
                               "nothing of the pause. On: it stops and says PAUSED.")
        self.freeze.toggled.connect(lambda on: self.request(FREEZE_SCREEN, on=bool(on)))
        top.addWidget(self.freeze, 0)
        root.addLayout(top)
        self.controls = ReplayControls(sc, self, prefix="instructor")
        self.controls.play_toggled.connect(
            lambda: self.request(PAUSE if controller.clock.playing else PLAY))
        self.controls.speed_chosen.connect(lambda v: self.request(SPEED, value=float(v)))
        self.controls.seek_requested.connect(lambda t: self.request(SEEK, target=float(t)))
        root.addWidget(self.controls)

        split = QtWidgets.QHBoxLayout()
        root.addLayout(split, 1)

        # --- what is happening: the bedside copy, teaching notes, the trainees' alarms
        left = QtWidgets.QVBoxLayout()
        split.addLayout(left, 3)
        self.mirror: MonitorWindow | None = None
        if mirror:
            left.addWidget(self._title("The bedside monitor now (what the trainees see)"))
            self.mirror = MonitorWindow(controller, role=Role.MIRROR, parent=self,
                                        min_frame_interval_s=MIRROR_FRAME_S)
            self.mirror.setMinimumSize(480, 300)
            left.addWidget(self.mirror, 5)
        left.addWidget(self._title("Teaching notes (now)"))
        self.teaching = TeachingNotes(sc, self)
        left.addWidget(self.teaching, 2)

        # --- what the instructor can do
        # In a scroll area: on a 1366x768 laptop the instructor's tools are taller than the
        # screen, and a window that grows past the screen hides its own bottom buttons.
        tools = QtWidgets.QWidget(self)
        tools.setObjectName("instructor.tools")
        right = QtWidgets.QVBoxLayout(tools)
        right.setContentsMargins(0, 0, 6, 0)
        scroll = QtWidgets.QScrollArea(self)
        scroll.setObjectName("instructor.tools_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        # Everything in it wraps or shrinks to TOOLS_MIN_W; should a font still make it
        # wider, a scroll bar reaches the rest instead of cutting it off unseen.
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        # Always there: a bar that comes and goes changes the width the texts wrap at
        # after their height was settled, and cut off a wrapped label's last line.
        scroll.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        scroll.setMinimumWidth(TOOLS_MIN_W)
        scroll.setWidget(tools)
        self.tools_scroll = scroll
        # What the console has to say (a refusal, the debrief written) sits under the
        # scrolled tools, always in view whichever tool the instructor scrolled to.
        side = QtWidgets.QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(scroll, 1)
        split.addLayout(side, 2)
        right.addWidget(self._title("Session"))
        self.session_panel = SessionPanel(controller, self.request, self.write_debrief, self)
        self.session_panel.film = self.render_film
        self.video_job = None  # the background render of the debrief's films (video_job)
        right.addWidget(self.session_panel)
        right.addWidget(self._title("Checklist: what the team should do"))
        self.checklist = ChecklistPanel(self._tick_verbal, self)
        self._checklist = LiveChecklist(controller)
        right.addWidget(self.checklist)
        right.addWidget(self._title("Alarms the trainees see"))
        self.alarms = QtWidgets.QListWidget(self)
        self.alarms.setObjectName("instructor.alarms")
        self.alarms.setAccessibleName("Active alarms on the trainee monitor")
        self.alarms.setMinimumHeight(64)
        self.alarms.setMaximumHeight(120)  # about six alarms; the tools below stay in view
        right.addWidget(self.alarms)
        right.addWidget(self._title("Displays"))
        self.displays = DisplaysList(controller, self)
        right.addWidget(self.displays)
        right.addWidget(self._title("Inject an event"))
        self.inject_form = InjectionForm(sc, self.request, self)
        right.addWidget(self.inject_form)

        right.addWidget(self._title("Override a channel"))
        self.override_form = OverrideForm(course.catalogue, self.request, self)
        right.addWidget(self.override_form)

        team_title = self._title("The team's consoles")
        right.addWidget(team_title)
        self.team = TeamControlsPanel(controller, display, self)
        right.addWidget(self.team)
        # A patient with neither a circuit nor a ventilator: no team console to steer.
        team_title.setVisible(bool(self.team.consoles))
        self.team.setVisible(bool(self.team.consoles))

        right.addWidget(self._title("Team did (logged for the team, scored as theirs)"))
        self.care = CarePanel(self.request, self)
        right.addWidget(self.care)

        right.addWidget(self._title("Active disturbances"))
        self.disturbances = ActiveDisturbances(self.request, self.show_message, self)
        self.disturbances.place(right)
        self.debrief = QtWidgets.QPushButton("Debrief report…", self)
        self.debrief.setObjectName("instructor.debrief")
        self.debrief.setAccessibleName("Write the debrief report of this session")
        self.debrief.clicked.connect(self.write_debrief)
        right.addWidget(self.debrief)
        self.message = QtWidgets.QLabel("", self)
        self.message.setObjectName("instructor.message")
        self.message.setWordWrap(True)
        # A long word (a file path) must not widen the column past its window.
        self.message.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                   QtWidgets.QSizePolicy.Policy.Preferred)
        self.message.setStyleSheet("color: #ffcc80;")
        side.addWidget(self.message)
        self.report = self.session_panel.report
        self.setStyleSheet("QWidget { background: #101820; color: #e0e0e0; }"
                           "QPushButton { background: #1e2a36; border: 1px solid #3d5266;"
                           " padding: 4px 10px; }"
                           "QPushButton:disabled { color: #5f6b78; border-color: #26323e; }")
        self.session_panel.on_error = self.show_message
        self._unsubscribe = controller.subscribe(self._on_event)
        self.refresh()

    # ------------------------------------------------------------------ actions

    def request(self, kind: str, **args: object) -> Action | None:
        """A button became an action of the instructor at this console."""
        try:
            action = Action.make(kind, args, Actor(INSTRUCTOR, self.display))
        except ActionError as exc:
            self.show_message(f"Not done: {exc}")
            return None
        return self.controller.request(action)

    def write_debrief(self) -> None:
        try:
            path = write_debrief(self.controller, pdf=True)
        except (ReplayDataError, ValueError, OSError) as exc:
            self.show_message(f"Not done: {exc}")
            return
        self.show_message(f"Debrief written: {path.name} (and "
                          f"{path.with_suffix('.pdf').name}, {path.with_suffix('.csv').name} "
                          "beside it; path and Open under Session).")
        self.report.show_path(path)
        self.session_panel.report_written(path)

    def render_film(self) -> None:
        """The debrief again with its films (--video), in a process of its own: the
        report written at End is replaced by one that plays them when it is done."""
        from dashboard.ui.video_job import start_video_job

        report = self.session_panel.report_path
        session = self.controller.recorded_path
        if report is None or session is None:
            return
        if self.video_job is not None and self.video_job.running:
            self.show_message("A film is already being rendered.")
            return
        self.show_message("Rendering the debrief's film in the background: 0 %")
        self.video_job = start_video_job(
            session, report, self,
            lambda p: self.show_message(f"Rendering the debrief's film in the background: "
                                        f"{p} %"),
            self._film_done)

    def _film_done(self, ok: bool, message: str) -> None:
        self.show_message(message if ok else f"Film not written: {message}")
        if ok and self.session_panel.report_path is not None:
            self.report.show_path(self.session_panel.report_path)

    def _tick_verbal(self, item: ChecklistItem) -> None:
        """The instructor heard the team do it: ticked as the instructor's, by word."""
        self.request(RESPONSE_DONE, injection=item.injection_id, response=item.response)

    def _on_event(self, ev: SessionEvent) -> None:
        if isinstance(ev, Tick):
            if self._refreshes.due(ev.wall):
                self.refresh()
        elif isinstance(ev, CourseChanged):
            self.set_course(ev.course)
        elif isinstance(ev, DisplayChanged):
            self.displays.on_change(ev)
        elif isinstance(ev, ActionApplied):
            if ev.action.kind == NOTE:
                self.session_panel.note_applied(ev.action)
            if ev.action.kind == FREEZE_SCREEN and self.freeze.isChecked() != ev.action.arg("on"):
                self.freeze.blockSignals(True)
                self.freeze.setChecked(bool(ev.action.arg("on")))
                self.freeze.blockSignals(False)
            if not ev.more:  # once for a whole apply_many()
                self.refresh()  # the console shows an instructor action at once
        elif isinstance(ev, ActionRefused) and ev.action.actor.display == self.display:
            self.show_message(f"Not done: {ev.reason}")

    def refresh(self) -> None:
        c = self.controller
        t = c.case_time()
        self._refreshes.mark(c.clock.wall_time())
        lines = alarm_lines(c.alarms.active_alarms(), t, span_text)
        latest = c.monitor.latest
        # What is listed and the checklist change only with an action (the journal grows)
        # or a new course; the checklist's deadlines also with the case second. Not
        # worked out again at every refresh: with thousands of disturbances scripted
        # each reads thousands.
        journal, course = len(c.journal), c.course
        same = self._listed_for[0] == journal and self._listed_for[1] is course
        if not same:
            # the scenario's own injections too (a drill's pump stop), so the instructor
            # sees them and can stop them
            self._listed = [*course.scheduled,
                            *(p for p in c.perturbations if p.kind != "control")]
        self.show_state(t, c.clock.playing, c.clock.speed, lines, self._listed,
                        latest.values if latest is not None else None)
        if not same or self._listed_for[2] != math.floor(t):
            self.checklist.show_items(self._checklist.items(), t)
        self._listed_for = (journal, course, math.floor(t))
        self.team.refresh()

    def detach(self) -> None:
        self._unsubscribe()
        if self.video_job is not None:
            self.video_job.cancel()  # its unfinished files removed (SIGTERM)
        if self.mirror is not None:
            self.mirror.detach()

    def closeEvent(self, event) -> None:
        self.detach()
        super().closeEvent(event)

    def _title(self, text: str) -> QtWidgets.QLabel:
        lab = QtWidgets.QLabel(text, self)
        lab.setStyleSheet("font-weight: bold; color: #ffb74d;")
        return lab

    def stop_all(self) -> None:
        self.disturbances.stop_all()

    @property
    def scenario_chooser(self) -> Callable[[str], None] | None:
        return self.session_panel.scenario_chooser

    @scenario_chooser.setter
    def scenario_chooser(self, chooser: Callable[[str], None] | None) -> None:
        self.session_panel.scenario_chooser = chooser

    def set_course(self, course: Course) -> None:
        self.course = course

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def show_state(self, t: float, playing: bool, speed: float, alarm_texts: list[str],
                   perturbations: list[Perturbation],
                   values: dict[str, float] | None = None) -> None:
        if values is not None:
            self.override_form.set_values(values)
        text = format_case_time(t)
        if self.clock.text() != text:
            self.clock.setText(text)
        self.controls.show_state(t, playing, speed)
        self.session_panel.show_state()
        self.teaching.show_time(t)
        if [self.alarms.item(i).text() for i in range(self.alarms.count())] != alarm_texts:
            self.alarms.clear()
            self.alarms.addItems(alarm_texts)
        self.disturbances.show_at(t, perturbations, self.course)


def alarm_lines(alarms: list, now: float, describe: Callable[[float], str]) -> list[str]:
    """The alarm texts as the trainee's bar shows them, with how long each has run."""
    out = []
    for a in alarms:
        state = "" if a.state.value == "active" else f" ({a.state.value})"
        since = describe(max(0.0, now - a.raised_at)) if math.isfinite(a.raised_at) else ""
        out.append(f"{a.text}{state} · {since}")
    return out
