"""A small fixed-scale trace: the last seconds of one signal in a few centimetres (the
airway pressure beside the ventilator's numbers on the bedside monitor).

Painted directly (a whole pyqtgraph plot for a 120x30 px trace cost its scene's
bounding-rect work at every refresh and pyqtgraph's import at start-up).
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from .polyline import PolylinePainter


class MiniTrace(QtWidgets.QFrame):
    """y against x on fixed ranges, clipped to them; `set_data` replaces the trace."""

    def __init__(self, x_range: tuple[float, float], y_range: tuple[float, float],
                 colour: str, parent: QtWidgets.QWidget | None = None, *,
                 width: float = 1.5) -> None:
        super().__init__(parent)
        self.x_range, self.y_range = x_range, y_range
        self.pen = QtGui.QPen(QtGui.QColor(colour), width)
        self.pen.setCosmetic(True)
        self._xy = np.empty((0, 2))
        self._polyline = PolylinePainter()

    def set_data(self, x: np.ndarray, y: np.ndarray) -> None:
        self._xy = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
        self.update()

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the trace shown (for tests)."""
        return self._xy[:, 0].copy(), self._xy[:, 1].copy()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        w, h = self.width(), self.height()
        p.setClipRect(QtCore.QRect(0, 0, w, h))  # in pixels: set before the transform
        sx, sy = w / (x1 - x0), -h / (y1 - y0)
        p.setTransform(QtGui.QTransform(sx, 0, 0, sy, -x0 * sx, h - y0 * sy))
        p.setPen(self.pen)
        self._polyline.draw(p, self._xy, 0, len(self._xy))
        p.end()
