"""Instructor console: runs the case while the trainees watch the monitor.

Timeline and replay controls, the scenario's teaching notes for the current moment
(what the report says happened, what is assumed), the alarms exactly as the trainees
see them, and live disturbances: injections from the scenario file and overrides of
any channel. The console only forwards what the instructor does to the session.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from replay_data.course import Course
from replay_data.perturbations import Perturbation
from replay_data.timeexpr import format_case_time, format_duration

from .controls import ReplayControls


class InstructorConsole(QtWidgets.QWidget):
    # injection id ("pump_stop:clamped" names a variant), severity, duration s
    inject_requested = QtCore.Signal(str, float, float)
    override_requested = QtCore.Signal(str, float, float, object)  # channel, target, s, dur
    stop_requested = QtCore.Signal(str)  # perturbation id
    debrief_requested = QtCore.Signal()

    def __init__(self, course: Course, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("instructor")
        self.setWindowTitle("Instructor console — ICU ECMO replay (training simulator)")
        self.course = course
        sc = course.scenario
        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(8, 6, 8, 6)

        self.clock = QtWidgets.QLabel("", self)
        self.clock.setObjectName("instructor.case_time")
        self.clock.setAccessibleName("Case time")
        self.clock.setStyleSheet("font-size: 18px; font-weight: bold;")
        root.addWidget(self.clock)
        self.controls = ReplayControls(sc, self, prefix="instructor")
        root.addWidget(self.controls)

        split = QtWidgets.QHBoxLayout()
        root.addLayout(split, 1)

        # --- what is happening: teaching notes and the trainees' alarms
        left = QtWidgets.QVBoxLayout()
        split.addLayout(left, 3)
        left.addWidget(self._title("Teaching notes (now)"))
        self.teaching = QtWidgets.QLabel("", self)
        self.teaching.setObjectName("instructor.teaching")
        self.teaching.setAccessibleName("Teaching notes for the current moment")
        self.teaching.setWordWrap(True)
        self.teaching.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.teaching.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.teaching.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                    QtWidgets.QSizePolicy.Policy.Expanding)
        left.addWidget(self.teaching, 3)
        left.addWidget(self._title("Alarms the trainees see"))
        self.alarms = QtWidgets.QListWidget(self)
        self.alarms.setObjectName("instructor.alarms")
        self.alarms.setAccessibleName("Active alarms on the trainee monitor")
        left.addWidget(self.alarms, 2)

        # --- what the instructor can do
        right = QtWidgets.QVBoxLayout()
        split.addLayout(right, 2)
        right.addWidget(self._title("Inject an event"))
        form = QtWidgets.QFormLayout()
        self.injection = QtWidgets.QComboBox(self)
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
        self.variant = QtWidgets.QComboBox(self)
        self.variant.setObjectName("instructor.variant")
        self.variant.setAccessibleName("Variant")
        self.duration = QtWidgets.QSpinBox(self)
        self.duration.setObjectName("instructor.duration")
        self.duration.setAccessibleName("Duration in seconds")
        self.duration.setRange(5, 24 * 3600)
        self.duration.setSuffix(" s")
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
        self.channel = QtWidgets.QComboBox(self)
        self.channel.setObjectName("instructor.override_channel")
        self.channel.setAccessibleName("Channel")
        for cid in course.catalogue.displayed_numerics:
            ch = course.catalogue.numerics[cid]
            if not ch.derived:
                self.channel.addItem(f"{ch.label} ({ch.unit})", cid)
        self.target = QtWidgets.QDoubleSpinBox(self)
        self.target.setObjectName("instructor.override_target")
        self.target.setAccessibleName("Target value")
        self.target.setRange(-500, 5000)
        self._values: dict[str, float] = {}
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
        apply_override.clicked.connect(lambda: self.override_requested.emit(
            self.channel.currentData(), self.target.value(), float(self.transition.value()),
            float(self.hold.value()) or None))
        oform.addRow("Channel", self.channel)
        oform.addRow("Target", self.target)
        oform.addRow("Over", self.transition)
        oform.addRow("Hold", self.hold)
        oform.addRow(apply_override)
        right.addLayout(oform)

        right.addWidget(self._title("Active disturbances"))
        self.active = QtWidgets.QListWidget(self)
        self.active.setObjectName("instructor.active")
        self.active.setAccessibleName("Active injections and overrides")
        self.active.setWordWrap(True)
        right.addWidget(self.active, 1)
        stop = QtWidgets.QPushButton("Stop selected", self)
        stop.setObjectName("instructor.stop")
        stop.setAccessibleName("Stop the selected disturbance")
        stop.clicked.connect(self._stop_selected)
        right.addWidget(stop)
        self.debrief = QtWidgets.QPushButton("Debrief report…", self)
        self.debrief.setObjectName("instructor.debrief")
        self.debrief.setAccessibleName("Write the debrief report of this session")
        self.debrief.clicked.connect(self.debrief_requested.emit)
        right.addWidget(self.debrief)
        self.message = QtWidgets.QLabel("", self)
        self.message.setObjectName("instructor.message")
        self.message.setWordWrap(True)
        right.addWidget(self.message)
        self.setStyleSheet("QWidget { background: #101820; color: #e0e0e0; }"
                           "QPushButton { background: #1e2a36; border: 1px solid #3d5266;"
                           " padding: 4px 10px; }")

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
        self.inject_requested.emit(name, severity, float(self.duration.value()))

    def _target_from_now(self) -> None:
        """Start the target at the channel's value now, so a small change is a small edit."""
        v = self._values.get(self.channel.currentData())
        if v is not None and math.isfinite(v):
            self.target.setValue(v)

    def _stop_selected(self) -> None:
        item = self.active.currentItem()
        if item is not None:
            self.stop_requested.emit(item.data(QtCore.Qt.ItemDataRole.UserRole))

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
        self._show_teaching(t)
        if [self.alarms.item(i).text() for i in range(self.alarms.count())] != alarm_texts:
            self.alarms.clear()
            self.alarms.addItems(alarm_texts)
        rows = []
        for p in perturbations:
            if not p.active_at(t) and t >= p.start:
                continue
            left = "until stopped" if p.duration is None else \
                f"{format_duration(max(0.0, p.end - t))} left"
            what = (self.course.scenario.injections[p.name].label if p.kind == "injection"
                    else f"{p.name} → {p.effects[0].set:g}")
            rows.append((p.id, f"{what} · from {format_case_time(p.start)} · {left}"))
        current = [(self.active.item(i).data(QtCore.Qt.ItemDataRole.UserRole),
                    self.active.item(i).text()) for i in range(self.active.count())]
        if current != rows:
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
            ago = format_duration(t - e.t)
            src = e.provenance
            quote = f"<br><i>“{src.quote}”</i>" if src.quote else ""
            note = f"<br>{src.note}" if src.note else ""
            parts.append(f"<p><b>Last event</b> ({ago} ago, {src.basis}): "
                         f"{e.label}{quote}{note}</p>")
        upcoming = [e for e in sc.events if e.t > t]
        if upcoming:
            e = upcoming[0]
            parts.append(f"<p><b>Next</b> in {format_duration(e.t - t)}: {e.label} "
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
