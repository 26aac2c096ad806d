"""Drawing sampled traces as polylines straight from numpy arrays.

A QPolygonF holds its points as consecutive (x, y) doubles, so numpy can write them in
one go through a view of its storage (what pyqtgraph's `ndarray_from_qpolygonf` does;
done here with shiboken's VoidPtr so that the monitor does not import pyqtgraph, about
0.3 s of its start-up, for two lines). A sample that is NaN is not drawn: a line joins
two real samples only (the erase gap of a sweep, a sensor off, outside the case).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtGui
from shiboken6 import VoidPtr


def polygon_with_view(size: int) -> tuple[QtGui.QPolygonF, np.ndarray]:
    """A polygon of `size` points and its points as a writable (size, 2) array. Write
    the points only through the array, never through Qt (which could detach the
    polygon's storage from it)."""
    poly = QtGui.QPolygonF()
    poly.resize(size)
    buf = VoidPtr(poly.data(), size * 2 * 8, True)
    return poly, np.frombuffer(buf, dtype=np.float64).reshape(size, 2)


def finite_runs(y: np.ndarray, a: int, b: int) -> list[tuple[int, int]]:
    """The runs [r0, r1) of two or more real (not NaN) samples of y within [a, b)."""
    if b - a < 2:
        return []
    part = y[a:b]
    if not math.isnan(part.sum()):  # the usual case: one reduction, no mask
        return [(a, b)]
    blank = np.isnan(part)
    i = int(blank.argmax())
    j = b - a - int(blank[::-1].argmax())
    if blank[i:j].all():  # one blank stretch (a sweep's erase gap): the runs either side
        runs = [(a, a + i), (a + j, b)]
    else:
        edges = np.flatnonzero(np.diff(np.concatenate(([True], blank, [True]))))
        runs = [(a + int(r0), a + int(r1)) for r0, r1 in zip(edges[0::2], edges[1::2])]
    return [(r0, r1) for r0, r1 in runs if r1 - r0 >= 2]


class PolylinePainter:
    """Draws runs of an (n, 2) array of points, keeping a polygon of each length it has
    drawn for the next frame (making one costs about as much as drawing it)."""

    def __init__(self) -> None:
        self._polygons: dict[int, tuple[QtGui.QPolygonF, np.ndarray]] = {}

    def draw(self, p: QtGui.QPainter, xy: np.ndarray, a: int, b: int) -> None:
        """The samples [a, b) of xy, each run of real ones as one polyline."""
        for r0, r1 in finite_runs(xy[:, 1], a, b):
            got = self._polygons.get(r1 - r0)
            if got is None:
                got = self._polygons[r1 - r0] = polygon_with_view(r1 - r0)
            got[1][:] = xy[r0:r1]
            p.drawPolyline(got[0])
