"""The tabular trend: rows = times (case day and clock), columns = parameters, values
flagged L/H against the normal range (yellow, bold) and red beyond the alarm limit."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui

from replay_data.casetime import case_clock

from .trend_parameters import TrendParameter

FLAG_COLOUR = "#ffea00"
BEYOND_LIMIT_COLOUR = "#ff5252"


class TrendTableModel(QtCore.QAbstractTableModel):
    """Rows = times (case day and clock), columns = parameters; cells formatted on demand
    from values computed at once, so a long window costs nothing to show."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.times = np.zeros(0)
        self.params: list[TrendParameter] = []
        self.values: dict[str, np.ndarray] = {}
        self.catalogue = None
        self.limits: dict[str, tuple[float | None, float | None]] = {}

    def set_rows(self, times: np.ndarray, params: list[TrendParameter],
                 values: dict[str, np.ndarray], catalogue, limits) -> None:
        self.beginResetModel()
        self.times, self.params, self.values = times, params, values
        self.catalogue, self.limits = catalogue, limits
        self.endResetModel()

    def rowCount(self, parent=QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.times)

    def columnCount(self, parent=QtCore.QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.params)

    def row_values(self, row: int) -> dict[str, float]:
        return {c: float(v[row]) for c, v in self.values.items()}

    def cell_text(self, row: int, col: int) -> str:
        p = self.params[col]
        vals = self.row_values(row)
        flag = p.flag(vals, self.catalogue)
        return p.text(vals) + (f" {flag}" if flag else "")

    def _beyond_limit(self, row: int, p: TrendParameter) -> bool:
        low, high = self.limits.get(p.limit_channel, (None, None))
        v = float(self.values[p.limit_channel][row])
        return math.isfinite(v) and ((low is not None and v < low)
                                     or (high is not None and v > high))

    def data(self, index: QtCore.QModelIndex, role: int = QtCore.Qt.ItemDataRole.DisplayRole
             ) -> object:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        p = self.params[col]
        r = QtCore.Qt.ItemDataRole
        if role == r.DisplayRole:
            return self.cell_text(row, col)
        if role == r.TextAlignmentRole:
            return int(QtCore.Qt.AlignmentFlag.AlignCenter)
        if role == r.ForegroundRole:
            if self._beyond_limit(row, p):
                return QtGui.QBrush(QtGui.QColor(BEYOND_LIMIT_COLOUR))
            flagged = p.flag(self.row_values(row), self.catalogue)
            return QtGui.QBrush(QtGui.QColor(FLAG_COLOUR if flagged else p.colour))
        if role == r.FontRole and p.flag(self.row_values(row), self.catalogue):
            f = QtGui.QFont()
            f.setBold(True)
            return f
        if role == r.ToolTipRole:
            ranges = ", ".join(f"{self.catalogue.numerics[c].label} normal "
                               f"{self.catalogue.numerics[c].normal[0]:g}–"
                               f"{self.catalogue.numerics[c].normal[1]:g}" for c in p.channels)
            beyond = " · beyond the alarm limit" if self._beyond_limit(row, p) else ""
            return f"{p.label} at {case_clock(self.times[row])}: {ranges}{beyond}"
        return None

    def headerData(self, section: int, orientation: QtCore.Qt.Orientation,
                   role: int = QtCore.Qt.ItemDataRole.DisplayRole) -> object:
        if role != QtCore.Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == QtCore.Qt.Orientation.Horizontal:
            p = self.params[section]
            return f"{p.label} {p.unit}".strip()
        return case_clock(float(self.times[section]))
