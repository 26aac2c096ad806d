"""The ECMO console panel: pump, flows, gas, circuit pressures, SvO2, anticoagulation.

Laid out like a console's main screen: the numbers an ECMO specialist checks first
(rpm, flow) largest, pressures in drainage-to-return order.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from replay_data.catalogue import Catalogue
from replay_data.course import Result

ECMO_ROWS: tuple[tuple[str, ...], ...] = (
    ("ecmo_rpm", "ecmo_flow"),
    ("sweep_flow", "fdo2"),
    ("p_venous", "p_int"),
    ("p_art", "delta_p"),
    ("svo2", "po2_post"),
    ("heparin_rate",),
)


class EcmoPanel(QtWidgets.QFrame):
    def __init__(self, catalogue: Catalogue, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel.ecmo")
        self.setProperty("role", "panel")
        self.catalogue = catalogue
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(1)
        self.title = QtWidgets.QLabel("VV-ECMO", self)
        self.title.setProperty("role", "panel_title")
        self.mode = QtWidgets.QLabel("", self)
        self.mode.setObjectName("ecmo.mode")
        self.mode.setProperty("role", "ecmo_label")
        self.mode.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.mode, 0, 1)
        self.values: dict[str, QtWidgets.QLabel] = {}
        row = 1
        for pair in ECMO_ROWS:
            for col, cid in enumerate(pair):
                ch = catalogue.numerics[cid]
                cell = QtWidgets.QVBoxLayout()
                cell.setSpacing(0)
                name = QtWidgets.QLabel(f"{ch.label} ({ch.unit})", self)
                name.setProperty("role", "ecmo_label")
                name.setStyleSheet(f"color: {ch.colour};")
                val = QtWidgets.QLabel("---", self)
                val.setObjectName(f"numeric.{cid}")
                val.setAccessibleName(f"{ch.label} ({ch.unit})")
                val.setProperty("role", "ecmo_value")
                val.setStyleSheet(f"color: {ch.colour};")
                for lab in (name, val):
                    lab.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                      QtWidgets.QSizePolicy.Policy.Preferred)
                cell.addWidget(name)
                cell.addWidget(val)
                grid.addLayout(cell, row, col)
                self.values[cid] = val
            row += 1
        # Latest ACT against the current target band (case: 140-160 s, then 180-200 s).
        act_cell = QtWidgets.QVBoxLayout()
        act_cell.setSpacing(0)
        act_name = QtWidgets.QLabel("ACT (s)", self)
        act_name.setObjectName("ecmo.act_target")
        act_name.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                               QtWidgets.QSizePolicy.Policy.Preferred)
        self.act_name = act_name
        act_name.setProperty("role", "ecmo_label")
        act_name.setStyleSheet("color: #f48fb1;")
        self.act = QtWidgets.QLabel("---", self)
        self.act.setObjectName("numeric.act")
        self.act.setAccessibleName("Latest ACT against target band")
        self.act.setProperty("role", "ecmo_value")
        self.act.setStyleSheet("color: #f48fb1;")
        self.act.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                               QtWidgets.QSizePolicy.Policy.Preferred)
        act_cell.addWidget(act_name)
        act_cell.addWidget(self.act)
        grid.addLayout(act_cell, row - 1, 1)
        grid.setRowStretch(row, 1)

    def set_alarms(self, colours: dict[str, str | None]) -> None:
        """Flash the circuit values whose alarms are on (channel -> colour, None = off)."""
        for cid, lab in [*self.values.items(), ("act", self.act)]:
            colour = colours.get(cid)
            if lab.property("alarm") == (colour or ""):
                continue
            lab.setProperty("alarm", colour or "")
            base = self.catalogue.numerics[cid].colour if cid in self.catalogue.numerics \
                else "#f48fb1"
            lab.setStyleSheet(f"color: {base};" if colour is None
                              else f"color: #000000; background: {colour};")

    def show_values(self, values: dict[str, float], act: Result | None, mode: str) -> None:
        for cid, lab in self.values.items():
            text = self.catalogue.numerics[cid].format(values.get(cid, math.nan))
            if lab.text() != text:
                lab.setText(text)
        lo, hi = values.get("act_target_low", math.nan), values.get("act_target_high", math.nan)
        band = f"ACT (s) · target {lo:.0f}–{hi:.0f}" if math.isfinite(lo) and math.isfinite(hi) \
            else "ACT (s)"
        if self.act_name.text() != band:
            self.act_name.setText(band)
        text = f"{act.value:.0f}" if act is not None else "---"
        if self.act.text() != text:
            self.act.setText(text)
            self.act.setAccessibleDescription(f"{text} s, {band}")
        if self.mode.text() != mode:
            self.mode.setText(mode)


class VentilatorStrip(QtWidgets.QFrame):
    """Ventilator settings and the vasopressor, one line under the waveforms."""

    def __init__(self, catalogue: Catalogue, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel.ventilator")
        self.setProperty("role", "panel")
        self.catalogue = catalogue
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(8, 2, 8, 2)
        lay.setSpacing(16)
        self.mode = QtWidgets.QLabel("", self)
        self.mode.setObjectName("vent.mode")
        self.mode.setAccessibleName("Ventilator mode")
        self.mode.setProperty("role", "ecmo_label")
        self.mode.setStyleSheet("color: #e0e0e0; font-weight: bold;")
        lay.addWidget(self.mode)
        self.values: dict[str, QtWidgets.QLabel] = {}
        for cid in ("fio2", "peep", "norepinephrine_rate"):
            ch = catalogue.numerics[cid]
            name = QtWidgets.QLabel(f"{ch.label}", self)
            name.setProperty("role", "ecmo_label")
            name.setStyleSheet(f"color: {ch.colour};")
            val = QtWidgets.QLabel("---", self)
            val.setObjectName(f"numeric.{cid}")
            val.setAccessibleName(f"{ch.label} ({ch.unit})")
            val.setProperty("role", "ecmo_value")
            val.setStyleSheet(f"color: {ch.colour};")
            unit = QtWidgets.QLabel(ch.unit, self)
            unit.setProperty("role", "ecmo_label")
            unit.setStyleSheet(f"color: {ch.colour};")
            for w in (name, val, unit):
                lay.addWidget(w)
            lay.addSpacing(8)
            self.values[cid] = val
        lay.addStretch(1)

    def show_values(self, values: dict[str, float], vent_mode: str) -> None:
        for cid, lab in self.values.items():
            text = self.catalogue.numerics[cid].format(values.get(cid, math.nan))
            if lab.text() != text:
                lab.setText(text)
        text = f"Vent: {vent_mode}"
        if self.mode.text() != text:
            self.mode.setText(text)
