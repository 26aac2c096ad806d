"""The ECMO console the bedside team operates, styled after a centrifugal pump console.

A view of the SessionController like the monitor window: every knob, switch and clamp is a
`control` action (controller.request) from this display; what it shows (flow, speed,
pressures) is read from the course, so it shows the same on every display and in a
replay; its alarm line is the circuit's alarms as the monitor raises them (the alarm
profile's limits and delays). Big targets for a touch screen; keys too:

    Up / Down          pump speed +/- 100 rpm        P   pump on / off
    D / R              drainage / return clamp       H   hand crank on / off
    S / Shift+S        sweep +/- 0.5 L/min           F / Shift+F   FdO2 +/- 5 %
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.alarms.kinds import Category
from dashboard.core.session_controller import SessionController
from replay_data.controls import CONTROLS, ECMO
from replay_data.course import PUMP_TURNING_RPM
from replay_data.devices import ECMO as ECMO_DEVICE

from .team_console import LOCKED_TEXT, TeamConsole

REFRESH_S = 0.1  # the flow readout refreshes at 10 Hz, like a console's display
DEFAULT_CRANK_RPM = 2500
# How long (wall seconds) the undo of a change that stopped the flow stays offered.
UNDO_S = 15.0

STYLE = """
QFrame#console\\.ecmo { background: #101418; }
QLabel { color: #e0e0e0; font-size: 15px; }
QLabel[role="big"] { color: #ff8a65; font-size: 44px; font-weight: bold; }
QLabel[role="mid"] { color: #ffcc80; font-size: 24px; font-weight: bold; }
QLabel[role="alarm"] { color: #ff5252; font-size: 18px; font-weight: bold; }
QLabel[role="locked"] { color: #000; background: #ffb74d; font-size: 16px;
                        font-weight: bold; padding: 4px; }
QPushButton { min-height: 56px; min-width: 120px; font-size: 16px; font-weight: bold;
              color: #e0e0e0; background: #263238; border: 2px solid #546e7a;
              border-radius: 8px; }
QPushButton:checked { background: #b71c1c; border-color: #ff5252; color: white; }
QPushButton#control\\.ecmo\\.pump:checked { background: #1b5e20; border-color: #69f0ae; }
QPushButton#control\\.ecmo\\.heater:checked { background: #1b5e20; border-color: #69f0ae; }
QPushButton#control\\.ecmo\\.pump[state="stopped"] { background: #b71c1c;
                                                   border-color: #ff5252; color: white; }
QPushButton#console\\.ecmo\\.undo { background: #ffb74d; color: #000; border-color: #ffe0b2; }
QAbstractSpinBox { min-height: 48px; font-size: 20px; color: #e0e0e0;
                   background: #263238; }
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button { width: 40px; }
"""


class EcmoConsole(TeamConsole):
    """objectName `console.ecmo`; controls named by their control ids."""

    def __init__(self, controller: SessionController, *, display: str = "ecmo-console",
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(controller, name="ecmo", group=ECMO, device=ECMO_DEVICE,
                         display=display,
                         window_title="ECMO console — TRAINING SIMULATOR, not a medical device",
                         title="CENTRIFUGAL PUMP CONSOLE · training simulator", style=STYLE,
                         refresh_s=REFRESH_S, locked_text=f"{LOCKED_TEXT}: call for help",
                         parent=parent)
        label = self.label
        self.flow = label("console.ecmo.flow", "--", "big")
        self.speed = label("console.ecmo.speed", "--", "mid")
        self.p_venous = label("console.ecmo.p_venous", "--", "mid")
        self.p_int = label("console.ecmo.p_int", "--", "mid")
        self.p_art = label("console.ecmo.p_art", "--", "mid")
        self.delta_p = label("console.ecmo.delta_p", "--", "mid")
        self.status.setWordWrap(True)
        # A change that stops the flow (pump off, a clamp on) is applied at once -- a
        # clamp is the first move in an emergency -- and can be undone from here for a
        # while, as a console guards its stop key.
        self.undo = QtWidgets.QPushButton("", self)
        self.undo.setObjectName("console.ecmo.undo")
        self.undo.setAccessibleName("Undo the last change that stopped the flow")
        self.undo.setVisible(False)
        self.undo.clicked.connect(self._undo)
        self._undo_of: tuple[str, float, float] | None = None  # control, value, wall

        self.rpm = QtWidgets.QDial(self)
        self.rpm.setObjectName("control.ecmo.rpm")
        self.rpm.setAccessibleName("Pump speed (rpm)")
        spec = CONTROLS["control.ecmo.rpm"]
        self.rpm.setRange(int(spec.low), int(spec.high))
        self.rpm.setSingleStep(int(spec.step))
        self.rpm.setPageStep(500)
        self.rpm.setNotchesVisible(True)
        self.rpm.setMinimumSize(170, 170)
        # Dragging sends one action on release; keys and wheel send each step.
        self.rpm.sliderReleased.connect(lambda: self.set("control.ecmo.rpm",
                                                         self.rpm.value()))
        self.rpm.valueChanged.connect(self._rpm_changed)
        self.rpm_set = label("console.ecmo.rpm_set", "", "")

        def toggle(cid: str, text: str) -> QtWidgets.QPushButton:
            b = QtWidgets.QPushButton(text, self)
            b.setObjectName(cid)
            b.setCheckable(True)
            b.setAccessibleName(CONTROLS[cid].label)
            b.toggled.connect(lambda on, c=cid: self._toggled(c, on))
            return b

        self.pump = toggle("control.ecmo.pump", "PUMP")
        self.clamp_drainage = toggle("control.ecmo.clamp_drainage", "CLAMP\nDRAINAGE")
        self.clamp_return = toggle("control.ecmo.clamp_return", "CLAMP\nRETURN")
        self.hand_crank = toggle("control.ecmo.hand_crank", "HAND\nCRANK")
        self.crank_rate = QtWidgets.QSpinBox(self)
        self.crank_rate.setObjectName("console.ecmo.crank_rate")
        self.crank_rate.setAccessibleName("Cranking rate (rpm)")
        self.crank_rate.setRange(500, int(CONTROLS["control.ecmo.hand_crank"].high))
        self.crank_rate.setSingleStep(100)
        self.crank_rate.setValue(DEFAULT_CRANK_RPM)
        self.crank_rate.setSuffix(" rpm")
        self.crank_rate.valueChanged.connect(self._crank_rate_changed)

        self.sweep = self._setting_box("control.ecmo.sweep_flow", "Sweep gas flow (L/min)",
                                       " L/min")
        self.fdo2 = QtWidgets.QSpinBox(self)
        self.fdo2.setObjectName("control.ecmo.fdo2")
        self.fdo2.setAccessibleName("FdO2 (%)")
        f = CONTROLS["control.ecmo.fdo2"]
        self.fdo2.setRange(int(f.low), int(f.high))
        self.fdo2.setSingleStep(int(f.step))
        self.fdo2.setSuffix(" %")
        self.fdo2.valueChanged.connect(lambda v: self.set("control.ecmo.fdo2", v))
        # The heater-cooler: switched on or off here, and its set temperature.
        self.heater = toggle("control.ecmo.heater", "HEATER")
        self.heater_temp = self._setting_box("control.ecmo.heater_temp",
                                             "Heater set temperature (°C)", " °C")

        readouts = QtWidgets.QGridLayout()
        for col, (cap, w) in enumerate((("FLOW L/min", self.flow), ("SPEED rpm", self.speed))):
            readouts.addWidget(QtWidgets.QLabel(cap, self), 0, col)
            readouts.addWidget(w, 1, col)
        # Where each is read locates an obstruction or a tear: before the pump, between pump
        # and membrane, after the membrane (docs/model.md, circuit pressures).
        for col, (cap, w) in enumerate((("P venous", self.p_venous), ("P int", self.p_int),
                                        ("P art", self.p_art), ("ΔP", self.delta_p))):
            readouts.addWidget(QtWidgets.QLabel(f"{cap} mmHg", self), 2, col)
            readouts.addWidget(w, 3, col)

        knob = QtWidgets.QVBoxLayout()
        knob.addWidget(QtWidgets.QLabel("PUMP SPEED", self))
        knob.addWidget(self.rpm, 1)
        knob.addWidget(self.rpm_set)
        switches = QtWidgets.QGridLayout()
        switches.addWidget(self.pump, 0, 0)
        switches.addWidget(self.hand_crank, 0, 1)
        switches.addWidget(self.clamp_drainage, 1, 0)
        switches.addWidget(self.clamp_return, 1, 1)
        switches.addWidget(QtWidgets.QLabel("Crank rate", self), 2, 0)
        switches.addWidget(self.crank_rate, 2, 1)
        switches.addWidget(self.undo, 3, 0, 1, 2)
        gas = QtWidgets.QFormLayout()
        gas.addRow("Sweep gas", self.sweep)
        gas.addRow("FdO2 blender", self.fdo2)
        heat = QtWidgets.QHBoxLayout()
        heat.addWidget(self.heater)
        heat.addWidget(self.heater_temp, 1)
        gas.addRow("Heater-cooler", heat)
        middle = QtWidgets.QHBoxLayout()
        middle.addLayout(knob, 1)
        middle.addLayout(switches, 2)

        self.lay_out([self.connection, readouts, self.alarms, (middle, 1), gas])
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        # The wheel turns a knob or a box only once it has been clicked (focused): a
        # wheel over the console must not change a setting by the way.
        for w in (self.rpm, self.crank_rate, self.sweep, self.fdo2, self.heater_temp):
            w.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.sync()

    # ------------------------------------------------------------------ input

    def _setting_box(self, control: str, name: str, suffix: str) -> QtWidgets.QDoubleSpinBox:
        """A spin box for one of the console's settings, its range and step the control's."""
        spec = CONTROLS[control]
        box = QtWidgets.QDoubleSpinBox(self)
        box.setObjectName(control)
        box.setAccessibleName(name)
        box.setRange(spec.low, spec.high)
        box.setSingleStep(spec.step)
        box.setDecimals(1)
        box.setSuffix(suffix)
        box.valueChanged.connect(lambda v: self.set(control, v))
        return box

    def _rpm_changed(self, v: int) -> None:
        self.rpm_set.setText(f"set {v} rpm")
        if not self.rpm.isSliderDown():
            self.set("control.ecmo.rpm", v)

    def _toggled(self, cid: str, on: bool) -> None:
        if cid == "control.ecmo.hand_crank":
            self.set(cid, self.crank_rate.value() if on else 0)
            return
        if cid == "control.ecmo.heater":  # no flow stops with it: nothing to undo
            self.set(cid, 1 if on else 0)
            return
        stops_flow = (cid == "control.ecmo.pump" and not on) or (cid != "control.ecmo.pump"
                                                                and on)
        if self.set(cid, 1 if on else 0) is not None and stops_flow:
            self._offer_undo(cid, 0.0 if on else 1.0)

    def _offer_undo(self, cid: str, previous: float) -> None:
        what = {"control.ecmo.pump": "pump off", "control.ecmo.clamp_drainage":
                "drainage clamp on", "control.ecmo.clamp_return": "return clamp on"}[cid]
        self._undo_of = (cid, previous, self.controller.clock.wall_time())
        self.undo.setText(f"UNDO {what}")
        self.undo.setVisible(True)

    def _undo(self) -> None:
        if self._undo_of is not None:
            cid, previous, _ = self._undo_of
            self._undo_of = None
            self.undo.setVisible(False)
            self.set(cid, previous)

    def _crank_rate_changed(self, v: int) -> None:
        if self.hand_crank.isChecked():
            self.set("control.ecmo.hand_crank", v)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        k, shift = QtCore.Qt.Key, bool(event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
        key = event.key()
        if key in (k.Key_Up, k.Key_Down):
            self.rpm.setValue(self.rpm.value() + (100 if key == k.Key_Up else -100))
        elif key == k.Key_P:
            self.pump.toggle()
        elif key == k.Key_D:
            self.clamp_drainage.toggle()
        elif key == k.Key_R:
            self.clamp_return.toggle()
        elif key == k.Key_H:
            self.hand_crank.toggle()
        elif key == k.Key_S:
            self.sweep.setValue(self.sweep.value() + (-0.5 if shift else 0.5))
        elif key == k.Key_F:
            self.fdo2.setValue(self.fdo2.value() + (-5 if shift else 5))
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ------------------------------------------------------------------ sync

    def controls(self) -> Iterable[QtWidgets.QWidget]:
        return (self.rpm, self.pump, self.clamp_drainage, self.clamp_return,
                self.hand_crank, self.crank_rate, self.sweep, self.fdo2, self.heater,
                self.heater_temp)

    def apply_settings(self, s: Mapping[str, float]) -> None:
        if not self.rpm.isSliderDown():
            self.rpm.setValue(int(round(s["control.ecmo.rpm"])))
        self.rpm_set.setText(f"set {s['control.ecmo.rpm']:.0f} rpm")
        self.pump.setChecked(s["control.ecmo.pump"] >= 0.5)
        self.clamp_drainage.setChecked(s["control.ecmo.clamp_drainage"] >= 0.5)
        self.clamp_return.setChecked(s["control.ecmo.clamp_return"] >= 0.5)
        self.hand_crank.setChecked(s["control.ecmo.hand_crank"] > 0)
        if s["control.ecmo.hand_crank"] > 0:
            self.crank_rate.setValue(int(s["control.ecmo.hand_crank"]))
        self.sweep.setValue(s["control.ecmo.sweep_flow"])
        self.fdo2.setValue(int(round(s["control.ecmo.fdo2"])))
        self.heater.setChecked(s["control.ecmo.heater"] >= 0.5)
        self.heater_temp.setValue(s["control.ecmo.heater_temp"])

    def show_values(self, t: float) -> None:
        self.show_connection(t)
        course = self.controller.course
        now = course.numerics(("ecmo_flow", "ecmo_rpm"), np.array([t]))
        flow, rpm = float(now["ecmo_flow"][0]), float(now["ecmo_rpm"][0])
        self._show_pump(t, rpm)
        if self._undo_of is not None and \
                self.controller.clock.wall_time() - self._undo_of[2] > UNDO_S:
            self._undo_of = None
            self.undo.setVisible(False)
        latest = self.controller.monitor.latest
        v = latest.values if latest is not None else {}
        circuit = not math.isnan(flow)
        self.flow.setText(f"{flow:.2f}" if circuit else "--")
        self.speed.setText(f"{rpm:.0f}" if not math.isnan(rpm) else "--")
        for lab, ch in ((self.p_venous, "p_venous"), (self.p_int, "p_int"),
                        (self.p_art, "p_art"), (self.delta_p, "delta_p")):
            x = v.get(ch, math.nan)
            lab.setText("--" if math.isnan(x) else f"{x:.0f}")
        self.alarms.setText("  ·  ".join(self._circuit_alarms()))

    def _circuit_alarms(self) -> list[str]:
        """The circuit's alarms sounding on the bedside monitor now (the alarm profile's
        artificial-perfusion alarms, with their limits and delays), highest priority
        first: the console and the monitor never disagree about the circuit."""
        return [s.message.upper() for s in self.controller.alarms.active_alarms()
                if s.category is Category.ARTIFICIAL_PERFUSION]

    def _switched_off(self, t: float) -> bool:
        """Whether someone switched the pump off (the last change of the pump switch by
        t set it to 0). The course restates the whole console with each change, so its
        pump setting also reads 0 while a stopped pump was never switched off."""
        last = None
        for p in self.controller.course.perturbation_index.controls:
            if p.name == "control.ecmo.pump" and p.start <= t:
                last = p
        if last is None:
            return False
        return any(e.channel == "control.ecmo.pump" and e.set is not None and e.set < 0.5
                   for e in last.effects)

    def _show_pump(self, t: float, rpm: float) -> None:
        """What the pump is doing, not only where its switch is: PUMP ON (green) only
        while the rotor turns; not turning though nobody switched it off (a power loss)
        reads PUMP STOPPED in red; switched off, PUMP OFF."""
        turning = not math.isnan(rpm) and rpm >= PUMP_TURNING_RPM
        if turning and not self.pump.isChecked():
            text, state = "PUMP OFF", "off"  # turned by the hand crank, its key lit
        elif turning:
            text, state = "PUMP ON", "running"
        elif self._switched_off(t) or math.isnan(rpm):
            text, state = "PUMP OFF", "off"
        else:
            text, state = "PUMP STOPPED", "stopped"
        if self.pump.text() != text:
            self.pump.setText(text)
        if self.pump.property("state") != state:
            self.pump.setProperty("state", state)
            self.pump.style().unpolish(self.pump)
            self.pump.style().polish(self.pump)
