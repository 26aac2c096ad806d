"""The trend review's alarm lane: under the panes, the alarm episodes of the window as
bars in their priority's colour (high on top), computed by the same conditions as the
live engine over the course (dashboard.alarms.timeline), with some history before the
window so delays and latches start right.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from dashboard.alarms import AlarmProfile, Priority
from dashboard.alarms.timeline import course_timeline
from replay_data.course import Course

from .alarm_bar import PRIORITY_COLOURS
from .trend_pane import LABEL_WIDTH, make_plot

# Alarm episodes: at 1 s (as the monitor samples) for windows up to a day, on a 5 s grid
# for the whole course (about a second for 24 days; a bar is 25 min per pixel there).
# They are recomputed when the window has moved by a twentieth of its width.
ALARM_BARS_MAX_S = 86400.0
COURSE_ALARM_STEP_S = 5.0
ALARM_BARS_STEPS = 20
ALARM_WARMUP_S = 120.0  # history before the window, so delays and latches start right
ALARM_ROWS = {Priority.HIGH: 2.5, Priority.MEDIUM: 1.5, Priority.LOW: 0.5}


class AlarmLane(QtWidgets.QWidget):
    """objectNames `trend.label.alarms` (its name) and `trend.pane.alarms` (the plot,
    which carries the clock axis of the whole review)."""

    def __init__(self, on_click_hours: Callable[[float], None],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.label = QtWidgets.QLabel("Alarms", self)
        self.label.setObjectName("trend.label.alarms")
        self.label.setFixedWidth(LABEL_WIDTH)
        row.addWidget(self.label, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        self.plot = make_plot("trend.pane.alarms", on_click_hours, self, bottom_axis=True)
        api = self.plot.getPlotItem()
        api.getAxis("left").setStyle(showValues=False)
        api.getAxis("left").setTicks([[], []])
        self.view = api.getViewBox()
        self.view.setYRange(0, 3, padding=0)
        row.addWidget(self.plot, 1)
        # One curve per priority, segments as pairs; high on top.
        self.curves: dict[Priority, pg.PlotCurveItem] = {}
        for prio in (Priority.LOW, Priority.MEDIUM, Priority.HIGH):
            c = pg.PlotCurveItem(pen=pg.mkPen(PRIORITY_COLOURS[prio], width=5), connect="pairs")
            self.view.addItem(c)
            self.curves[prio] = c
        self.key: tuple | None = None  # what the bars were computed for
        self.intervals: list = []  # what the bars show (for tests and tooltips)

    def forget(self) -> None:
        """The course changed: the next show computes the bars again."""
        self.key = None

    def show_span(self, course: Course, profile: AlarmProfile, t0: float, t1: float,
                  window_name: str, window_s: float | None) -> None:
        """The bars of the episodes within (t0, t1); `window_s` None: the whole course."""
        span = t1 - t0
        whole = window_s is None
        if (not whole and span > ALARM_BARS_MAX_S) or span <= 0:
            if self.key is not None:
                self.key = None
                self.intervals = []
                for c in self.curves.values():
                    c.setData([], [])
            return
        step = max(1.0, (window_s or span) / ALARM_BARS_STEPS)
        key = (window_name, int(t1 // step), id(course))
        if key == self.key:
            return
        self.key = key
        start = max(course.scenario.start, t0 - ALARM_WARMUP_S)
        timeline = course_timeline(course, profile, np.floor(start),
                                   np.floor(t1) + 1.0, COURSE_ALARM_STEP_S if whole else 1.0)
        shown = [iv for iv in timeline.intervals()
                 if (np.isnan(iv.end) or iv.end > t0) and iv.start < t1]
        self.intervals = shown
        for prio, curve in self.curves.items():
            xs: list[float] = []
            for iv in shown:
                if iv.priority is prio:
                    end = t1 if np.isnan(iv.end) else iv.end
                    xs += [max(iv.start, t0) / 3600.0, end / 3600.0]
            curve.setData(xs, [ALARM_ROWS[prio]] * len(xs))
