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

Each pane is a trend_pane.TrendPane; this module lays them out and keeps them in step.

Everything is recomputed from the course (a pure function of case time), never
accumulated, and only when the view would move by a visible amount: not every frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.alarms import AlarmProfile, Priority
from dashboard.alarms.timeline import course_timeline
from replay_data.casetime import case_clock
from replay_data.course import Course

from .alarm_bar import PRIORITY_COLOURS
from .trend_marks import MARK_COLOURS, MIN_LABEL_PX, TrendMark, course_marks, stagger
from .trend_pane import CURSOR_COLOUR, LABEL_WIDTH, TrendPane, make_plot
from .trend_parameters import (
    DEFAULT_CHOICE,
    FIXED_PANES,
    TrendParameter,
    choice_channels,
    parameter,
    table_times,
)
from .trend_table import TrendTableModel

# The windows a trainee chooses from; 1 h by default: a two-minute emergency is a
# visible dip, not a sliver. Tick spacing (major, minor) on the clock axis, in hours.
WINDOWS: dict[str, float | None] = {"15 min": 900.0, "1 h": 3600.0, "4 h": 4 * 3600.0,
                                    "8 h": 8 * 3600.0, "24 h": 86400.0, "Course": None}
TICKS_H: dict[str, tuple[float, float]] = {"15 min": (5 / 60, 1 / 60), "1 h": (10 / 60, 5 / 60),
                                           "4 h": (0.5, 10 / 60), "8 h": (1.0, 0.5),
                                           "24 h": (4.0, 1.0)}  # Course: by its length
DEFAULT_WINDOW = "1 h"
POINTS = 600  # samples across a window: 1.5 s at 15 min, 2.4 min at 24 h
TABLE_INTERVALS = {"5 min": 300.0, "15 min": 900.0, "60 min": 3600.0}
DEFAULT_TABLE_INTERVAL = "15 min"
CURSOR_STEPS = 60  # Left/Right move the cursor by a 60th of the window (x10 with Shift)
# Alarm episodes: at 1 s (as the monitor samples) for windows up to a day, on a 5 s grid
# for the whole course (about a second for 24 days; a bar is 25 min per pixel there).
# They are recomputed when the window has moved by a twentieth of its width.
ALARM_BARS_MAX_S = 86400.0
COURSE_ALARM_STEP_S = 5.0
ALARM_BARS_STEPS = 20
ALARM_WARMUP_S = 120.0  # history before the window, so delays and latches start right
# Bars are computed this long after the view last moved: dragging the timeline seeks
# many times a second and the numbers must follow at once; the bars can wait.
ALARM_BARS_DELAY_MS = 300
ALARM_ROWS = {Priority.HIGH: 2.5, Priority.MEDIUM: 1.5, Priority.LOW: 0.5}
MARK_ROWS = 3
MAX_LABELS = 80


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
        self.labelled_marks: list[TrendMark] = []
        self._mark_times = np.zeros(0)
        self._last_key: tuple | None = None
        self._table_key: tuple | None = None
        self._span: tuple[float, float] = (course.scenario.start, course.scenario.start)
        self._alarm_key: tuple | None = None
        self._alarm_span: tuple[float, float] | None = None
        self.alarm_intervals: list = []  # what the bars show (for tests and tooltips)
        self._alarm_timer = QtCore.QTimer(self)
        self._alarm_timer.setSingleShot(True)
        self._alarm_timer.setInterval(ALARM_BARS_DELAY_MS)
        self._alarm_timer.timeout.connect(self.update_alarm_bars_now)
        cat = course.catalogue

        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(4, 2, 4, 2)
        root.setSpacing(2)
        head = QtWidgets.QHBoxLayout()
        head.setSpacing(4)
        title = QtWidgets.QLabel("Trends", self)
        title.setObjectName("trend.title")
        title.setProperty("role", "panel_title")
        head.addWidget(title)
        self.group = QtWidgets.QButtonGroup(self)
        for name in WINDOWS:
            b = QtWidgets.QPushButton(name, self)
            b.setCheckable(True)
            b.setObjectName(f"control.trend_window.{name.replace(' ', '').lower()}")
            b.setAccessibleName(f"Trend window {name}")
            b.setToolTip(f"Show the last {name}" if name != "Course" else
                         "Show the whole course so far")
            b.setChecked(name == self.window_name)
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, n=name: self.set_window(n))
            self.group.addButton(b)
            head.addWidget(b)
        head.addStretch(1)
        # The fifth pane's chooser on a second row: one row of every key was wider than
        # a monitor half as wide as a 1920 screen.
        head2 = QtWidgets.QHBoxLayout()
        head2.setSpacing(4)
        choice_label = QtWidgets.QLabel("5th pane", self)
        choice_label.setObjectName("trend.choice_label")
        head2.addWidget(choice_label)
        self.choice = QtWidgets.QComboBox(self)
        self.choice.setObjectName("trend.choice")
        self.choice.setAccessibleName("Parameter of the fifth trend pane")
        self.choice.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        for cid in choice_channels(cat):
            ch = cat.numerics[cid]
            self.choice.addItem(f"{ch.label} {ch.unit}".strip(), cid)
        self.choice.setCurrentIndex(max(0, self.choice.findData(DEFAULT_CHOICE)))
        self.choice.activated.connect(lambda i: self.set_choice(self.choice.itemData(i)))
        head2.addWidget(self.choice)
        head2.addStretch(1)
        self.latest_button = QtWidgets.QPushButton("Latest", self)
        self.latest_button.setObjectName("trend.cursor.latest")
        self.latest_button.setAccessibleName("Cursor to the latest time (End)")
        self.latest_button.setToolTip("Cursor back to the latest time (End)")
        self.latest_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.latest_button.clicked.connect(lambda: self.set_cursor(None))
        head.addWidget(self.latest_button)
        self.close_button = QtWidgets.QPushButton("Close", self)
        self.close_button.setObjectName("trend.close")
        self.close_button.setAccessibleName("Close the trend review (T)")
        self.close_button.setToolTip("Back to the waveforms (T)")
        self.close_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        head.addWidget(self.close_button)
        root.addLayout(head)
        root.addLayout(head2)

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
        events_row = QtWidgets.QHBoxLayout()
        events_row.setSpacing(2)
        ev_label = QtWidgets.QLabel("Events", graph)
        ev_label.setObjectName("trend.label.events")
        ev_label.setFixedWidth(LABEL_WIDTH)
        ev_label.setStyleSheet(f"color: {MARK_COLOURS['event']};")
        events_row.addWidget(ev_label, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        self.events_plot = make_plot("trend.pane.events", self.set_cursor_hours, graph)
        self.events_plot.getPlotItem().getAxis("left").setStyle(showValues=False)
        self.events_plot.getPlotItem().getAxis("left").setTicks([[], []])
        self.events_view = self.events_plot.getPlotItem().getViewBox()
        self.events_view.sigResized.connect(self._place_labels)
        events_row.addWidget(self.events_plot, 1)
        glay.addLayout(events_row, 4)
        self.label_items: list[pg.TextItem] = []
        self.label_font = QtGui.QFont()
        self.label_font.setPixelSize(11)

        self.panes: dict[str, TrendPane] = {}
        keys = [*FIXED_PANES, self.choice.currentData()]
        for i, key in enumerate(keys):
            pane = TrendPane(parameter(cat, key), self.set_cursor_hours, graph)
            self.panes[key] = pane
            if i == len(FIXED_PANES):
                self.choice_pane = pane
            glay.addWidget(pane, 6)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._collect_curves()

        alarm_row = QtWidgets.QHBoxLayout()
        alarm_row.setSpacing(2)
        al_label = QtWidgets.QLabel("Alarms", graph)
        al_label.setObjectName("trend.label.alarms")
        al_label.setFixedWidth(LABEL_WIDTH)
        alarm_row.addWidget(al_label, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        self.alarm_plot = make_plot("trend.pane.alarms", self.set_cursor_hours, graph,
                                bottom_axis=True)
        api = self.alarm_plot.getPlotItem()
        api.getAxis("left").setStyle(showValues=False)
        api.getAxis("left").setTicks([[], []])
        self.alarm_view = api.getViewBox()
        self.alarm_view.setYRange(0, 3, padding=0)
        alarm_row.addWidget(self.alarm_plot, 1)
        glay.addLayout(alarm_row, 3)
        # One curve per priority, segments as pairs; high on top.
        self.alarm_curves: dict[Priority, pg.PlotCurveItem] = {}
        for prio in (Priority.LOW, Priority.MEDIUM, Priority.HIGH):
            c = pg.PlotCurveItem(pen=pg.mkPen(PRIORITY_COLOURS[prio], width=5), connect="pairs")
            self.alarm_view.addItem(c)
            self.alarm_curves[prio] = c
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
        self.lane_labels = (ev_label, al_label)
        self.tabs.addTab(graph, "Graphical")

        # -- tabular
        tab = QtWidgets.QWidget(self)
        tab.setObjectName("trend.tabular")
        tlay = QtWidgets.QVBoxLayout(tab)
        tlay.setContentsMargins(0, 2, 0, 0)
        trow = QtWidgets.QHBoxLayout()
        ilab = QtWidgets.QLabel("Every", tab)
        ilab.setObjectName("trend.table.interval_label")
        trow.addWidget(ilab)
        self.interval = QtWidgets.QComboBox(tab)
        self.interval.setObjectName("trend.table.interval")
        self.interval.setAccessibleName("Tabular trend interval")
        for name, seconds in TABLE_INTERVALS.items():
            self.interval.addItem(name, seconds)
        self.interval.setCurrentIndex(self.interval.findData(TABLE_INTERVALS[
            DEFAULT_TABLE_INTERVAL]))
        self.interval.currentIndexChanged.connect(lambda _i: self.refresh_table(force=True))
        trow.addWidget(self.interval)
        note = QtWidgets.QLabel("values at each time; L/H outside the normal range, red "
                                "beyond the alarm limit; newest first", tab)
        note.setObjectName("trend.table.note")
        note.setWordWrap(True)
        trow.addWidget(note, 1)
        tlay.addLayout(trow)
        self.table_model = TrendTableModel(self)
        self.table = QtWidgets.QTableView(tab)
        self.table.setObjectName("trend.table")
        self.table.setAccessibleName("Tabular trends")
        self.table.setModel(self.table_model)
        self.table.setStyleSheet("QTableView { gridline-color: #333333; } "
                                 "QHeaderView::section { background: #1e2a36; color: #e0e0e0;"
                                 " border: 0; padding: 2px 6px; }")
        self.table.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.setToolTip("Double-click a row to put the cursor of the graphical "
                              "trends at that time")
        self.table.doubleClicked.connect(self._row_to_cursor)
        tlay.addWidget(self.table, 1)
        self.tabs.addTab(tab, "Tabular")
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
        self._table_key = None
        self._alarm_key = None

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
        if channel not in choice_channels(cat):
            raise ValueError(f"{channel!r} cannot be chosen for the trend "
                             f"(choose from {', '.join(choice_channels(cat))})")
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
        self._table_key = None
        self.show_time(self.now)

    def refresh_limits(self) -> None:
        """Draw the current alarm limits (called when the trainees change them)."""
        for pane in self.panes.values():
            low, high = (None, None) if self._limits_of is None else \
                self._limits_of(pane.param.limit_channel)
            pane.set_limits(low, high)
        self._table_key = None
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
        self.events_view.setRange(xRange=x_range, yRange=(0, MARK_ROWS), padding=0.0)
        marks = self.marks
        a = int(np.searchsorted(self._mark_times, t0, side="left"))
        b = int(np.searchsorted(self._mark_times, t_end, side="right"))
        self.shown_marks = marks[a:b]
        by_kind: dict[str, list[float]] = {}
        for m in self.shown_marks:
            by_kind.setdefault(m.kind, []).append(m.t / 3600.0)
        for pane in self.panes.values():
            pane.set_marks(by_kind)
        self._place_labels()

    # ------------------------------------------------------------------ event labels

    def _place_labels(self) -> None:
        """Write the marks' labels on up to three rows, shortened where the next one on
        the same row begins; the full text is in each label's tooltip."""
        # Lines for every mark; labels for the latest MAX_LABELS (a scenario with
        # thousands of events in view would bury the panes in text).
        marks = self.shown_marks[-MAX_LABELS:]
        self.labelled_marks = marks
        width_px = max(1.0, self.events_view.width())
        x0, x1 = self._span[0] / 3600.0, self._span[1] / 3600.0
        fm = QtGui.QFontMetricsF(self.label_font)
        widths = [fm.horizontalAdvance(m.label) + 8 for m in marks]
        # A label starts at its line, or further left where it would run off the right
        # edge (the latest events are the ones being looked at).
        xs = [min((m.t / 3600.0 - x0) / max(x1 - x0, 1e-9) * width_px, width_px - w)
              for m, w in zip(marks, widths, strict=True)]
        xs = [max(0.0, x) for x in xs]
        order = sorted(range(len(marks)), key=lambda i: xs[i])
        # As many rows as the lane has room for (up to three), so rows never overlap.
        line_px = fm.height() + 3
        height_px = max(1.0, self.events_view.height())
        rows = int(max(1, min(MARK_ROWS, height_px // line_px)))
        placed_sorted = stagger([xs[i] for i in order], [widths[i] for i in order], rows)
        placed = list(placed_sorted)
        for rank, i in enumerate(order):
            placed[i] = placed_sorted[rank]
        while len(self.label_items) < len(marks):
            item = pg.TextItem("", anchor=(0, 0))
            item.setFont(self.label_font)
            item.textItem.document().setDocumentMargin(1)
            self.events_view.addItem(item)
            self.label_items.append(item)
        for i, item in enumerate(self.label_items):
            if i >= len(marks):
                item.setVisible(False)
                continue
            m, p = marks[i], placed[i]
            text = fm.elidedText(m.label, QtCore.Qt.TextElideMode.ElideRight, p.width_px - 8)
            shown = p.width_px >= MIN_LABEL_PX
            item.setVisible(shown)
            item.setText(text if shown else "", color=MARK_COLOURS[m.kind])
            item.setToolTip(f"{case_clock(m.t)} {m.label}")
            item.setPos(x0 + xs[i] / width_px * (x1 - x0),
                        MARK_ROWS * (1.0 - p.row * line_px / height_px))
        self.placed_labels = placed

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
        px = max(10, self.readout.fontInfo().pixelSize() - 1)
        if self.label_font.pixelSize() != px:
            self.label_font.setPixelSize(px)
            for item in self.label_items:
                item.setFont(self.label_font)
            self._place_labels()
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
        return [(it.textItem.toPlainText(), m.label)
                for it, m in zip(self.label_items, self.labelled_marks, strict=False)]

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
        interval = float(self.interval.currentData())
        t0, t1 = self.window_span(self.now)
        t_end = min(self.now, t1)
        key = (t0 // interval, t_end // interval, interval, id(self.course),
               tuple(p.key for p in self.params))
        if key == self._table_key and not force:
            return
        self._table_key = key
        times = table_times(t0, t_end, interval)
        channels = [c for p in self.params for c in p.channels]
        values = self.course.numerics(channels, times) if times.size else \
            {c: np.zeros(0) for c in channels}
        limits = {p.limit_channel: (self._limits_of(p.limit_channel) if self._limits_of
                                    else (None, None)) for p in self.params}
        self.table_model.set_rows(times, self.params, values, self.course.catalogue, limits)

    def _row_to_cursor(self, index: QtCore.QModelIndex) -> None:
        """A row of the table, seen on the graphical trends: the cursor at its time."""
        self.tabs.setCurrentIndex(0)
        self.set_cursor(float(self.table_model.times[index.row()]))

    # ------------------------------------------------------------------ alarm bars

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
            curve.setData(xs, [ALARM_ROWS[prio]] * len(xs))
