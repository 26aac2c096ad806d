""""Team did ...": the bedside care the team gives with their hands (a fluid bolus, blood,
chest compressions, a shock, pressure on a bleeding site, adrenaline), logged by the
instructor on the team's behalf, as a simulator's instructor station logs such actions.
Each button is a `control` action of the care family (replay_data.care) from the
console: the debrief credits it to the team and says the instructor entered it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtWidgets

from dashboard.core.actions import CONTROL
from replay_data import care
from replay_data.controls import CONTROLS


class CarePanel(QtWidgets.QWidget):
    """objectName `instructor.care`: `instructor.care.bolus` (+ `.bolus_ml`),
    `instructor.care.transfusion` (+ `.units`), `instructor.care.cpr` (a toggle),
    `instructor.care.shock` (+ `.joules`), `instructor.care.site_pressure` (a toggle),
    `instructor.care.adrenaline` (1 mg)."""

    def __init__(self, request: Callable[..., object],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("instructor.care")
        self._request = request
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.bolus_ml = self._amount("bolus_ml", care.BOLUS, 500)
        self.units = self._amount("units", care.TRANSFUSION, 1)
        self.joules = self._amount("joules", care.DEFIBRILLATION, 150)
        bolus = self._button("bolus", "Bolus", lambda: self._give(care.BOLUS, self.bolus_ml))
        blood = self._button("transfusion", "Blood",
                             lambda: self._give(care.TRANSFUSION, self.units))
        shock = self._button("shock", "Shock", lambda: self._give(care.DEFIBRILLATION,
                                                                  self.joules))
        adrenaline = self._button("adrenaline", "Adrenaline 1 mg",
                                  lambda: self._send(care.ADRENALINE, 1.0))
        self.cpr = self._toggle("cpr", "CPR", care.CPR)
        self.site_pressure = self._toggle("site_pressure", "Site pressure", care.SITE_PRESSURE)
        # Two pairs a row: the tools column is narrow on a 1366x768 laptop.
        grid.addWidget(self.bolus_ml, 0, 0)
        grid.addWidget(bolus, 0, 1)
        grid.addWidget(self.units, 0, 2)
        grid.addWidget(blood, 0, 3)
        grid.addWidget(self.joules, 1, 0)
        grid.addWidget(shock, 1, 1)
        grid.addWidget(adrenaline, 1, 2, 1, 2)
        grid.addWidget(self.cpr, 2, 0, 1, 2)
        grid.addWidget(self.site_pressure, 2, 2, 1, 2)

    def _amount(self, name: str, control: str, value: float) -> QtWidgets.QSpinBox:
        spec = CONTROLS[control]
        box = QtWidgets.QSpinBox(self)
        box.setObjectName(f"instructor.care.{name}")
        box.setAccessibleName(spec.label)
        box.setRange(int(spec.step), int(spec.high))
        box.setSingleStep(int(spec.step))
        box.setSuffix(f" {spec.unit}")
        box.setValue(int(value))
        return box

    def _button(self, name: str, text: str, done: Callable[[], None]) -> QtWidgets.QPushButton:
        b = QtWidgets.QPushButton(text, self)
        b.setObjectName(f"instructor.care.{name}")
        b.setAccessibleName(f"Team did: {text}")
        b.clicked.connect(done)
        return b

    def _toggle(self, name: str, text: str, control: str) -> QtWidgets.QPushButton:
        b = QtWidgets.QPushButton(text, self)
        b.setObjectName(f"instructor.care.{name}")
        b.setAccessibleName(f"Team is doing: {text}")
        b.setCheckable(True)
        b.toggled.connect(lambda on: self._send(control, 1.0 if on else 0.0))
        return b

    def _give(self, control: str, amount: QtWidgets.QSpinBox) -> None:
        self._send(control, float(amount.value()))

    def _send(self, control: str, value: float) -> None:
        self._request(CONTROL, control=control, value=value)
