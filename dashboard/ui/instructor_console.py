"""Instructor console: runs the case while the trainees watch the monitor.

Timeline and replay controls, a live smaller copy of the bedside screen (vitals,
waveforms and alarms exactly as the trainees see them), the scenario's teaching notes
for the current moment (what the report says happened, what is assumed), and live
disturbances: injections from the scenario file and overrides of any channel. "Freeze
bedside when paused" lets the trainees see the pause (otherwise the bedside keeps
sweeping the frozen moment). Every button becomes an Action for the controller.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from dashboard.core.actions import (
    FREEZE_SCREEN,
    INJECT,
    INSTRUCTOR,
    NOTE,
    OVERRIDE,
    PAUSE,
    PLAY,
    RESPONSE_DONE,
    SEEK,
    SPEED,
    STOP,
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
from dashboard.debrief.checklist import ChecklistItem, live_checklist
from dashboard.debrief.session_debrief import write_debrief
from replay_data.casetime import span_text
from replay_data.course import Course, is_scheduled
from replay_data.errors import ReplayDataError
from replay_data.perturbation_labels import perturbation_label
from replay_data.perturbations import Perturbation
from replay_data.timeexpr import format_case_time

from .checklist_panel import ChecklistPanel
from .controls import ReplayControls
from .displays_list import DisplaysList
from .main_window import MonitorWindow, Role
from .session_panel import SessionPanel
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


def shrinkable(combo: QtWidgets.QComboBox, chars: int = 14) -> QtWidgets.QComboBox:
    """A combo box as wide as its column allows, not as wide as its longest item (a
    drill's title made the tools wider than the window); the list it opens shows the
    whole text."""
    combo.setSizeAdjustPolicy(
        QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    combo.view().setTextElideMode(QtCore.Qt.TextElideMode.ElideNone)
    return combo


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
        self.teaching = QtWidgets.QLabel("", self)
        self.teaching.setObjectName("instructor.teaching")
        self.teaching.setAccessibleName("Teaching notes for the current moment")
        self.teaching.setWordWrap(True)
        self.teaching.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.teaching.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.teaching.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                    QtWidgets.QSizePolicy.Policy.Expanding)
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
        right.addWidget(self.session_panel)
        right.addWidget(self._title("Checklist: what the team should do"))
        self.checklist = ChecklistPanel(self._tick_verbal, self)
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
        form = QtWidgets.QFormLayout()
        self.injection = shrinkable(QtWidgets.QComboBox(self))
        self.injection.setObjectName("instructor.injection")
        self.injection.setAccessibleName("Injection")
        for inj in sc.injections.values():
            self.injection.addItem(inj.label, inj.id)
            self.injection.setItemData(self.injection.count() - 1,
                                       f"{inj.description} [{inj.provenance.basis}]",
                                       QtCore.Qt.ItemDataRole.ToolTipRole)
        self.severity = QtWidgets.QDoubleSpinBox(self)
        self.severity.setObjectName("instructor.severity")
        self.severity.setAccessibleName("Severity (0-1)")
        self.severity.setRange(0.05, 1.0)
        self.severity.setSingleStep(0.1)
        # All-or-nothing events (pump stop, air) come in named variants instead.
        self.variant = shrinkable(QtWidgets.QComboBox(self))
        self.variant.setObjectName("instructor.variant")
        self.variant.setAccessibleName("Variant")
        self.duration = QtWidgets.QSpinBox(self)
        self.duration.setObjectName("instructor.duration")
        self.duration.setAccessibleName("Duration in seconds")
        self.duration.setRange(0, 24 * 3600)
        self.duration.setSuffix(" s")
        # 0 = until stopped (the instructor ends it with Stop selected / Stop all)
        self.duration.setSpecialValueText("until stopped")
        self.injection.currentIndexChanged.connect(self._injection_defaults)
        self._injection_defaults()
        inject = QtWidgets.QPushButton("Inject", self)
        inject.setObjectName("instructor.inject")
        inject.setAccessibleName("Start the injection now")
        inject.clicked.connect(self._inject)
        form.addRow("Event", self.injection)
        form.addRow("Variant", self.variant)
        form.addRow("Severity", self.severity)
        form.addRow("Duration", self.duration)
        form.addRow(inject)
        right.addLayout(form)

        right.addWidget(self._title("Override a channel"))
        oform = QtWidgets.QFormLayout()
        self.channel = shrinkable(QtWidgets.QComboBox(self))
        self.channel.setObjectName("instructor.override_channel")
        self.channel.setAccessibleName("Channel")
        for cid in course.catalogue.displayed_numerics:
            ch = course.catalogue.numerics[cid]
            if not ch.derived:
                self.channel.addItem(f"{ch.label} ({ch.unit})", cid)
        self.target = QtWidgets.QDoubleSpinBox(self)
        self.target.setObjectName("instructor.override_target")
        self.target.setAccessibleName("Target value")
        self.target.setRange(-500, 5000)  # set per channel from its range (_bound_target)
        self._values: dict[str, float] = {}
        self.channel.currentIndexChanged.connect(self._bound_target)
        self.channel.currentIndexChanged.connect(self._target_from_now)
        self.transition = QtWidgets.QSpinBox(self)
        self.transition.setObjectName("instructor.override_transition")
        self.transition.setAccessibleName("Transition time in seconds")
        self.transition.setRange(0, 3600)
        self.transition.setValue(60)
        self.transition.setSuffix(" s")
        self.hold = QtWidgets.QSpinBox(self)
        self.hold.setObjectName("instructor.override_duration")
        self.hold.setAccessibleName("Hold for seconds (0 = until stopped)")
        self.hold.setRange(0, 24 * 3600)
        self.hold.setSpecialValueText("until stopped")
        self.hold.setSuffix(" s")
        apply_override = QtWidgets.QPushButton("Apply override", self)
        apply_override.setObjectName("instructor.override_apply")
        apply_override.setAccessibleName("Drive the channel towards the target")
        apply_override.clicked.connect(lambda: self.request(
            OVERRIDE, channel=self.channel.currentData(), target=self.target.value(),
            transition=float(self.transition.value()), duration=float(self.hold.value()) or None))
        oform.addRow("Channel", self.channel)
        oform.addRow("Target", self.target)
        oform.addRow("Over", self.transition)
        oform.addRow("Hold", self.hold)
        oform.addRow(apply_override)
        right.addLayout(oform)

        right.addWidget(self._title("The team's consoles"))
        self.team = TeamControlsPanel(controller, display, self)
        right.addWidget(self.team)

        right.addWidget(self._title("Active disturbances"))
        self.active = QtWidgets.QListWidget(self)
        self._row_labels: dict[tuple, str] = {}
        self._rows_shown: list[tuple[str, str]] | None = None  # what `active` lists
        self.active.setObjectName("instructor.active")
        self.active.setAccessibleName("Active injections and overrides")
        self.active.setWordWrap(True)
        self.active.setMinimumHeight(64)
        # Its default size hint (192 px) would make the tools scroll even on a 1080-line
        # screen; it takes whatever height is left instead.
        self.active.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                  QtWidgets.QSizePolicy.Policy.Ignored)
        right.addWidget(self.active, 1)
        stops = QtWidgets.QHBoxLayout()
        stop = QtWidgets.QPushButton("Stop selected", self)
        stop.setObjectName("instructor.stop")
        stop.setAccessibleName("Stop the selected disturbance")
        stop.clicked.connect(self._stop_selected)
        stops.addWidget(stop)
        stop_all = QtWidgets.QPushButton("Stop all", self)
        stop_all.setObjectName("instructor.stop_all")
        stop_all.setAccessibleName("Stop every active disturbance")
        stop_all.clicked.connect(self.stop_all)
        stops.addWidget(stop_all)
        right.addLayout(stops)
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
        self.show_state(t, c.clock.playing, c.clock.speed, lines,
                        # the scenario's own injections too (a drill's pump stop), so
                        # the instructor sees them and can stop them
                        [*c.course.scheduled,
                         *(p for p in c.perturbations if p.kind != "control")],
                        latest.values if latest is not None else None)
        self.checklist.show_items(live_checklist(c), t)
        self.team.refresh()

    def detach(self) -> None:
        self._unsubscribe()
        if self.mirror is not None:
            self.mirror.detach()

    def closeEvent(self, event) -> None:
        self.detach()
        super().closeEvent(event)

    def _title(self, text: str) -> QtWidgets.QLabel:
        lab = QtWidgets.QLabel(text, self)
        lab.setStyleSheet("font-weight: bold; color: #ffb74d;")
        return lab

    def _injection_defaults(self) -> None:
        spec = self.course.scenario.injections.get(self.injection.currentData())
        if spec is not None:
            self.severity.setValue(spec.default_severity if spec.graded else 1.0)
            self.severity.setEnabled(spec.graded)
            self.severity.setToolTip(f"1.0 = {spec.severity_meaning}" if spec.graded
                                     else "All or nothing: choose a variant")
            self.variant.clear()
            for v in spec.variants.values():
                self.variant.addItem(v.label, v.id)
            if spec.variants:
                self.variant.setCurrentIndex(list(spec.variants).index(spec.default_variant))
            self.variant.setEnabled(bool(spec.variants))
            self.duration.setValue(int(spec.default_duration))

    def _inject(self) -> None:
        iid = self.injection.currentData()
        variant = self.variant.currentData() if self.variant.isEnabled() else None
        name = f"{iid}:{variant}" if variant else iid
        severity = self.severity.value() if self.severity.isEnabled() else 1.0
        self.request(INJECT, injection=name, severity=severity,
                     duration=float(self.duration.value()) or None,
                     until_stopped=self.duration.value() == 0)

    def _bound_target(self) -> None:
        """The target box takes only what the channel can show (its physical range) at
        the precision the monitor shows it."""
        ch = self.course.catalogue.numerics.get(self.channel.currentData())
        if ch is None:
            return
        lo, hi = ch.limits
        self.target.setDecimals(ch.precision)
        self.target.setRange(lo if math.isfinite(lo) else -1e4, hi if math.isfinite(hi) else 1e4)
        self.target.setSingleStep(10 ** -ch.precision)
        self.target.setSuffix(f" {ch.unit}")

    def _target_from_now(self) -> None:
        """Start the target at the channel's value now, rounded as the monitor shows it,
        so a small change is a small edit."""
        self._bound_target()
        ch = self.course.catalogue.numerics.get(self.channel.currentData())
        v = self._values.get(self.channel.currentData())
        if ch is not None and v is not None and math.isfinite(v):
            self.target.setValue(round(v, ch.precision))

    def _stop_selected(self) -> None:
        item = self.active.currentItem()
        if item is None:
            self.show_message("Not done: select a disturbance in the list first "
                              "(or use Stop all)." if self.active.count() else
                              "Not done: no disturbance is active.")
            return
        self.request(STOP, id=item.data(QtCore.Qt.ItemDataRole.UserRole))

    def stop_all(self) -> None:
        ids = [self.active.item(i).data(QtCore.Qt.ItemDataRole.UserRole)
               for i in range(self.active.count())]
        if not ids:
            self.show_message("Not done: no disturbance is active.")
            return
        for pid in ids:
            self.request(STOP, id=pid)
        self.show_message(f"Stopped {len(ids)} disturbance(s).")

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
            first = not self._values
            self._values = values
            if first:
                self._target_from_now()
        text = format_case_time(t)
        if self.clock.text() != text:
            self.clock.setText(text)
        self.controls.show_state(t, playing, speed)
        self.session_panel.show_state()
        self._show_teaching(t)
        if [self.alarms.item(i).text() for i in range(self.alarms.count())] != alarm_texts:
            self.alarms.clear()
            self.alarms.addItems(alarm_texts)
        rows = []
        # What does not change from one refresh to the next is made once per disturbance
        # (thousands of them are listed when scripted: the list refreshes every second).
        labels = self._row_labels
        for p in perturbations:
            scheduled = is_scheduled(p.id)
            if not p.active_at(t) and (t >= p.start or scheduled):
                continue
            left = "until stopped" if p.duration is None else \
                f"{span_text(max(0.0, p.end - t))} left"
            key = (p.kind, p.name, p.variant, p.start,
                   p.effects[0].set if p.kind != "injection" and p.effects else 0, scheduled)
            head = labels.get(key)
            if head is None:
                # rounded as the monitor shows the channel, with its unit ("ABP mean →
                # 131 mmHg (override)"); an injection with its variant
                what = perturbation_label(self.course, p)
                by = " · scheduled" if scheduled else ""
                head = labels[key] = f"{what}{by} · from {format_case_time(p.start)} · "
            rows.append((p.id, head + left))
        current = [(self.active.item(i).data(QtCore.Qt.ItemDataRole.UserRole),
                    self.active.item(i).text()) for i in range(self.active.count())] \
            if self._rows_shown is None else self._rows_shown
        if current != rows and [r[0] for r in current] == [r[0] for r in rows]:
            # The same disturbances, new times left: the changed rows' text only.
            self._rows_shown = rows
            for i, (old, new) in enumerate(zip(current, rows)):
                if old[1] != new[1]:
                    self.active.item(i).setText(new[1])
        elif current != rows:
            self._rows_shown = rows
            selected = self.active.currentItem()
            keep = selected.data(QtCore.Qt.ItemDataRole.UserRole) if selected else None
            self.active.clear()
            for pid, label in rows:
                item = QtWidgets.QListWidgetItem(label)
                item.setData(QtCore.Qt.ItemDataRole.UserRole, pid)
                self.active.addItem(item)
                if pid == keep:
                    self.active.setCurrentItem(item)

    def _show_teaching(self, t: float) -> None:
        sc = self.course.scenario
        notes = [n for n in sc.teaching if n.start <= t < n.end]
        past = [e for e in sc.events if e.t <= t]
        parts = []
        for n in notes:
            parts.append(f"<p><b>[{n.basis}]</b> {n.text}</p>")
        if past:
            e = past[-1]
            ago = span_text(t - e.t)
            src = e.provenance
            quote = f"<br><i>“{src.quote}”</i>" if src.quote else ""
            note = f"<br>{src.note}" if src.note else ""
            parts.append(f"<p><b>Last event</b> ({ago} ago, {src.basis}): "
                         f"{e.label}{quote}{note}</p>")
        upcoming = [e for e in sc.events if e.t > t]
        if upcoming:
            e = upcoming[0]
            parts.append(f"<p><b>Next</b> in {span_text(e.t - t)}: {e.label} "
                         f"[{e.provenance.basis}]</p>")
        html = "".join(parts)
        if self.teaching.text() != html:
            self.teaching.setText(html)


def alarm_lines(alarms: list, now: float, describe: Callable[[float], str]) -> list[str]:
    """The alarm texts as the trainee's bar shows them, with how long each has run."""
    out = []
    for a in alarms:
        state = "" if a.state.value == "active" else f" ({a.state.value})"
        since = describe(max(0.0, now - a.raised_at)) if math.isfinite(a.raised_at) else ""
        out.append(f"{a.text}{state} · {since}")
    return out
