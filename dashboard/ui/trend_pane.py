"""One pane of the trend review: a parameter's name, unit and value at the cursor, and
its trend on its own fixed scale with the alarm limits dashed and the event marks; and
the pieces every pane shares (the case-clock time axis, a view whose clicks and drags
move the cursor)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from replay_data.casetime import case_clock, case_day, clock_of_day

from .trend_marks import MARK_COLOURS
from .trend_parameters import TrendParameter, pane_range

AXIS_WIDTH = 46     # px of every pane's value axis, so that the panes line up
LABEL_WIDTH = 92    # px of the name-and-value column left of each pane (refitted to the font)
Y_PAD = 0.12        # of a pane's scale, above and below it: edge values stay readable
CURSOR_COLOUR = "#ffffff"


class CaseClockHoursAxis(pg.AxisItem):
    """The trend's x axis is in case hours; its labels are the case's clock ('17:00'),
    with the day where it changes ('Day 13 00:00') -- the format of every other screen."""

    def tickStrings(self, values: list[float], scale: float, spacing: float
                    ) -> list[str]:
        out = []
        for v in values:
            t = round(v * 3600.0)  # 16.65 h is 16:39, not 16:38:59.99
            if spacing >= 24:  # days apart (the whole course): the day is the news
                out.append(f"Day {case_day(t)}" if t >= 0 else case_clock(t))
                continue
            midnight = abs(t % 86400) < 1 or len(values) <= 2
            out.append(case_clock(t) if midnight else clock_of_day(t))
        return out


class CursorViewBox(pg.ViewBox):
    """A pane's view: no zoom or pan (the window buttons choose the span); a click or a
    drag puts the cursor at that time."""

    def __init__(self, on_cursor: Callable[[float], None]) -> None:
        super().__init__(enableMouse=False, enableMenu=False)
        self._on_cursor = on_cursor

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            self._on_cursor(self.mapSceneToView(ev.scenePos()).x())

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            self._on_cursor(self.mapSceneToView(ev.scenePos()).x())


def make_plot(name: str, on_cursor: Callable[[float], None], parent: QtWidgets.QWidget,
          bottom_axis: bool = False) -> pg.PlotWidget:
    axes = {"bottom": CaseClockHoursAxis(orientation="bottom")} if bottom_axis else {}
    w = pg.PlotWidget(parent=parent, background="#000000", viewBox=CursorViewBox(on_cursor),
                      axisItems=axes)
    w.setObjectName(name)
    w.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Ignored)
    w.setMinimumHeight(30)
    pi = w.getPlotItem()
    pi.hideButtons()
    pi.setMenuEnabled(False)
    pi.setMouseEnabled(False, False)
    pi.getViewBox().disableAutoRange()
    pi.layout.setContentsMargins(0, 2, 4, 0)
    left = pi.getAxis("left")
    left.setWidth(AXIS_WIDTH)
    # A value at the very edge would be drawn half over the next pane's: hidden instead.
    left.setStyle(hideOverlappingLabels=True)
    left.setTextPen("#b0bec5")
    left.setPen("#455a64")
    if bottom_axis:
        pi.getAxis("bottom").setTextPen("#b0bec5")
        pi.getAxis("bottom").setPen("#455a64")
    else:
        pi.hideAxis("bottom")
    pi.showGrid(x=True, y=False, alpha=0.15)
    return w


class TrendPane(QtWidgets.QWidget):
    """One parameter: its name, unit and value at the cursor on the left, its trend on
    its own scale on the right, with the alarm limits dashed."""

    def __init__(self, param: TrendParameter, on_cursor: Callable[[float], None],
                 parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.param = param
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        col = QtWidgets.QVBoxLayout()
        col.setSpacing(0)
        self.name = QtWidgets.QLabel(self)
        self.value = QtWidgets.QLabel("---", self)
        self.value.setProperty("role", "trend_value")
        for lab in (self.name, self.value):
            lab.setFixedWidth(LABEL_WIDTH)
        col.addWidget(self.name)
        col.addWidget(self.value)
        col.addStretch(1)
        lay.addLayout(col)
        self.plot = make_plot("", on_cursor, self)
        lay.addWidget(self.plot, 1)
        self.view = self.plot.getPlotItem().getViewBox()
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.limit_lines = [pg.InfiniteLine(angle=0, movable=False) for _ in range(2)]
        for line in self.limit_lines:
            line.setVisible(False)
            self.view.addItem(line)
        # The marks' lines, one item per kind of mark (its colour).
        self.marks: dict[str, pg.PlotCurveItem] = {}
        for kind, colour in MARK_COLOURS.items():
            item = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(
                colour, width=1, style=QtCore.Qt.PenStyle.DashLine))
            self.view.addItem(item)
            self.marks[kind] = item
        self.now_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#607d8b", width=1))
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen(CURSOR_COLOUR, width=1))
        self.view.addItem(self.now_line)
        self.view.addItem(self.cursor)
        self.y_range = param.nominal
        self.set_parameter(param)

    def set_parameter(self, param: TrendParameter) -> None:
        self.param = param
        key = param.key
        self.setObjectName(f"trend.row.{key}")
        self.plot.setObjectName(f"trend.pane.{key}")
        self.name.setObjectName(f"trend.label.{key}")
        self.value.setObjectName(f"trend.value.{key}")
        # The unit on its own line: 'Blood flow' over 'L/min', never 'L/' over 'min'.
        self.name.setText(f"{param.label}\n{param.unit}" if param.unit else param.label)
        self.name.setToolTip(f"{param.label} ({param.unit}) -- scale {param.nominal[0]:g}–"
                             f"{param.nominal[1]:g}, wider when values leave it")
        style = f"color: {param.colour}; font-weight: bold;"
        self.name.setStyleSheet(style)
        self.value.setStyleSheet(style)
        self.plot.setAccessibleName(f"{param.label} trend")
        for c in self.curves.values():
            self.view.removeItem(c)
        self.curves = {}
        for cid in param.channels:
            # ABP: systolic and diastolic thin, the mean (what perfusion reads) bold.
            width = 1 if param.key == "abp" and cid != "abp_mean" else 2
            curve = pg.PlotDataItem([], [], pen=pg.mkPen(param.colour, width=width),
                                    connect="finite")
            self.view.addItem(curve)
            self.curves[cid] = curve
        pen = pg.mkPen(param.colour, width=1, style=QtCore.Qt.PenStyle.DashLine)
        for line in self.limit_lines:
            line.setPen(pen)

    def set_limits(self, low: float | None, high: float | None) -> None:
        for line, v in zip(self.limit_lines, (low, high), strict=True):
            shown = v is not None and math.isfinite(v)
            line.setVisible(shown)
            if shown:
                line.setPos(v)
                line.setToolTip(f"alarm limit {v:g} {self.param.unit}")

    def limits_shown(self) -> tuple[float | None, float | None]:
        out = [line.value() if line.isVisible() else None for line in self.limit_lines]
        return out[0], out[1]

    def set_data(self, x_h: np.ndarray, values: dict[str, np.ndarray],
                 x_range: tuple[float, float]) -> None:
        for cid, curve in self.curves.items():
            curve.setData(x_h, values[cid])
        self.y_range = pane_range(self.param.nominal, *(values[c] for c in self.curves))
        # A little room above and below, so the top and bottom values on the axis
        # are not cut by the pane's edge.
        lo, hi = self.y_range
        pad = (hi - lo) * Y_PAD
        self.view.setRange(xRange=x_range, yRange=(lo - pad, hi + pad), padding=0.0)

    def set_marks(self, by_kind: dict[str, list[float]]) -> None:
        lo, hi = self.y_range
        for kind, item in self.marks.items():
            xs = by_kind.get(kind, [])
            item.setData(np.repeat(xs, 2), np.tile([lo, hi], len(xs)))
