"""Trend plots for the debrief, rendered offscreen to PNG with pyqtgraph's ImageExporter.

Values come from the course (the pure function), never from what the monitor happened
to draw, so the plot shows every second of the span however fast the replay ran.
The only Qt module of the debrief: report.py imports it only when it renders.
"""

from __future__ import annotations

import base64
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6 import QtCore, QtWidgets

from replay_data.course import Course

BACKGROUND = "#11161c"
AXIS = "#90a4ae"
MAX_POINTS = 1441  # one per second up to 24 min; finer than the image's pixels beyond that
# Clock-friendly tick steps (s), so the axis reads like the monitor's clock.
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
              43200, 86400)

_app: QtWidgets.QApplication | None = None  # kept alive for the life of the process


@dataclass(frozen=True)
class Marker:
    """A vertical line at case time t (an injection, a stop, a case event)."""
    t: float
    label: str  # short: drawn on the plot; the report explains it
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class Region:
    """A shaded case-time span (an injection while it is on)."""
    t0: float
    t1: float
    colour: str


def ensure_qapp() -> QtWidgets.QApplication:
    """The running QApplication, or a new one (offscreen unless a platform is chosen):
    the exporter paints through a QGraphicsScene, which needs one."""
    global _app
    app = QtWidgets.QApplication.instance()
    if app is None:
        # Rendering needs no display: always offscreen, whatever platform the session
        # (or a broken QT_QPA_PLATFORM) names, so the debrief runs on any machine.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = _app = QtWidgets.QApplication(["icu-dashboard-debrief"])
    if not isinstance(app, QtWidgets.QApplication):
        raise RuntimeError("the debrief plots need a QApplication (widgets), found "
                           f"{type(app).__name__}")
    return app


class CaseTimeAxis(pg.AxisItem):
    """Ticks on whole clock steps of case time, labelled HH:MM(:SS) like the monitor."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float  # noqa: N802
                    ) -> list[tuple[float, float]]:
        span = max(maxVal - minVal, 1e-9)
        # Aim at a label every ~110 px so that 'Dn HH:MM' labels never collide.
        wanted = span / max(size / 110.0, 1.0)
        major = next((s for s in TICK_STEPS if s >= wanted), TICK_STEPS[-1])
        minor = next((s for s in reversed(TICK_STEPS) if s <= major / 4), major)
        return [(float(major), 0.0), (float(minor), 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float  # noqa: N802
                    ) -> list[str]:
        days = {math.floor(v / 86400) for v in values}
        out = []
        for v in values:
            day, rest = divmod(int(round(v)), 86400)
            hh, rest = divmod(rest, 3600)
            mm, ss = divmod(rest, 60)
            text = f"{hh:02d}:{mm:02d}" + (f":{ss:02d}" if spacing < 60 else "")
            out.append(f"D{day + 1} {text}" if len(days) > 1 else text)
        return out


def time_grid(t0: float, t1: float) -> np.ndarray:
    n = int(min(max(t1 - t0, 1.0) + 1, MAX_POINTS))
    return np.linspace(t0, t1, max(n, 2))


def render_trend(course: Course, channel: str, t: np.ndarray, values: np.ndarray,
                 markers: Sequence[Marker] = (), regions: Sequence[Region] = (),
                 size: tuple[int, int] = (960, 210)) -> bytes:
    """One channel over the grid t as PNG bytes."""
    ensure_qapp()
    ch = course.catalogue.numeric(channel)
    width, height = size
    widget = pg.PlotWidget(background=BACKGROUND,
                           axisItems={"bottom": CaseTimeAxis(orientation="bottom")})
    try:
        item = widget.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        for side in ("left", "bottom"):
            item.getAxis(side).setTextPen(AXIS)
            item.getAxis(side).setPen(AXIS)
        item.setTitle(f"{ch.label} ({ch.unit})", color=ch.colour, size="10pt")
        item.showGrid(x=True, y=True, alpha=0.15)
        for r in regions:
            lo, hi = max(r.t0, float(t[0])), min(r.t1, float(t[-1]))
            if hi > lo:
                item.addItem(pg.LinearRegionItem((lo, hi), movable=False,
                                                 brush=pg.mkBrush(_rgba(r.colour, 45)),
                                                 pen=pg.mkPen(None)))
        finite = np.isfinite(values)
        if finite.any():
            item.addItem(pg.PlotDataItem(t, values, pen=pg.mkPen(ch.colour, width=2),
                                         connect="finite", antialias=True))
            lo, hi = float(np.min(values[finite])), float(np.max(values[finite]))
            pad = max((hi - lo) * 0.08, abs(hi) * 0.02, 0.5)
            item.setYRange(lo - pad, hi + pad, padding=0)
        else:
            note = pg.TextItem("not measured in this span", color=AXIS, anchor=(0.5, 0.5))
            note.setPos(float(t[0] + t[-1]) / 2, 0.5)
            item.addItem(note)
            item.setYRange(0, 1, padding=0)
        item.setXRange(float(t[0]), float(t[-1]), padding=0)
        for m in markers:
            if not t[0] <= m.t <= t[-1]:
                continue
            style = QtCore.Qt.PenStyle.DashLine if m.dashed else QtCore.Qt.PenStyle.SolidLine
            item.addItem(pg.InfiniteLine(
                m.t, pen=pg.mkPen(m.colour, width=1, style=style), label=m.label,
                labelOpts={"position": 0.92, "color": m.colour, "anchors": [(0, 0), (0, 0)]}))
        # Never shown, so no resize event lays it out: size the item and lay it out here.
        item.setGeometry(QtCore.QRectF(0, 0, width, height))
        item.layout.activate()
        exporter = ImageExporter(item)
        exporter.parameters()["width"] = width
        exporter.parameters()["height"] = height
        exporter.parameters()["background"] = BACKGROUND
        image = exporter.export(toBytes=True)
        buf = QtCore.QBuffer()
        buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buf, "PNG"):
            raise RuntimeError(f"could not encode the {channel} plot as PNG")
        return bytes(buf.data())
    finally:
        # Free the scene now: Qt objects left for interpreter exit can crash it (DESIGN.md).
        widget.close()
        widget.deleteLater()
        del widget


def _rgba(colour: str, alpha: int) -> tuple[int, int, int, int]:
    c = pg.mkColor(colour)
    return c.red(), c.green(), c.blue(), alpha


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
