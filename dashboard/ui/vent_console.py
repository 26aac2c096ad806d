"""The ventilator the bedside team operates: mode, FiO2, PEEP, Pinsp or Vt, rate, I:E;
airway pressure and flow waveforms and numerics from replay_data.ventilator; the
ventilator's alarms. A view of the SessionController: every setting is a `control`
action from this display, what it shows is read from the course -- the numerics as the
catalogue's channels (Course.numerics, what `replay-data trends` prints) and the traces as
its waveforms (what `replay-data waveform --channels paw,flow` prints).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from PySide6 import QtCore, QtWidgets

from dashboard.core.session_controller import SessionController
from dashboard.core.throttle import Throttle
from replay_data.controls import CONTROLS, VENT
from replay_data.devices import VENTILATOR
from replay_data.vent_alarms import active as vent_alarms
from replay_data.vent_alarms import high_pressure_limit
from replay_data.vent_settings import MODES
from replay_data.ventilator import CHANNELS as VENT_CHANNELS

from .sweep_strip import SweepStrip
from .team_console import TeamConsole

WINDOW_S = 12.0
REFRESH_S = 0.04  # 25 Hz waveform redraw
NUMBERS_REFRESH_S = 0.25  # the numbers a few times a second (a ventilator updates per breath)

STYLE = """
QFrame#console\\.vent { background: #0e1216; }
QLabel { color: #e0e0e0; font-size: 15px; }
QLabel[role="num"] { color: #fff59d; font-size: 28px; font-weight: bold; }
QLabel[role="alarm"] { color: #ff5252; font-size: 18px; font-weight: bold; }
QLabel[role="locked"] { color: #000; background: #ffb74d; font-size: 16px;
                        font-weight: bold; padding: 4px; }
QAbstractSpinBox, QComboBox { min-height: 48px; font-size: 20px; color: #e0e0e0;
                              background: #263238; }
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button { width: 40px; }
"""

_SPINS = (("control.vent.fio2", "FiO2 %"), ("control.vent.peep", "PEEP"),
          ("control.vent.pinsp", "Pinsp"), ("control.vent.vt", "Vt mL"),
          ("control.vent.rr", "Rate /min"), ("control.vent.ie", "I:E"))


def vent_texts(course, got: dict[str, np.ndarray]) -> dict[str, str]:
    """The ventilator's numerics (Course.numerics at one time) as its screens show them,
    each at its catalogue precision (Vt with mL/kg of predicted body weight)."""
    cat = course.catalogue.numerics
    text = {c: cat[c].format(float(got[c][0])) for c in VENT_CHANNELS}
    text["vt"] = f"{text['vt']} ({text.pop('vt_per_kg')})"
    return text


class VentilatorConsole(TeamConsole):
    """objectName `console.vent`; settings named by their control ids, numerics
    `numeric.vt` ..., waveforms `waveform.paw` and `waveform.flow`."""

    def __init__(self, controller: SessionController, *, display: str = "ventilator",
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(controller, name="vent", group=VENT, device=VENTILATOR,
                         display=display,
                         window_title="Ventilator — TRAINING SIMULATOR, not a medical device",
                         title="VENTILATOR · training simulator", style=STYLE,
                         refresh_s=REFRESH_S, parent=parent)
        label = self.label
        self._numbers = Throttle(NUMBERS_REFRESH_S)  # the traces at REFRESH_S, these slower
        self.mode = QtWidgets.QComboBox(self)
        self.mode.setObjectName("control.vent.mode")
        self.mode.setAccessibleName("Mode")
        for value, (_, name) in enumerate(MODES):  # the strip's names (one table)
            self.mode.addItem(name, float(value))
        self.mode.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)  # no wheel unfocused
        self.mode.currentIndexChanged.connect(
            lambda i: self.set("control.vent.mode", self.mode.itemData(i)))
        self.spins: dict[str, QtWidgets.QDoubleSpinBox] = {}
        self._form = form = QtWidgets.QFormLayout()
        form.addRow("Mode", self.mode)
        for cid, text in _SPINS:
            spec = CONTROLS[cid]
            sb = QtWidgets.QDoubleSpinBox(self)
            sb.setObjectName(cid)
            sb.setAccessibleName(spec.label)
            sb.setRange(spec.low, spec.high)
            sb.setSingleStep(spec.step)
            sb.setDecimals(1 if spec.step < 1 else 0)
            sb.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)  # no wheel unfocused
            if cid == "control.vent.ie":
                sb.setPrefix("1:")  # the E of I:E 1:E
            sb.valueChanged.connect(lambda v, c=cid: self.set(c, v))
            self.spins[cid] = sb
            form.addRow(text, sb)

        self.numbers: dict[str, QtWidgets.QLabel] = {}
        nums = QtWidgets.QGridLayout()
        # Columns apart: the captions ran together ("Vt mL (mL/kg PBW) Ppeak").
        nums.setHorizontalSpacing(18)
        for col, (cid, cap) in enumerate((("numeric.vt", "Vt mL\n(mL/kg PBW)"),
                                          ("numeric.ppeak", "Ppeak"),
                                          ("numeric.pplat", "Pplat"),
                                          ("numeric.driving_pressure", "ΔP"),
                                          ("numeric.mv", "MV L/min"),
                                          ("numeric.compliance", "Cstat mL/cmH2O"))):
            head = QtWidgets.QLabel(cap, self)
            head.setObjectName(f"console.vent.caption.{cid.split('.', 1)[1]}")
            head.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft
                              | QtCore.Qt.AlignmentFlag.AlignBottom)
            nums.addWidget(head, 0, col)
            self.numbers[cid] = label(cid, "--", "num")
            nums.addWidget(self.numbers[cid], 1, col)

        # The traces sweep like the monitor's strips (sweep_strip.py): a frame repaints a
        # few millimetres at the cursor, not two whole pyqtgraph plots (0.38 ms each per
        # redraw, a quarter of the bedside's frame with both consoles open).
        self.strips: dict[str, SweepStrip] = {}
        waves = QtWidgets.QVBoxLayout()
        course = controller.course
        for wid in ("waveform.paw", "waveform.flow"):
            signal = course.catalogue.waveforms[wid.split(".", 1)[1]]
            strip = SweepStrip(signal, course, self, sweep_s=WINDOW_S)
            strip.setMinimumHeight(90)
            self.strips[wid] = strip
            waves.addWidget(strip, 1)

        top = QtWidgets.QHBoxLayout()
        top.addLayout(waves, 3)
        top.addLayout(form, 1)
        self.limits = label("console.vent.limits", "", "")  # the alarm limits set
        self.lay_out([nums, self.limits, self.alarms, (top, 1)])
        self.sync()

    def on_frame(self, t: float, wall: float) -> None:
        self.show_values(t, numbers=self._numbers.take(wall))

    def controls(self) -> Iterable[QtWidgets.QWidget]:
        return (self.mode, *self.spins.values())

    def apply_settings(self, s: Mapping[str, float]) -> None:
        self.mode.setCurrentIndex(1 if s["control.vent.mode"] >= 0.5 else 0)
        for cid, sb in self.spins.items():
            sb.setValue(s[cid])
        # The row of the setting the mode does not use is hidden (Pinsp in AC, Vt in PC).
        volume = self.mode.currentIndex() == 1
        self._form.setRowVisible(self.spins["control.vent.pinsp"], not volume)
        self._form.setRowVisible(self.spins["control.vent.vt"], volume)

    def show_values(self, t: float, *, numbers: bool = True) -> None:
        """Traces at t; numbers and alarms too unless `numbers` is False (between their
        refreshes)."""
        course = self.controller.course
        for strip in self.strips.values():
            if strip.feed.course is not course:  # a setting changed: new samples ahead
                strip.set_course(course)
            strip.show_until(t, t)  # off the ventilator the samples are NaN: blank
        if not numbers:
            return
        self.show_connection(t)
        got = course.numerics([*VENT_CHANNELS, "rr"], np.array([float(t)]))
        if not np.isfinite(got["vt"][0]):  # not on the ventilator
            for lab in self.numbers.values():
                lab.setText("--")
            self.alarms.setText("")
            return
        for cid, text in vent_texts(course, got).items():
            self.numbers[f"numeric.{cid}"].setText(text)
        # The limits the clinicians set (the scenario's [ventilator]; replay_data.vent_alarms).
        limit = float(high_pressure_limit(course, np.array([float(t)]))[0])
        self.numbers["numeric.ppeak"].setToolTip(f"High-pressure limit {limit:.0f} cmH2O")
        self.limits.setText(f"Ppeak limit {limit:.0f} · MV low "
                            f"{course.scenario.ventilator.mv_low_limit:g} L/min")
        alarms = vent_alarms(course, t, float(got["ppeak"][0]), float(got["mv"][0]),
                             float(got["rr"][0]))
        self.alarms.setText("  ·  ".join(alarms))
