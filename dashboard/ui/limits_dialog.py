"""Alarm limits dialog: every parameter with its limits in a table (as a monitor's
limits page lists them), and the low and high limit of the one selected, or off where
the profile allows it. A window of its own with a title bar (not a box without a frame
over the monitor); what it did is said in the window's text colour, a refusal in the
alarm colour. It reads the alarm engine; what the user applies goes out as actions
(alarm_off, limits) through `submit`, so the session applies, logs and shares them."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from dashboard.alarms import AlarmEngine
from dashboard.core.actions import ALARM_OFF, LIMITS
from replay_data.catalogue import Catalogue

# submit(requests) applies [(action kind, args), ...] in order; returns why it stopped,
# or None when all were applied (or sent to the instructor).
Submit = Callable[[list[tuple[str, dict]]], "str | None"]

NEUTRAL = "color: #b0bec5;"  # grey: readable on the dark monitor theme and on a light one
REFUSED = "color: #ff5252;"


class LimitsDialog(QtWidgets.QDialog):
    def __init__(self, engine: AlarmEngine, catalogue: Catalogue, parameters: list[str],
                 current: str | None = None, parent: QtWidgets.QWidget | None = None, *,
                 submit: Submit) -> None:
        super().__init__(parent)
        self.submit = submit
        self.setObjectName("dialog.limits")
        self.setWindowTitle("Alarm limits")
        # A normal window: title bar, close button, its own size, never frameless.
        self.setWindowFlags(QtCore.Qt.WindowType.Dialog
                            | QtCore.Qt.WindowType.WindowTitleHint
                            | QtCore.Qt.WindowType.WindowCloseButtonHint)
        self.setSizeGripEnabled(True)
        self.resize(520, 560)
        self.engine = engine
        self.catalogue = catalogue
        self.parameters = list(parameters)
        outer = QtWidgets.QVBoxLayout(self)
        self.table = QtWidgets.QTableWidget(len(parameters), 3, self)
        self.table.setObjectName("limits.table")
        self.table.setAccessibleName("Every parameter's alarm limits")
        self.table.setHorizontalHeaderLabels(["Parameter", "Low limit", "High limit"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            head.setSectionResizeMode(col, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.currentCellChanged.connect(
            lambda row, _c, _r, _p: self._pick_row(row))
        outer.addWidget(self.table, 1)
        legend = QtWidgets.QLabel("off: switched off · —: the alarm profile has no such limit",
                                  self)
        legend.setStyleSheet(NEUTRAL)
        legend.setWordWrap(True)
        outer.addWidget(legend)
        form = QtWidgets.QFormLayout()
        outer.addLayout(form)
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
        self.error.setStyleSheet(NEUTRAL)
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
        self._fill_table()
        if current is not None and self.parameter.findData(current) >= 0:
            self.parameter.setCurrentIndex(self.parameter.findData(current))
        self._load()

    def limit_text(self, parameter: str, side: str) -> str:
        """'140', 'off' (switched off), '—' (the profile sets none), with the channel's
        precision."""
        ch = self.catalogue.numerics.get(parameter)
        low, high = self.engine.limits(parameter)
        v = low if side == "low" else high
        if v is None:
            return "—"
        if not math.isfinite(v) or self._is_off(parameter, side):
            return "off"
        return f"{v:.{ch.precision if ch else 1}f}"

    def _fill_table(self) -> None:
        for row, p in enumerate(self.parameters):
            ch = self.catalogue.numerics.get(p)
            texts = (f"{ch.label} ({ch.unit})" if ch else p, self.limit_text(p, "low"),
                     self.limit_text(p, "high"))
            for col, text in enumerate(texts):
                item = self.table.item(row, col)
                if item is None:
                    item = QtWidgets.QTableWidgetItem(text)
                    item.setData(QtCore.Qt.ItemDataRole.UserRole, p)
                    self.table.setItem(row, col, item)
                elif item.text() != text:
                    item.setText(text)

    def _pick_row(self, row: int) -> None:
        if 0 <= row < len(self.parameters):
            i = self.parameter.findData(self.parameters[row])
            if i >= 0 and i != self.parameter.currentIndex():
                self.parameter.setCurrentIndex(i)

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
        if p in self.parameters and self.table.currentRow() != self.parameters.index(p):
            self.table.blockSignals(True)
            self.table.selectRow(self.parameters.index(p))
            self.table.blockSignals(False)

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
        self.error.setStyleSheet(REFUSED if problem else NEUTRAL)
        self.error.setText(problem or "Applied.")
        self._fill_table()
        return problem is None

    def show_refusal(self, reason: str) -> None:
        """The session refused what was applied (the monitor window passes it on)."""
        self.error.setStyleSheet(REFUSED)
        self.error.setText(reason)
