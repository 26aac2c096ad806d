"""The trend review's tabular tab: the trend parameters every 5, 15 or 60 minutes over the
window, newest first, abnormal values flagged L/H against the normal range (red beyond
the alarm limits; trend_table draws the cells).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6 import QtCore, QtWidgets

from replay_data.course import Course

from .trend_parameters import TrendParameter, table_times
from .trend_table import TrendTableModel

TABLE_INTERVALS = {"5 min": 300.0, "15 min": 900.0, "60 min": 3600.0}
DEFAULT_TABLE_INTERVAL = "15 min"

Limits = Callable[[str], tuple[float | None, float | None]]


class TabularTrends(QtWidgets.QWidget):
    """objectName `trend.tabular`; the interval `trend.table.interval`, the table
    `trend.table`. `row_chosen(t)`: a row was double-clicked (its case time)."""

    row_chosen = QtCore.Signal(float)
    interval_changed = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trend.tabular")
        self._key: tuple | None = None
        tlay = QtWidgets.QVBoxLayout(self)
        tlay.setContentsMargins(0, 2, 0, 0)
        trow = QtWidgets.QHBoxLayout()
        ilab = QtWidgets.QLabel("Every", self)
        ilab.setObjectName("trend.table.interval_label")
        trow.addWidget(ilab)
        self.interval = QtWidgets.QComboBox(self)
        self.interval.setObjectName("trend.table.interval")
        self.interval.setAccessibleName("Tabular trend interval")
        for name, seconds in TABLE_INTERVALS.items():
            self.interval.addItem(name, seconds)
        self.interval.setCurrentIndex(self.interval.findData(TABLE_INTERVALS[
            DEFAULT_TABLE_INTERVAL]))
        self.interval.currentIndexChanged.connect(lambda _i: self.interval_changed.emit())
        trow.addWidget(self.interval)
        note = QtWidgets.QLabel("values at each time; L/H outside the normal range, red "
                                "beyond the alarm limit; newest first", self)
        note.setObjectName("trend.table.note")
        note.setWordWrap(True)
        trow.addWidget(note, 1)
        tlay.addLayout(trow)
        self.model = TrendTableModel(self)
        self.table = QtWidgets.QTableView(self)
        self.table.setObjectName("trend.table")
        self.table.setAccessibleName("Tabular trends")
        self.table.setModel(self.model)
        self.table.setStyleSheet("QTableView { gridline-color: #333333; } "
                                 "QHeaderView::section { background: #1e2a36; color: #e0e0e0;"
                                 " border: 0; padding: 2px 6px; }")
        self.table.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.setToolTip("Double-click a row to put the cursor of the graphical "
                              "trends at that time")
        self.table.doubleClicked.connect(
            lambda index: self.row_chosen.emit(float(self.model.times[index.row()])))
        tlay.addWidget(self.table, 1)

    def forget(self) -> None:
        """Rows must be made again (the course, the parameters or the limits changed)."""
        self._key = None

    def show_window(self, course: Course, params: list[TrendParameter], t0: float,
                    t_end: float, limits_of: Limits | None, force: bool = False) -> None:
        """The rows from t0 to t_end at the chosen interval (only when they change)."""
        interval = float(self.interval.currentData())
        key = (t0 // interval, t_end // interval, interval, id(course),
               tuple(p.key for p in params))
        if key == self._key and not force:
            return
        self._key = key
        times = table_times(t0, t_end, interval)
        channels = [c for p in params for c in p.channels]
        values = course.numerics(channels, times) if times.size else \
            {c: np.zeros(0) for c in channels}
        limits = {p.limit_channel: (limits_of(p.limit_channel) if limits_of
                                    else (None, None)) for p in params}
        self.model.set_rows(times, params, values, course.catalogue, limits)
