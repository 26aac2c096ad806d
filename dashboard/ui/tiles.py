"""Numeric tiles: the big numbers beside the waveforms, in each parameter's colour.

Each value label has objectName `numeric.<channel>` and shows its text through
QLabel.text(), so a GUI test reads exactly what a trainee sees.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from replay_data.catalogue import NumericChannel
from replay_data.course import HR_SOURCE, HR_SOURCES

from .flashing_label import FlashingFrame, FlashingLabel
from .panel import Frame

_IGNORED = QtWidgets.QSizePolicy.Policy.Ignored


def value_label(channel: NumericChannel, parent: QtWidgets.QWidget, role: str = "value"
                ) -> FlashingLabel:
    lab = FlashingLabel("---", parent)
    lab.setObjectName(f"numeric.{channel.id}")
    lab.setAccessibleName(f"{channel.label} ({channel.unit})")
    lab.setProperty("role", role)
    lab.setStyleSheet(f"color: {channel.colour};")
    lab.setProperty("base_colour", channel.colour)
    # Widest text the label must hold without clipping (sizes its font).
    digits = "8" * (4 if channel.limits[1] >= 1000 else 3)
    lab.setProperty("template", digits + ("." + "8" * channel.precision if channel.precision
                                          else ""))
    # Ignored size policy: text changes never change the window's size hint (which the
    # offscreen platform warns about and which would make the layout jump).
    lab.setSizePolicy(_IGNORED, _IGNORED)
    lab.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
    return lab


# Below this a value is not read at a glance: the unit and limits give it their room.
MIN_READABLE_VALUE_PX = 10


class NumericTile(FlashingFrame):
    """One parameter (or a sys/dia (mean) group) with label, unit and alarm limits.
    Double-click opens its alarm limits, as touching a parameter does on a monitor."""

    limits_requested = QtCore.Signal(str)

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
        self._base_title = title
        self.title = FlashingLabel(title, self)
        self.title.setProperty("role", "tile_title")
        self.title.setStyleSheet(f"color: {colour};")
        self.title.setSizePolicy(_IGNORED, QtWidgets.QSizePolicy.Policy.Fixed)
        self.unit = FlashingLabel(channels[0].unit, self)
        self.unit.setProperty("role", "tile_unit")
        self.unit.setStyleSheet(f"color: {colour};")
        self.unit.setSizePolicy(_IGNORED, QtWidgets.QSizePolicy.Policy.Fixed)
        self.limits = FlashingLabel("", self)
        self.limits.setObjectName(f"limits.{channels[0].id}")
        self.limits.setProperty("role", "tile_limits")
        self.limits.setStyleSheet(f"color: {colour};")
        self.limits.setSizePolicy(_IGNORED, QtWidgets.QSizePolicy.Policy.Fixed)
        self.values: dict[str, QtWidgets.QLabel] = {}
        # Title across the top; unit and alarm limits in small type under it, left of
        # the value, as monitors print them.
        grid.addWidget(self.title, 0, 0, 1, 2)
        side = QtWidgets.QVBoxLayout()
        side.setSpacing(0)
        side.addWidget(self.unit)
        side.addWidget(self.limits)
        side.addStretch(1)
        grid.addLayout(side, 1, 0, 2, 1)
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
                    slash = FlashingLabel("/", self)
                    slash.setProperty("role", "value")
                    slash.setStyleSheet(f"color: {colour};")
                    slash.setProperty("base_colour", colour)
                    self._slash = slash
                    slash.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, _IGNORED)
                    row.addWidget(slash, 0)
            dia = self.values[dia_ch.id]
            dia.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft
                             | QtCore.Qt.AlignmentFlag.AlignVCenter)
            grid.addLayout(row, 1, 1)
            mean = value_label(mean_ch, self, "value_small")
            mean.setProperty("template", "(888)")
            mean.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            self.values[mean_ch.id] = mean
            grid.addWidget(mean, 2, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 5)
        grid.setRowStretch(1, 3)
        grid.setRowStretch(2, 1)
        self._grid = grid
        self._keep_side_whole()

    def _keep_side_whole(self) -> None:
        """The unit and the alarm limits are never cut ("mm" for mmHg, "38.!" for 38.5):
        their column keeps their width and the value's font shrinks to what is left --
        unless that would leave the value itself unreadable (the instructor's small copy):
        then the value has the tile and the unit and limits step aside."""
        need = 0
        for lab in (self.unit, self.limits):
            lab.ensurePolished()
            metrics = lab.fontMetrics()
            lines = lab.text().split("\n") if lab.text() else []
            need = max([need, *(metrics.horizontalAdvance(line) for line in lines)])
        self._side_need = need + 2
        self._place_side()

    def _place_side(self) -> None:
        m = self._grid.contentsMargins()
        room = self.width() - m.left() - m.right() - self._grid.horizontalSpacing()
        value_need = 0
        for lab in self.values.values():
            font = QtGui.QFont(lab.font())
            font.setPixelSize(MIN_READABLE_VALUE_PX)
            value_need = max(value_need, QtGui.QFontMetrics(font).horizontalAdvance(
                str(lab.property("template") or "888")))
        show = room - self._side_need >= value_need
        for lab in (self.unit, self.limits):
            if lab.isVisibleTo(self) != show:
                lab.setVisible(show)
        self._grid.setColumnMinimumWidth(0, self._side_need if show else 0)

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        # A sys/dia/mean tile sets the limits of the mean, which drives the usual alarm.
        ids = [c.id for c in self.channels]
        self.limits_requested.emit("abp_mean" if "abp_mean" in ids else ids[0])
        event.accept()

    def set_alarm(self, colour: str | None) -> None:
        """Flash the tile in the alarm's priority colour (None: normal): the tile and its
        labels paint the flashing look themselves (flashing_label)."""
        if colour == self.flash_colour:
            return
        self.setProperty("alarm", colour or "")
        self.set_flash(colour)
        for lab in self.findChildren(FlashingLabel):
            lab.set_flash(colour)

    def _style_label(self, lab: QtWidgets.QLabel) -> None:
        base = lab.property("base_colour") or self.colour
        style = f"color: {base};"
        px = lab.property("font_px")
        if px:
            style += f" font-size: {px}px; font-weight: bold;"
        lab.setStyleSheet(style)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        """Value fonts as large as the tile allows, never clipping their widest text."""
        super().resizeEvent(event)
        self._place_side()
        for lab in self.values.values():
            template = lab.property("template")
            if not template or lab.width() <= 0:
                continue
            font = QtGui.QFont(lab.font())
            font.setPixelSize(100)
            width_at_100 = QtGui.QFontMetrics(font).horizontalAdvance(template)
            small = lab.property("role") == "value_small"
            by_height = lab.height() * (0.8 if small else 0.75)
            by_width = (lab.width() - 4) * 100 / max(1, width_at_100)
            px = max(8, int(min(by_height, by_width, 28 if small else 120)))
            if lab.property("font_px") != px:
                lab.setProperty("font_px", px)
                self._style_label(lab)
        slash = getattr(self, "_slash", None)
        if slash is not None:
            px = self.values[self.channels[0].id].property("font_px")
            if slash.property("font_px") != px:
                slash.setProperty("font_px", px)
                self._style_label(slash)

    def refresh(self, frame: Frame) -> None:
        self.show_values(frame.values)

    def show_values(self, values: dict[str, float]) -> None:
        if self.channels[0].id == "hr":
            self._show_hr_source(values.get(HR_SOURCE, 0.0))
        for cid, lab in self.values.items():
            ch = next(c for c in self.channels if c.id == cid)
            text = ch.format(values.get(cid, math.nan))
            if lab.property("role") == "value_small" and text != "---":
                text = f"({text})"
            if lab.text() != text:
                lab.setText(text)

    def _show_hr_source(self, code: float) -> None:
        """The rate's source beside the title when it is not the ECG (leads off)."""
        base = self._base_title
        src = HR_SOURCES[int(code)] if math.isfinite(code) else ""
        text = base if src in ("", "ECG") else f"{base} ({src})"
        if self.title.text() != text:
            self.title.setText(text)
            self.title.setToolTip("" if text == base else f"Heart rate counted from the {src} "
                                  "pulse: ECG leads off")

    def show_limits(self, low: float | None, high: float | None, precision: int = 0) -> None:
        def f(v: float | None) -> str:
            return "off" if v is None or not math.isfinite(v) else f"{v:.{precision}f}"
        text = f"{f(high)}\n{f(low)}"
        if self.limits.text() != text:
            self.limits.setText(text)
            self._keep_side_whole()
