"""Trend view: key channels over the last 1 h, 8 h, 24 h or the whole course, with the
case's events as markers. Recomputed from the pure course, never accumulated."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from dashboard.alarms import AlarmProfile, Priority
from dashboard.alarms.timeline import course_timeline
from replay_data.casetime import case_clock, clock_of_day
from replay_data.course import Course

from .alarm_bar import PRIORITY_COLOURS

TREND_CHANNELS = ("hr", "spo2", "abp_mean", "ecmo_flow")
WINDOWS: dict[str, float | None] = {"1 h": 3600.0, "8 h": 8 * 3600.0, "24 h": 86400.0,
                                    "Course": None}
POINTS = 480
# Alarm episodes are drawn under the trends: at 1 s (as the monitor samples) for windows
# up to a day, on a 5 s grid for the whole course (about a second for 24 days; a bar is
# 25 min per pixel there). They are recomputed when the window has moved by a twentieth
# of its width.
ALARM_BARS_MAX_S = 86400.0
COURSE_ALARM_STEP_S = 5.0
ALARM_BARS_STEPS = 20
ALARM_WARMUP_S = 120.0  # history before the window, so delays and latches start right
# Bars are computed this long after the view last moved: dragging the timeline seeks
# many times a second and the numbers must follow at once; the bars can wait.
ALARM_BARS_DELAY_MS = 300
MAX_MARKER_LINES = 200  # one hoverable line per event up to this many
EVENT_KINDS_SHOWN = ("airway", "ecmo", "result", "circuit", "treatment", "clinical", "ventilator")


class CaseClockHoursAxis(pg.AxisItem):
    """The trend's x axis is in case hours; its labels are the case's clock ('17:00'),
    with the day where it changes ('Day 13 00:00') -- the format of every other screen."""

    def tickStrings(self, values: list[float], scale: float, spacing: float  # noqa: N802
                    ) -> list[str]:
        out = []
        for v in values:
            t = v * 3600.0
            midnight = abs(t % 86400) < 1 or len(values) <= 2
            out.append(case_clock(t) if midnight else clock_of_day(t))
        return out


class TrendView(QtWidgets.QFrame):
    def __init__(self, course: Course, parent: QtWidgets.QWidget | None = None,
                 profile: AlarmProfile | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel.trends")
        self.profile = profile
        self._alarm_key: tuple | None = None
        self._alarm_span: tuple[float, float] | None = None
        self.alarm_intervals: list = []  # what the bars show (for tests and tooltips)
        self._alarm_timer = QtCore.QTimer(self)
        self._alarm_timer.setSingleShot(True)
        self._alarm_timer.setInterval(ALARM_BARS_DELAY_MS)
        self._alarm_timer.timeout.connect(self.update_alarm_bars_now)
        self.setProperty("role", "panel")
        self.course = course
        # 1 h by default: a two-minute emergency is a visible dip, not a sliver.
        self.window_name = "1 h"
        self._last_key: tuple | None = None
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        buttons = QtWidgets.QVBoxLayout()
        buttons.setSpacing(2)
        title = QtWidgets.QLabel("Trends", self)
        title.setProperty("role", "panel_title")
        buttons.addWidget(title)
        self.group = QtWidgets.QButtonGroup(self)
        for name in WINDOWS:
            b = QtWidgets.QPushButton(name, self)
            b.setCheckable(True)
            b.setObjectName(f"control.trend_window.{name.replace(' ', '').lower()}")
            b.setAccessibleName(f"Trend window {name}")
            b.setChecked(name == self.window_name)
            b.clicked.connect(lambda _=False, n=name: self.set_window(n))
            self.group.addButton(b)
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        # Legend beside the plot, top to bottom in the order of the bands.
        legend = QtWidgets.QVBoxLayout()
        legend.setSpacing(0)
        for cid in TREND_CHANNELS:
            ch = course.catalogue.numerics[cid]
            lo, hi = ch.trend or ch.limits
            lab = QtWidgets.QLabel(f"{ch.label} {lo:g}–{hi:g} {ch.unit}", self)
            lab.setObjectName(f"trend.legend.{cid}")
            lab.setStyleSheet(f"color: {ch.colour};")
            legend.addWidget(lab, 1)
        self.plot = pg.PlotWidget(parent=self, background="#000000",
                                  axisItems={"bottom": CaseClockHoursAxis(orientation="bottom")})
        self.plot.setObjectName("trend.plot")
        pi = self.plot.getPlotItem()
        pi.hideButtons()
        pi.setMenuEnabled(False)
        pi.setMouseEnabled(False, False)
        pi.showAxis("left", False)
        pi.getAxis("bottom").setTextPen("#90a4ae")
        self.plot.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                QtWidgets.QSizePolicy.Policy.Ignored)
        self.view = pi.getViewBox()
        self.view.disableAutoRange()
        # Each channel on its own normalised band so that all four read at once.
        self.curves: dict[str, pg.PlotDataItem] = {}
        for cid in TREND_CHANNELS:
            ch = course.catalogue.numerics[cid]
            self.curves[cid] = pi.plot([], [], pen=pg.mkPen(ch.colour, width=1),
                                       connect="finite")
        # One curve per priority, segments as pairs; high drawn last, on top.
        self.alarm_curves: dict[Priority, pg.PlotCurveItem] = {}
        for prio in (Priority.LOW, Priority.MEDIUM, Priority.HIGH):
            c = pg.PlotCurveItem(pen=pg.mkPen(PRIORITY_COLOURS[prio], width=5), connect="pairs")
            self.view.addItem(c)
            self.alarm_curves[prio] = c
        self.now_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ffffff", width=1))
        self.view.addItem(self.now_line)
        self.markers: list[pg.InfiniteLine] = []
        shown = [e for e in course.scenario.events if e.kind in EVENT_KINDS_SHOWN]
        pen = pg.mkPen("#ffb74d", width=1, style=QtCore.Qt.PenStyle.DashLine)
        if len(shown) <= MAX_MARKER_LINES:
            for e in shown:
                # Lines only: labels of events minutes apart would pile up; the timeline
                # and the jump list name them.
                m = pg.InfiniteLine(pos=e.t / 3600.0, angle=90, pen=pen)
                m.setToolTip(e.label)
                self.view.addItem(m)
                self.markers.append(m)
        else:
            # Thousands of graphics items make pyqtgraph crawl (each one re-lays out the
            # scene): a scenario with that many events gets one item of vertical segments.
            xs = np.repeat([e.t / 3600.0 for e in shown], 2)
            ys = np.tile([-0.35, float(len(TREND_CHANNELS))], len(shown))
            self.marker_curve = pg.PlotCurveItem(xs, ys, pen=pen, connect="pairs")
            self.view.addItem(self.marker_curve)
        lay.addWidget(self.plot, 1)
        lay.addLayout(legend)
        self.plot.getPlotItem().setLabel("bottom", "case day and clock time")

    def set_course(self, course: Course) -> None:
        self.course = course
        self._last_key = None
        self._alarm_key = None

    def set_window(self, name: str) -> None:
        if name not in WINDOWS:
            raise ValueError(f"unknown trend window {name!r}")
        self.window_name = name
        for b in self.group.buttons():
            b.setChecked(b.text() == name)
        self._last_key = None

    def show_time(self, t: float) -> None:
        span = WINDOWS[self.window_name]
        sc = self.course.scenario
        if span is None:
            t0, t1 = sc.start, sc.end
        else:
            t0, t1 = max(sc.start, t - span), max(sc.start + span, t)
            t1 = min(t1, sc.end)
        # Recompute only when the view would move by a visible amount.
        quantum = (t1 - t0) / POINTS
        key = (self.window_name, int(t // max(quantum, 1.0)), id(self.course))
        self.now_line.setPos(t / 3600.0)
        if key == self._last_key:
            return
        self._last_key = key
        grid = np.linspace(t0, min(t, t1), POINTS)
        n = len(TREND_CHANNELS)
        for i, cid in enumerate(TREND_CHANNELS):
            ch = self.course.catalogue.numerics[cid]
            v = self.course.numeric(cid, grid)
            lo, hi = ch.trend or ch.limits
            band = n - 1 - i
            y = band + np.clip((v - lo) / (hi - lo), 0.0, 1.0) * 0.9
            self.curves[cid].setData(grid / 3600.0, y)
        self.view.setRange(xRange=(t0 / 3600.0, t1 / 3600.0), yRange=(-0.35, n), padding=0.01)
        self._alarm_span = (t0, min(t, t1))
        if self.profile is not None:
            self._alarm_timer.start()

    def update_alarm_bars_now(self) -> None:
        """Compute the alarm bars for the current view (the timer does it after a pause;
        tests and screenshots call it directly)."""
        self._alarm_timer.stop()
        if self.profile is None or self._alarm_span is None:
            return
        t0, t1 = self._alarm_span
        span = t1 - t0
        whole = WINDOWS[self.window_name] is None
        if (not whole and span > ALARM_BARS_MAX_S) or span <= 0:
            if self._alarm_key is not None:
                self._alarm_key = None
                self.alarm_intervals = []
                for c in self.alarm_curves.values():
                    c.setData([], [])
            return
        step = max(1.0, (WINDOWS[self.window_name] or span) / ALARM_BARS_STEPS)
        key = (self.window_name, int(t1 // step), id(self.course))
        if key == self._alarm_key:
            return
        self._alarm_key = key
        start = max(self.course.scenario.start, t0 - ALARM_WARMUP_S)
        timeline = course_timeline(self.course, self.profile, np.floor(start),
                                   np.floor(t1) + 1.0, COURSE_ALARM_STEP_S if whole else 1.0)
        shown = [iv for iv in timeline.intervals()
                 if (np.isnan(iv.end) or iv.end > t0) and iv.start < t1]
        self.alarm_intervals = shown
        for prio, curve in self.alarm_curves.items():
            xs: list[float] = []
            for iv in shown:
                if iv.priority is prio:
                    end = t1 if np.isnan(iv.end) else iv.end
                    xs += [max(iv.start, t0) / 3600.0, end / 3600.0]
            y = {Priority.HIGH: -0.12, Priority.MEDIUM: -0.2, Priority.LOW: -0.28}[prio]
            curve.setData(xs, [y] * len(xs))
