"""The instructor's view of the bedside team's consoles: lock each one (a scenario that
wants the team to call for help), see what the team set, and override any setting. A
view of the SessionController: locks and overrides are actions of the instructor.

Only the consoles of devices the patient has: none at all for a device the scenario
never connects (no ECMO pieces for a patient without a circuit), and a console's lock and
settings only while its device is on the patient (replay_data.devices)."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from dashboard.core.actions import CONTROL, INSTRUCTOR, LOCK, Action, Actor
from dashboard.core.session_controller import SessionController
from replay_data.controls import CONSOLES, CONTROLS, ControlSpec, settings_at
from replay_data.devices import ECMO, VENTILATOR, devices_at, ever_has

CONSOLE_LABELS = {"ecmo": "ECMO console", "vent": "Ventilator"}
CONSOLE_DEVICES = {"ecmo": ECMO, "vent": VENTILATOR}  # which device each console runs


class TeamControlsPanel(QtWidgets.QWidget):
    """objectName `instructor.team`: lock boxes `instructor.lock.ecmo` / `.vent`, the
    settings `instructor.team_settings.ecmo` / `.vent` (one column each), override
    `instructor.control` +
    `instructor.control_value` + `instructor.control_set`."""

    def __init__(self, controller: SessionController, display: str,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("instructor.team")
        self.controller = controller
        self.display = display
        self._shown_for: tuple[object, int | None] = (None, None)  # (course, case second)
        scenario = controller.course.scenario
        self.consoles = tuple(c for c in CONSOLES if ever_has(scenario, CONSOLE_DEVICES[c]))
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        locks = QtWidgets.QHBoxLayout()
        self.locks: dict[str, QtWidgets.QCheckBox] = {}
        for console in self.consoles:
            cb = QtWidgets.QCheckBox(f"Lock {CONSOLE_LABELS[console]}", self)
            cb.setObjectName(f"instructor.lock.{console}")
            cb.toggled.connect(lambda on, c=console: self._request(LOCK, console=c, on=on))
            self.locks[console] = cb
            locks.addWidget(cb)
        box.addLayout(locks)
        # One column per console, side by side: fourteen settings in one column made the
        # console taller than a 768-line laptop screen.
        columns = QtWidgets.QHBoxLayout()
        self.settings: dict[str, QtWidgets.QLabel] = {}
        for console in self.consoles:
            label = QtWidgets.QLabel("", self)
            label.setObjectName(f"instructor.team_settings.{console}")
            label.setAccessibleName(f"{CONSOLE_LABELS[console]} settings")
            label.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
            self.settings[console] = label
            columns.addWidget(label, 1)
        box.addLayout(columns)
        note = QtWidgets.QLabel("* set at the bedside or overridden here", self)
        note.setStyleSheet("color: #9aa7b4;")
        box.addWidget(note)
        row = QtWidgets.QHBoxLayout()
        self.control = QtWidgets.QComboBox(self)
        self.control.setObjectName("instructor.control")
        self.control.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.control.setMinimumContentsLength(12)
        for cid, spec in CONTROLS.items():
            if spec.console not in self.consoles:
                continue  # no device, no settings to override
            self.control.addItem(f"{CONSOLE_LABELS[spec.console]}: {short_label(spec)}", cid)
        # The new setting as its console offers it: a number for a knob, the two
        # states by name for a switch, a clamp or the mode (never "1.0" for "clamped").
        self.value = QtWidgets.QDoubleSpinBox(self)
        self.value.setObjectName("instructor.control_value")
        self.value.setAccessibleName("New setting")
        self.value.setRange(-1e6, 1e6)
        self.value.setDecimals(1)
        self.choice = QtWidgets.QComboBox(self)
        self.choice.setObjectName("instructor.control_choice")
        self.choice.setAccessibleName("New setting")
        self.value_box = QtWidgets.QStackedWidget(self)
        self.value_box.addWidget(self.value)
        self.value_box.addWidget(self.choice)
        self.value_box.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                                     QtWidgets.QSizePolicy.Policy.Fixed)
        self.control.currentIndexChanged.connect(self._value_from_now)
        set_btn = QtWidgets.QPushButton("Set", self)
        set_btn.setObjectName("instructor.control_set")
        set_btn.setAccessibleName("Override the team's setting")
        set_btn.clicked.connect(lambda: self._request(
            CONTROL, control=self.control.currentData(), value=self.new_value()))
        row.addWidget(self.control, 2)
        row.addWidget(self.value_box, 1)
        row.addWidget(set_btn)
        box.addLayout(row)
        self._value_from_now()

    def new_value(self) -> float:
        """The setting the Set button applies, from whichever box the control uses."""
        if self.value_box.currentWidget() is self.choice:
            return float(self.choice.currentData())
        return self.value.value()

    def _request(self, kind: str, **args: object) -> Action | None:
        return self.controller.request(Action.make(kind, args, Actor(INSTRUCTOR, self.display)))

    def _value_from_now(self) -> None:
        cid = self.control.currentData()
        if cid is None:
            return  # a patient with neither device: nothing to override
        spec = CONTROLS[cid]
        v = settings_at(self.controller.course, self.controller.case_time())[cid]
        if is_switch(spec):
            self.choice.clear()
            for state in (spec.low, spec.high):
                self.choice.addItem(setting_text(spec, state), float(state))
            if not math.isnan(v):
                self.choice.setCurrentIndex(1 if v >= 0.5 else 0)
            self.value_box.setCurrentWidget(self.choice)
            return
        self.value.setDecimals(step_decimals(spec.step))
        self.value.setRange(spec.low, spec.high)
        self.value.setSingleStep(spec.step)
        self.value.setSuffix(f" {spec.unit}" if spec.unit else "")
        self.value.setPrefix("1:" if spec.id == "control.vent.ie" else "")
        self.value_box.setCurrentWidget(self.value)
        if not math.isnan(v):
            self.value.setValue(v)

    def refresh(self) -> None:
        c = self.controller
        for console, cb in self.locks.items():
            if cb.isChecked() != (console in c.locked):
                cb.blockSignals(True)
                cb.setChecked(console in c.locked)
                cb.blockSignals(False)
        # The settings change with a new course (a control set) or, along the case's own
        # keyframes, slowly: shown again once a case second, not at every refresh (with
        # thousands of disturbances queued, finding the touched ones read them all).
        t = c.case_time()
        second = math.floor(t)
        if self._shown_for[0] is c.course and self._shown_for[1] == second:
            return
        self._shown_for = (c.course, second)
        devices = devices_at(c.course.scenario, t)
        for console in self.consoles:
            on = getattr(devices, CONSOLE_DEVICES[console])
            for w in (self.locks[console], self.settings[console]):
                if w.isHidden() == on:
                    w.setVisible(on)
        s = settings_at(c.course, t)
        # Which settings the team (or the instructor) has set.
        touched = {p.name for p in c.perturbations if p.kind == "control"}
        lines: dict[str, list[str]] = {console: [CONSOLE_LABELS[console]]
                                       for console in self.consoles}
        for cid, spec in CONTROLS.items():
            if spec.console not in lines:
                continue
            mark = " *" if cid in touched else ""
            lines[spec.console].append(f"{short_label(spec)}: {setting_text(spec, s[cid])}{mark}")
        for console, label in self.settings.items():
            text = "\n".join(lines[console])
            if label.text() != text:
                label.setText(text)

def is_switch(spec: ControlSpec) -> bool:
    """Two states (pump on/off, a clamp, the ventilator's mode), not a knob."""
    return spec.low == 0 and spec.high == 1 and spec.step == 1


def step_decimals(step: float) -> int:
    """Decimals a setting is shown with: those of its control's step (a case value
    between keyframes reads 252 mL, not 251.58 mL; a sweep gas 4.5 L/min)."""
    text = f"{step:g}"
    return len(text.split(".")[1]) if "." in text else 0


def short_label(spec: ControlSpec) -> str:
    """'Mode', 'I:E': the control's name without the coding hint in brackets."""
    return spec.label.split(" (")[0]


def setting_text(spec: ControlSpec, value: float) -> str:
    """A setting as its console shows it: 'PC', 'clamped', '1:2', '3600 rpm', '4.5 L/min'."""
    if math.isnan(value):
        return "---"
    if spec.id == "control.vent.mode":
        return "AC" if value >= 0.5 else "PC"
    if spec.id == "control.vent.ie":
        return f"1:{value:.{step_decimals(spec.step)}f}".removesuffix(".0")
    if spec.id.startswith("control.ecmo.clamp_"):
        return "clamped" if value >= 0.5 else "open"
    if is_switch(spec):
        return "on" if value >= 0.5 else "off"
    return f"{value:.{step_decimals(spec.step)}f} {spec.unit}".rstrip()
