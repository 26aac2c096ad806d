"""The trend review, as a bedside monitor has it: opened over the waveforms ("Trends"
key, or T), while the numerics beside them stay live.

- Graphical trends: one pane per parameter, stacked on one clock axis -- HR, SpO2, ABP
  (systolic, diastolic and mean), ECMO blood flow, and a fifth pane the trainee chooses
  -- each with its own fixed scale and values on its axis (trend_parameters), the alarm
  limits as dashed lines, the channel's colour; labelled event marks above
  (trend_marks); the alarm episodes below, in priority colours; a cursor (click or drag
  on any pane, Left/Right to step, End back to the latest) whose case time and values
  are read out.
- Tabular trends (trend_table): the same parameters every 5, 15 or 60 minutes,
  abnormal values flagged L/H against the normal range (red beyond the alarm limits).

Each pane is a trend_pane.TrendPane, the event lane above them trend_event_lane, the
alarm lane below trend_alarm_lane, the keys on top trend_header, the table's tab
trend_tabular; this module lays them out, follows the case time and keeps them in step
on one window and one cursor.

Everything is recomputed from the course (a pure function of case time), never
accumulated, and only when the view would move by a visible amount: not every frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.alarms import AlarmProfile
from replay_data.casetime import case_clock
from replay_data.course import Course

from .trend_alarm_lane import AlarmLane
from .trend_event_lane import EventLane
from .trend_header import TrendHeader
from .trend_marks import TrendMark, course_marks
from .trend_pane import CURSOR_COLOUR, TrendPane
from .trend_parameters import TrendParameter, choice_channels, fixed_panes, parameter
from .trend_tabular import TabularTrends

# The windows a trainee chooses from; 1 h by default: a two-minute emergency is a
# visible dip, not a sliver. Tick spacing (major, minor) on the clock axis, in hours.
WINDOWS: dict[str, float | None] = {"15 min": 900.0, "1 h": 3600.0, "4 h": 4 * 3600.0,
                                    "8 h": 8 * 3600.0, "24 h": 86400.0, "Course": None}
TICKS_H: dict[str, tuple[float, float]] = {"15 min": (5 / 60, 1 / 60), "1 h": (10 / 60, 5 / 60),
                                           "4 h": (0.5, 10 / 60), "8 h": (1.0, 0.5),
                                           "24 h": (4.0, 1.0)}  # Course: by its length
DEFAULT_WINDOW = "1 h"
POINTS = 600  # samples across a window: 1.5 s at 15 min, 2.4 min at 24 h
CURSOR_STEPS = 60  # Left/Right move the cursor by a 60th of the window (x10 with Shift)
# Bars are computed this long after the view last moved: dragging the timeline seeks
# many times a second and the numbers must follow at once; the bars can wait.
ALARM_BARS_DELAY_MS = 300


class TrendView(QtWidgets.QFrame):
    """objectName `panel.trends`. `show_time(t)` follows the case; `set_window`,
    `set_choice`, `set_cursor` are what the buttons, the combo box and the mouse do."""

    def __init__(self, course: Course, parent: QtWidgets.QWidget | None = None,
                 profile: AlarmProfile | None = None,
                 limits: Callable[[str], tuple[float | None, float | None]] | None = None,
                 *, bedside: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("panel.trends")
        self.bedside = bedside  # the trainees' monitor: marks of what a monitor knows
        self.setProperty("role", "panel")
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.course = course
        self.profile = profile
        self._limits_of = limits
        self.window_name = DEFAULT_WINDOW
        self.now: float = course.scenario.start
        self.cursor_t: float | None = None  # None: the cursor follows the latest time
        self._marks: list[TrendMark] | None = None  # made when first needed
        self.shown_marks: list[TrendMark] = []
        self._mark_times = np.zeros(0)
        self._last_key: tuple | None = None
        self._span: tuple[float, float] = (course.scenario.start, course.scenario.start)
        self._alarm_span: tuple[float, float] | None = None
        self._alarm_timer = QtCore.QTimer(self)
        self._alarm_timer.setSingleShot(True)
        self._alarm_timer.setInterval(ALARM_BARS_DELAY_MS)
        self._alarm_timer.timeout.connect(self.update_alarm_bars_now)
        cat = course.catalogue
        # No circuit in the scenario: no blood-flow pane and no circuit channel to choose.
        self.has_circuit = course.scenario.circuit is not None
        fixed = fixed_panes(self.has_circuit)

        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(4, 2, 4, 2)
        root.setSpacing(2)
        self.header = TrendHeader(cat, list(WINDOWS), self.window_name, self,
                                  has_circuit=self.has_circuit)
        self.header.window_chosen.connect(self.set_window)
        self.header.channel_chosen.connect(self.set_choice)
        self.header.latest_button.clicked.connect(lambda: self.set_cursor(None))
        self.group = self.header.group
        self.choice = self.header.choice
        self.latest_button = self.header.latest_button
        self.close_button = self.header.close_button
        root.addWidget(self.header)

        self.tabs = QtWidgets.QTabWidget(self)
        self.tabs.setObjectName("trend.tabs")
        self.tabs.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        root.addWidget(self.tabs, 1)

        # -- graphical
        graph = QtWidgets.QWidget(self)
        graph.setObjectName("trend.graphical")
        glay = QtWidgets.QVBoxLayout(graph)
        glay.setContentsMargins(0, 2, 0, 0)
        glay.setSpacing(1)
        self.event_lane = EventLane(self.set_cursor_hours, graph)
        self.events_plot = self.event_lane.plot
        self.events_view = self.event_lane.view
        self.label_items = self.event_lane.label_items
        self.label_font = self.event_lane.label_font
        glay.addWidget(self.event_lane, 4)

        self.panes: dict[str, TrendPane] = {}
        keys = [*fixed, self.choice.currentData()]
        for i, key in enumerate(keys):
            pane = TrendPane(parameter(cat, key), self.set_cursor_hours, graph)
            self.panes[key] = pane
            if i == len(fixed):
                self.choice_pane = pane
            glay.addWidget(pane, 6)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._collect_curves()

        self.alarm_lane = AlarmLane(self.set_cursor_hours, graph)
        self.alarm_plot = self.alarm_lane.plot
        self.alarm_view = self.alarm_lane.view
        self.alarm_curves = self.alarm_lane.curves
        glay.addWidget(self.alarm_lane, 3)
        self.other_cursors = []
        for view in (self.events_view, self.alarm_view):
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen(CURSOR_COLOUR, width=1))
            view.addItem(line)
            self.other_cursors.append(line)
        for pane in self.panes.values():
            pane.view.setXLink(self.alarm_view)
        self.events_view.setXLink(self.alarm_view)

        self.readout = QtWidgets.QLabel("", graph)
        self.readout.setObjectName("trend.cursor.readout")
        self.readout.setAccessibleName("Trend cursor readout")
        self.readout.setWordWrap(True)
        self.readout.setStyleSheet("color: #ffffff;")
        self.readout.setToolTip("Click or drag on a pane to move the cursor; Left/Right step "
                                "it, End brings it back to the latest time")
        glay.addWidget(self.readout, 0)
        self.lane_labels = (self.event_lane.label, self.alarm_lane.label)
        self.tabs.addTab(graph, "Graphical")

        # -- tabular
        self.tabular = TabularTrends(self)
        self.tabular.interval_changed.connect(lambda: self.refresh_table(force=True))
        self.tabular.row_chosen.connect(self._row_to_cursor)
        self.interval = self.tabular.interval
        self.table = self.tabular.table
        self.table_model = self.tabular.model
        self.tabs.addTab(self.tabular, "Tabular")
        self.tabs.currentChanged.connect(lambda _i: self.refresh_table())
        self._set_ticks()
        self.refresh_limits()

    # ------------------------------------------------------------------ setup

    def _collect_curves(self) -> None:
        self.curves = {cid: c for pane in self.panes.values() for cid, c in pane.curves.items()}

    @property
    def params(self) -> list[TrendParameter]:
        return [p.param for p in self.panes.values()]

    @property
    def marks(self) -> list[TrendMark]:
        """Every mark of the course, in time order (made when the review first needs
        them after a change: a drill's many injections cost nothing while it is shut)."""
        if self._marks is None:
            self._marks = course_marks(self.course, bedside=self.bedside)
            self._mark_times = np.array([m.t for m in self._marks])
        return self._marks

    def set_course(self, course: Course) -> None:
        self.course = course
        self._marks = None
        self._last_key = None
        self.tabular.forget()
        self.alarm_lane.forget()

    @property
    def alarm_intervals(self) -> list:
        """The alarm episodes the bars show (for tests and tooltips)."""
        return self.alarm_lane.intervals

    @property
    def labelled_marks(self) -> list[TrendMark]:
        return self.event_lane.labelled_marks

    @property
    def placed_labels(self) -> list:
        return self.event_lane.placed_labels

    def set_window(self, name: str) -> None:
        if name not in WINDOWS:
            raise ValueError(f"unknown trend window {name!r}")
        self.window_name = name
        for b in self.group.buttons():
            b.setChecked(b.text() == name)
        self._last_key = None
        self._set_ticks()
        if not self.isHidden():
            self.show_time(self.now)

    def _set_ticks(self) -> None:
        axis = self.alarm_plot.getPlotItem().getAxis("bottom")
        if WINDOWS[self.window_name] is None:
            # The whole course: ticks at midnights, every 1, 2, 5, 10 ... days so that
            # about six are labelled.
            sc = self.course.scenario
            days = max(1.0, (sc.end - sc.start) / 86400.0 / 6)
            step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 1e9) if s >= days)
            axis.setTickSpacing(24.0 * step, 24.0)
        else:
            axis.setTickSpacing(*TICKS_H[self.window_name])

    def set_choice(self, channel: str) -> None:
        """Put another channel in the fifth pane."""
        cat = self.course.catalogue
        if channel not in choice_channels(cat, self.has_circuit):
            raise ValueError(f"{channel!r} cannot be chosen for the trend "
                             f"(choose from {', '.join(choice_channels(cat, self.has_circuit))})")
        old = self.choice_pane.param.key
        if channel == old:
            return
        self.panes = {(channel if k == old else k): p for k, p in self.panes.items()}
        self.choice_pane.set_parameter(parameter(cat, channel))
        i = self.choice.findData(channel)
        if self.choice.currentIndex() != i:
            self.choice.setCurrentIndex(i)
        self._collect_curves()
        self._fit_label_column()
        self.refresh_limits()
        self._last_key = None
        self.tabular.forget()
        self.show_time(self.now)

    def refresh_limits(self) -> None:
        """Draw the current alarm limits (called when the trainees change them)."""
        for pane in self.panes.values():
            low, high = (None, None) if self._limits_of is None else \
                self._limits_of(pane.param.limit_channel)
            pane.set_limits(low, high)
        self.tabular.forget()
        self.refresh_table()

    # ------------------------------------------------------------------ time

    def window_span(self, t: float) -> tuple[float, float]:
        """(t0, t1) of the window at case time t: the latest time at the right edge once
        a whole window has passed."""
        span = WINDOWS[self.window_name]
        sc = self.course.scenario
        if span is None:
            return sc.start, sc.end
        t0, t1 = max(sc.start, t - span), max(sc.start + span, t)
        return t0, min(t1, sc.end)

    def note_time(self, t: float) -> None:
        """Follow the case cheaply while the review is closed (no sampling, no drawing)."""
        self.now = t
        t0, t1 = self.window_span(t)
        self._alarm_span = (t0, min(t, t1))

    def show_time(self, t: float) -> None:
        self.now = t
        t0, t1 = self.window_span(t)
        self._span = (t0, t1)
        if self.cursor_t is not None:
            # A pinned cursor stays on the data shown: after a jump back, or once the
            # window has moved past it, it sits at the nearest edge.
            self.cursor_t = float(min(max(self.cursor_t, math.ceil(t0)), math.floor(t)))
        for pane in self.panes.values():
            pane.now_line.setPos(t / 3600.0)
        # Recompute only when the view would move by a visible amount.
        quantum = (t1 - t0) / POINTS
        key = (self.window_name, int(t // max(quantum, 1.0)), id(self.course),
               self.choice_pane.param.key)
        if key != self._last_key:
            self._last_key = key
            self._sample(t0, t1, min(t, t1))
            self._alarm_span = (t0, min(t, t1))
            if self.profile is not None:
                self._alarm_timer.start()
        self._show_cursor()
        self.refresh_table()

    def _sample(self, t0: float, t1: float, t_end: float) -> None:
        grid = np.linspace(t0, t_end, POINTS)
        channels = [c for p in self.params for c in p.channels]
        values = self.course.numerics(channels, grid)
        x = grid / 3600.0
        x_range = (t0 / 3600.0, t1 / 3600.0)
        for pane in self.panes.values():
            pane.set_data(x, values, x_range)
        self.alarm_view.setXRange(*x_range, padding=0.0)
        marks = self.marks
        a = int(np.searchsorted(self._mark_times, t0, side="left"))
        b = int(np.searchsorted(self._mark_times, t_end, side="right"))
        self.shown_marks = marks[a:b]
        by_kind: dict[str, list[float]] = {}
        for m in self.shown_marks:
            by_kind.setdefault(m.kind, []).append(m.t / 3600.0)
        for pane in self.panes.values():
            pane.set_marks(by_kind)
        self.event_lane.show_marks(self.shown_marks, (t0, t1))

    # ------------------------------------------------------------------ event labels

    def _place_labels(self) -> None:
        self.event_lane.place_labels()

    def _fit_label_column(self) -> None:
        """The name-and-value column as wide as its widest value ('120/80 (93)') or
        word at the current font size (the stylesheet scales fonts with the window)."""
        panes = list(self.panes.values())
        fm = QtGui.QFontMetrics(panes[0].value.font())
        lines = [line for p in panes for line in p.name.text().splitlines()]
        fm_name = QtGui.QFontMetrics(panes[0].name.font())
        width = max([fm.horizontalAdvance("000/000 (000)")]
                    + [fm_name.horizontalAdvance(line) for line in lines]) + 8
        # Event labels a little smaller than the screen's base text.
        self.event_lane.set_label_px(max(10, self.readout.fontInfo().pixelSize() - 1))
        for lab in (*[x for p in panes for x in (p.name, p.value)], *self.lane_labels):
            if lab.width() != width:
                lab.setFixedWidth(width)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        self._fit_label_column()
        super().showEvent(event)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() in (QtCore.QEvent.Type.StyleChange, QtCore.QEvent.Type.FontChange) \
                and hasattr(self, "lane_labels"):
            self._fit_label_column()
        super().changeEvent(event)

    def label_texts(self) -> list[tuple[str, str]]:
        """(shown text, full label) of every mark in view, for tests and screen readers."""
        return self.event_lane.label_texts()

    # ------------------------------------------------------------------ cursor

    def set_cursor_hours(self, x_h: float) -> None:
        self.set_cursor(x_h * 3600.0)
        self.setFocus(QtCore.Qt.FocusReason.MouseFocusReason)

    def set_cursor(self, t: float | None) -> None:
        """Pin the cursor at case time t (whole seconds, within the data shown), or let
        it follow the latest time (None)."""
        if t is None:
            self.cursor_t = None
        else:
            t0, _ = self._span
            self.cursor_t = float(min(max(round(t), math.ceil(t0)), math.floor(self.now)))
        self._show_cursor()

    def cursor_time(self) -> float:
        return float(math.floor(self.now)) if self.cursor_t is None else self.cursor_t

    def _show_cursor(self) -> None:
        t = self.cursor_time()
        for pane in self.panes.values():
            pane.cursor.setPos(t / 3600.0)
        for line in self.other_cursors:
            line.setPos(t / 3600.0)
        channels = [c for p in self.params for c in p.channels]
        values = {c: float(v[0]) for c, v in self.course.numerics(channels, [t]).items()}
        parts = []
        for pane in self.panes.values():
            p = pane.param
            text = p.text(values)
            if pane.value.text() != text:
                pane.value.setText(text)
            parts.append(f"{p.label} {text} {p.unit}".strip())
        which = "Latest" if self.cursor_t is None else "Cursor"
        readout = f"{which} {case_clock(t, seconds=True)} · " + " · ".join(parts)
        if self.readout.text() != readout:
            self.readout.setText(readout)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        k = QtCore.Qt.Key
        span = WINDOWS[self.window_name] or (self._span[1] - self._span[0])
        step = max(1.0, round(span / CURSOR_STEPS))
        if event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier:
            step *= 10
        if event.key() in (k.Key_Left, k.Key_Right):
            sign = -1 if event.key() == k.Key_Left else 1
            self.set_cursor(self.cursor_time() + sign * step)
        elif event.key() == k.Key_End:
            self.set_cursor(None)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # ------------------------------------------------------------------ table

    def refresh_table(self, force: bool = False) -> None:
        """Fill the tabular trend for the current window (only while it is shown, or
        when forced, and only when its rows change)."""
        if not force and self.tabs.currentIndex() != 1:
            return
        t0, t1 = self.window_span(self.now)
        self.tabular.show_window(self.course, self.params, t0, min(self.now, t1),
                                 self._limits_of, force)

    def _row_to_cursor(self, t: float) -> None:
        """A row of the table, seen on the graphical trends: the cursor at its time."""
        self.tabs.setCurrentIndex(0)
        self.set_cursor(t)

    # ------------------------------------------------------------------ alarm bars

    def update_alarm_bars_now(self) -> None:
        """Compute the alarm bars for the current view (the timer does it after a pause;
        tests and screenshots call it directly)."""
        self._alarm_timer.stop()
        if self.profile is None or self._alarm_span is None:
            return
        t0, t1 = self._alarm_span
        self.alarm_lane.show_span(self.course, self.profile, t0, t1, self.window_name,
                                  WINDOWS[self.window_name])
