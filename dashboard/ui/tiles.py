"""Numeric tiles: the big numbers beside the waveforms, in each parameter's colour.

Each value label has objectName `numeric.<channel>` and shows its text through
QLabel.text(), so a GUI test reads exactly what a trainee sees.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from replay_data.catalogue import NumericChannel

_IGNORED = QtWidgets.QSizePolicy.Policy.Ignored


def value_label(channel: NumericChannel, parent: QtWidgets.QWidget, role: str = "value"
                ) -> QtWidgets.QLabel:
    lab = QtWidgets.QLabel("---", parent)
    lab.setObjectName(f"numeric.{channel.id}")
    lab.setAccessibleName(f"{channel.label} ({channel.unit})")
    lab.setProperty("role", role)
    lab.setStyleSheet(f"color: {channel.colour};")
    # Ignored size policy: text changes never change the window's size hint (which the
    # offscreen platform warns about and which would make the layout jump).
    lab.setSizePolicy(_IGNORED, _IGNORED)
    lab.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
    return lab


class NumericTile(QtWidgets.QFrame):
    """One parameter (or a sys/dia (mean) group) with label, unit and alarm limits."""

    def __init__(self, title: str, channels: list[NumericChannel], colour: str,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"tile.{channels[0].id}")
        self.setProperty("role", "tile")
        self.channels = channels
        self.colour = colour
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(8, 2, 8, 2)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(0)
        self.title = QtWidgets.QLabel(title, self)
        self.title.setProperty("role", "tile_title")
        self.title.setStyleSheet(f"color: {colour};")
        self.title.setSizePolicy(_IGNORED, QtWidgets.QSizePolicy.Policy.Fixed)
        self.unit = QtWidgets.QLabel(channels[0].unit, self)
        self.unit.setProperty("role", "tile_unit")
        self.unit.setStyleSheet(f"color: {colour};")
        self.unit.setSizePolicy(_IGNORED, QtWidgets.QSizePolicy.Policy.Fixed)
        self.limits = QtWidgets.QLabel("", self)
        self.limits.setObjectName(f"limits.{channels[0].id}")
        self.limits.setProperty("role", "tile_limits")
        self.limits.setStyleSheet(f"color: {colour};")
        self.limits.setSizePolicy(_IGNORED, QtWidgets.QSizePolicy.Policy.Fixed)
        self.values: dict[str, QtWidgets.QLabel] = {}
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.unit, 0, 1, QtCore.Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.limits, 1, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        if len(channels) == 1:
            lab = value_label(channels[0], self)
            self.values[channels[0].id] = lab
            grid.addWidget(lab, 1, 1, 2, 1)
        else:
            # ABP style: "sys/dia" large, "(mean)" below.
            row = QtWidgets.QHBoxLayout()
            row.setSpacing(0)
            sys_ch, dia_ch, mean_ch = channels
            for ch, role in ((sys_ch, "value"), (dia_ch, "value")):
                lab = value_label(ch, self, role)
                self.values[ch.id] = lab
                row.addWidget(lab, 3)
                if ch is sys_ch:
                    slash = QtWidgets.QLabel("/", self)
                    slash.setProperty("role", "value")
                    slash.setStyleSheet(f"color: {colour};")
                    slash.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, _IGNORED)
                    row.addWidget(slash, 0)
            dia = self.values[dia_ch.id]
            dia.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft
                             | QtCore.Qt.AlignmentFlag.AlignVCenter)
            grid.addLayout(row, 1, 1)
            mean = value_label(mean_ch, self, "value_small")
            mean.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            self.values[mean_ch.id] = mean
            grid.addWidget(mean, 2, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 5)
        grid.setRowStretch(1, 3)
        grid.setRowStretch(2, 1)

    def show_values(self, values: dict[str, float]) -> None:
        for cid, lab in self.values.items():
            ch = next(c for c in self.channels if c.id == cid)
            text = ch.format(values.get(cid, math.nan))
            if lab.property("role") == "value_small" and text != "---":
                text = f"({text})"
            if lab.text() != text:
                lab.setText(text)

    def show_limits(self, low: float | None, high: float | None, precision: int = 0) -> None:
        def f(v: float | None) -> str:
            return "off" if v is None or not math.isfinite(v) else f"{v:.{precision}f}"
        self.limits.setText(f"{f(high)}\n{f(low)}")
