"""The debrief's plots, rendered offscreen to PNG with pyqtgraph's ImageExporter.

Light paper colours (the report is printed). Each figure stacks a few channels over one
case-time window, each with its own scale and its values on the axis, the time axis as
the case's clock: an overview of the stretch the session played, then one panel per
injection and per alarm episode (report.focus_windows). Numbered marks (injections,
stops, case events, notes) are listed in the report's "Marks" table.

Values come from the course (the pure function), never from what the monitor happened
to draw, so a plot shows every second however fast the replay ran. The only Qt module of
the debrief besides pdf.py: report.py imports it only when it renders.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6 import QtCore, QtGui, QtWidgets

from replay_data.casetime import case_clock, clock_of_day
from replay_data.course import Course

from .report import (
    EVENT_COLOUR,
    INJECTION_COLOUR,
    NOTE_COLOUR,
    OVERVIEW_CHANNELS,
    STOP_COLOUR,
    DebriefReport,
    perturbation_label,
)

BACKGROUND = "#ffffff"
AXIS = "#37474f"
GRID_ALPHA = 0.25
ALARM_SHADE = "#e53935"
WIDTH = 700  # the printable width of A4 at 96 dpi: axis text prints at its size
ROW_HEIGHT = 46
AXIS_HEIGHT = 30
EXPORT_SCALE = 2  # pixels per unit in the PNG: sharp in print and on large screens
MAX_POINTS = 1801  # one per second up to 30 min; finer than the image's pixels beyond
MAX_PANEL_CHANNELS = 3
TICK_STEPS = (10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
              86400)

_app: QtWidgets.QApplication | None = None  # kept alive for the life of the process


@dataclass(frozen=True)
class Mark:
    """A numbered vertical line at case time t (an injection, a stop, an event, a note)."""
    number: int
    t: float
    what: str
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class Figure:
    name: str  # resource name in the PDF ("overview.png", "panel-1.png")
    title: str
    caption: str
    png: bytes
    width: int
    height: int

    @property
    def data_uri(self) -> str:
        return png_data_uri(self.png)


def ensure_qapp() -> QtWidgets.QApplication:
    """The running QApplication, or a new one -- always offscreen when this process has
    none yet, so a debrief renders with no display."""
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


class CaseClockAxis(pg.AxisItem):
    """Ticks on whole clock steps of case time, labelled with the case's clock (HH:MM,
    seconds when the window is short); the day is in the figure's caption."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float  # noqa: N802
                    ) -> list[tuple[float, float]]:
        span = max(maxVal - minVal, 1e-9)
        wanted = span / max(size / 90.0, 1.0)
        major = next((s for s in TICK_STEPS if s >= wanted), TICK_STEPS[-1])
        minor = next((s for s in reversed(TICK_STEPS) if s <= major / 4), major)
        return [(float(major), 0.0), (float(minor), 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float  # noqa: N802
                    ) -> list[str]:
        return [clock_of_day(v, seconds=spacing < 60) for v in values]


def time_grid(t0: float, t1: float) -> np.ndarray:
    n = int(min(max(t1 - t0, 1.0) + 1, MAX_POINTS))
    return np.linspace(t0, t1, max(n, 2))


def print_colour(colour: str) -> QtGui.QColor:
    """A monitor colour (bright, for black) made dark enough to read on paper."""
    c = QtGui.QColor(colour)
    while c.lightness() > 120:
        c = c.darker(125)
    return c


def render_stack(course: Course, channels: Sequence[str], t0: float, t1: float,
                 marks: Sequence[Mark] = (), regions: Sequence[tuple[float, float, str]] = (),
                 alarm_spans: dict[str, list[tuple[float, float]]] | None = None) -> bytes:
    """Channels stacked over [t0, t1], each its own scale, one shared clock axis; PNG."""
    ensure_qapp()
    grid = time_grid(t0, t1)
    values = course.numerics(tuple(channels), grid)
    height = ROW_HEIGHT * len(channels) + AXIS_HEIGHT
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground(BACKGROUND)
    try:
        layout = widget.ci
        layout.setContentsMargins(4, 4, 10, 2)
        layout.setSpacing(0)
        first: pg.PlotItem | None = None
        for row, cid in enumerate(channels):
            ch = course.catalogue.numeric(cid)
            last = row == len(channels) - 1
            axis = {"bottom": CaseClockAxis(orientation="bottom")} if last else {}
            item = layout.addPlot(row=row, col=0, axisItems=axis)
            item.hideButtons()
            item.setMenuEnabled(False)
            item.showAxis("bottom", last)
            left = item.getAxis("left")
            left.setWidth(44)
            # The channel's name inside the plot, top left, where a monitor has it.
            name = pg.TextItem(f"{ch.label} {ch.unit}", color=print_colour(ch.colour).name(),
                               anchor=(0, 0))
            name.setParentItem(item.getViewBox())
            name.setPos(3, 0)
            for side in ("left", "bottom"):
                item.getAxis(side).setTextPen(AXIS)
                item.getAxis(side).setPen(AXIS)
            item.showGrid(x=True, y=True, alpha=GRID_ALPHA)
            if first is None:
                first = item
            else:
                item.setXLink(first)
            for lo, hi, colour in regions:
                lo, hi = max(lo, t0), min(hi, t1)
                if hi > lo:
                    item.addItem(pg.LinearRegionItem((lo, hi), movable=False,
                                                     brush=pg.mkBrush(_rgba(colour, 40)),
                                                     pen=pg.mkPen(None)))
            for lo, hi in (alarm_spans or {}).get(cid, []):
                lo, hi = max(lo, t0), min(hi, t1)
                if hi > lo:
                    item.addItem(pg.LinearRegionItem((lo, hi), movable=False,
                                                     brush=pg.mkBrush(_rgba(ALARM_SHADE, 30)),
                                                     pen=pg.mkPen(None)))
            y = values[cid]
            finite = np.isfinite(y)
            if finite.any():
                item.addItem(pg.PlotDataItem(grid, y, pen=pg.mkPen(print_colour(ch.colour),
                                                                   width=2),
                                             connect="finite", antialias=True))
                lo, hi = float(np.min(y[finite])), float(np.max(y[finite]))
                pad = max((hi - lo) * 0.12, abs(hi) * 0.03, 0.5)
                hi += pad  # headroom for the channel's name
                item.setYRange(lo - pad, hi + pad, padding=0)
            else:
                note = pg.TextItem("not measured in this span", color=AXIS, anchor=(0.5, 0.5))
                note.setPos(float(t0 + t1) / 2, 0.5)
                item.addItem(note)
                item.setYRange(0, 1, padding=0)
            item.setXRange(t0, t1, padding=0)
            for m in marks:
                if not t0 <= m.t <= t1:
                    continue
                style = QtCore.Qt.PenStyle.DashLine if m.dashed else QtCore.Qt.PenStyle.SolidLine
                line = pg.InfiniteLine(m.t, pen=pg.mkPen(m.colour, width=1, style=style),
                                       label=str(m.number) if row == 0 else None,
                                       labelOpts={"position": 0.85, "color": m.colour,
                                                  "fill": pg.mkBrush(255, 255, 255, 220)})
                item.addItem(line)
        # Never shown, so no resize event lays it out: size the layout and lay it out here.
        layout.setGeometry(QtCore.QRectF(0, 0, WIDTH, height))
        layout.layout.activate()
        exporter = ImageExporter(layout)
        exporter.parameters()["width"] = WIDTH * EXPORT_SCALE
        exporter.parameters()["height"] = height * EXPORT_SCALE
        exporter.parameters()["background"] = BACKGROUND
        image = exporter.export(toBytes=True)
        buf = QtCore.QBuffer()
        buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buf, "PNG"):
            raise RuntimeError("could not encode a debrief plot as PNG")
        return bytes(buf.data())
    finally:
        # Free the scene now: Qt objects left for interpreter exit can crash it.
        widget.close()
        widget.deleteLater()
        del widget


def _rgba(colour: str, alpha: int) -> tuple[int, int, int, int]:
    c = pg.mkColor(colour)
    return c.red(), c.green(), c.blue(), alpha


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def report_marks(report: DebriefReport, course: Course) -> list[Mark]:
    """Numbered marks in case-time order, over everything the session played."""
    played = report.played
    found: list[tuple[float, str, str, bool]] = []
    for inj in report.injections:
        found.append((inj.perturbation.start, f"{inj.label} ({inj.source})",
                      INJECTION_COLOUR, False))
    for rec in report.session.perturbation_records():
        if rec.stopped is not None:
            found.append((rec.stopped, f"stopped: {perturbation_label(course, rec.perturbation)}",
                          STOP_COLOUR, False))
    t0, t1 = report.played.range if report.played else report.session.span
    found += [(ev.t, f"case event: {ev.label}", EVENT_COLOUR, True)
              for ev in course.scenario.events
              if t0 <= ev.t <= t1 and (played is None or played.played(ev.t))]
    found += [(n.case_time, ("bookmark: " if n.bookmark else "note: ") + n.text,
               NOTE_COLOUR, True) for n in report.notes]
    found.sort(key=lambda m: m[0])
    return [Mark(i, t, what, colour, dashed)
            for i, (t, what, colour, dashed) in enumerate(found, 1)]


def _panel_channels(report: DebriefReport, course: Course, t0: float, t1: float) -> list[str]:
    chosen: list[str] = []
    for a in report.acknowledgements:
        if a.channel and t0 <= a.raised_at <= t1:
            chosen.append(a.channel)
    for inj in report.injections:
        p = inj.perturbation
        if t0 <= p.start <= t1:
            chosen += [e.channel for e in p.effects]
    numerics = course.catalogue.numerics
    out = [c for c in dict.fromkeys(chosen)
           if c in numerics and not numerics[c].derived][:MAX_PANEL_CHANNELS]
    for c in OVERVIEW_CHANNELS:
        if len(out) >= MAX_PANEL_CHANNELS:
            break
        if c not in out:
            out.append(c)
    return out


def report_figures(report: DebriefReport, course: Course) -> list[Figure]:
    marks = report_marks(report, course)
    report.marks = marks  # the page lists them
    regions = [(i.perturbation.start, i.perturbation.end + i.perturbation.offset,
                INJECTION_COLOUR) for i in report.injections]
    alarm_spans: dict[str, list[tuple[float, float]]] = {}
    for a in report.acknowledgements:
        if a.channel and a.event == "raise":
            end = a.cleared_at if a.cleared_at is not None else report.session.end
            alarm_spans.setdefault(a.channel, []).append((a.raised_at, end))
    t0, t1 = report.span
    figures = []
    png = render_stack(course, report.plotted, t0, t1, marks, regions, alarm_spans)
    figures.append(Figure("overview.png", "Overview of the session",
                          f"{case_clock(t0)} to {case_clock(t1)} (case time); shaded: "
                          "injections (orange), alarms on that channel (red)",
                          png, WIDTH * EXPORT_SCALE,
                          (ROW_HEIGHT * len(report.plotted) + AXIS_HEIGHT) * EXPORT_SCALE))
    for i, (title, lo, hi) in enumerate(report.panels, 1):
        channels = _panel_channels(report, course, lo, hi)
        png = render_stack(course, channels, lo, hi, marks, regions, alarm_spans)
        figures.append(Figure(f"panel-{i}.png", title,
                              f"{case_clock(lo, seconds=True)} to "
                              f"{case_clock(hi, seconds=True)} (case time)",
                              png, WIDTH * EXPORT_SCALE,
                              (ROW_HEIGHT * len(channels) + AXIS_HEIGHT) * EXPORT_SCALE))
    return figures
