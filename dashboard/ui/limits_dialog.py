"""Alarm limits dialog for one parameter: low and high limit, or off where the profile
allows it. It reads the alarm engine; what the user applies goes out as actions
(alarm_off, limits) through `submit`, so the session applies, logs and shares them."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6 import QtWidgets

from dashboard.alarms import AlarmEngine
from dashboard.core.actions import ALARM_OFF, LIMITS
from replay_data.catalogue import Catalogue

# submit(requests) applies [(action kind, args), ...] in order; returns why it stopped,
# or None when all were applied (or sent to the instructor).
Submit = Callable[[list[tuple[str, dict]]], "str | None"]


class LimitsDialog(QtWidgets.QDialog):
    def __init__(self, engine: AlarmEngine, catalogue: Catalogue, parameters: list[str],
                 current: str | None = None, parent: QtWidgets.QWidget | None = None, *,
                 submit: Submit) -> None:
        super().__init__(parent)
        self.submit = submit
        self.setObjectName("dialog.limits")
        self.setWindowTitle("Alarm limits")
        self.engine = engine
        self.catalogue = catalogue
        form = QtWidgets.QFormLayout(self)
        self.parameter = QtWidgets.QComboBox(self)
        self.parameter.setObjectName("limits.parameter")
        self.parameter.setAccessibleName("Parameter")
        for p in parameters:
            ch = catalogue.numerics.get(p)
            self.parameter.addItem(f"{ch.label} ({ch.unit})" if ch else p, p)
        self.low = QtWidgets.QDoubleSpinBox(self)
        self.low.setObjectName("limits.low")
        self.low.setAccessibleName("Low limit")
        self.high = QtWidgets.QDoubleSpinBox(self)
        self.high.setObjectName("limits.high")
        self.high.setAccessibleName("High limit")
        for box in (self.low, self.high):
            box.setRange(-1000, 10000)
            box.setSpecialValueText("off")
            box.setKeyboardTracking(False)
        self.error = QtWidgets.QLabel("", self)
        self.error.setObjectName("limits.error")
        self.error.setStyleSheet("color: #ff5252;")
        self.error.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Apply
            | QtWidgets.QDialogButtonBox.StandardButton.Close, self)
        buttons.setObjectName("limits.buttons")
        self.apply_button = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Apply)
        self.apply_button.setObjectName("limits.apply")
        self.apply_button.clicked.connect(self.apply)
        buttons.rejected.connect(self.reject)
        form.addRow("Parameter", self.parameter)
        form.addRow("High limit", self.high)
        form.addRow("Low limit", self.low)
        form.addRow(self.error)
        form.addRow(buttons)
        self.parameter.currentIndexChanged.connect(self._load)
        if current is not None and self.parameter.findData(current) >= 0:
            self.parameter.setCurrentIndex(self.parameter.findData(current))
        self._load()

    def _is_off(self, parameter: str, side: str) -> bool:
        return f"{parameter}.{side}" in self.engine.status().alarms_off

    def _load(self) -> None:
        p = self.parameter.currentData()
        ch = self.catalogue.numerics.get(p)
        decimals = ch.precision if ch else 1
        low, high = self.engine.limits(p)
        for side, box, v in (("low", self.low, low), ("high", self.high, high)):
            box.setDecimals(decimals)
            off = v is None or not math.isfinite(v) or self._is_off(p, side)
            box.setValue(box.minimum() if off else v)
            # A side the profile does not define cannot be set here.
            box.setEnabled(v is not None)
        self.error.setText("")

    def apply(self) -> bool:
        """Set the limits; the lowest value of a box ('off') switches that alarm off, where
        the profile allows it (Desat, apnea and circuit alarms cannot be switched off)."""
        p = self.parameter.currentData()
        requests: list[tuple[str, dict]] = []
        new: dict[str, float | None] = {}
        for side, box in (("low", self.low), ("high", self.high)):
            if not box.isEnabled():
                continue
            want_off = box.value() == box.minimum()
            if want_off != self._is_off(p, side):
                requests.append((ALARM_OFF, {"target": f"{p}.{side}", "on": want_off}))
            new[side] = None if want_off else box.value()
        requests.append((LIMITS, {"parameter": p, "low": new.get("low"),
                                  "high": new.get("high")}))
        problem = self.submit(requests)
        self.error.setText(problem or "Applied.")
        return problem is None
