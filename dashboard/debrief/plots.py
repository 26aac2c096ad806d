"""The debrief's plots, rendered offscreen to PNG with pyqtgraph's ImageExporter.

Light paper colours (the report is printed). Each figure stacks a few channels over one
case-time window, each with its own scale and its values on the axis, the time axis as
the case's clock: an overview of the stretch the session played, then one panel per
injection and per alarm episode (report.focus_windows). Numbered marks (injections,
stops, case events, notes; which and their numbers: plot_marks.py) are listed in the
report's "Marks" table.

Values come from the course (the pure function), never from what the monitor happened
to draw, so a plot shows every second however fast the replay ran. The only Qt module of
the debrief besides pdf.py: files.py imports it only when it renders.
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
from PySide6 import QtCore, QtGui, QtWidgets

from replay_data.casetime import case_clock, clock_of_day
from replay_data.course import Course

from .plot_marks import (
    MAX_NUMBERED_MARKS,
    Mark,
    mark_levels,
    report_marks,
    unnumbered_text,
)
from .rows import (
    INJECTION_COLOUR,
    OVERVIEW_CHANNELS,
    DebriefReport,
)

# Importable from here as before (plot_marks.py holds them now).
__all__ = ["MAX_NUMBERED_MARKS", "Figure", "Mark", "ensure_qapp", "mark_levels",
           "render_stack", "report_figures", "report_marks"]

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
LEFT_AXIS_PX = 44
NAME_BAND = 0.32  # the top of each row kept free of values for the channel's name
NAME_FONT_PT = 7.5
MARK_FONT_PT = 7.5
MARK_LEVEL_PX = 13  # one row of mark numbers above the plots
MIN_TICK_PX = 14
# Past these counts a figure draws its marks' lines as one item per colour (not one each)
# and leaves them unnumbered (the numbers would print over each other anyway; the list
# above the plots still numbers them), and shading that overlaps is merged: a session
# with 2,000 injections drew 12,000 items and took minutes.
FEW_MARKS = 20  # an InfiniteLine each up to this many, one line item per colour past it
MAX_SHADED_SPANS = 50
TICK_STEPS = (10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
              86400)

_app: QtWidgets.QApplication | None = None  # kept alive for the life of the process


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

    def tickSpacing(self, minVal: float, maxVal: float, size: float
                    ) -> list[tuple[float, float]]:
        span = max(maxVal - minVal, 1e-9)
        wanted = span / max(size / 90.0, 1.0)
        major = next((s for s in TICK_STEPS if s >= wanted), TICK_STEPS[-1])
        minor = next((s for s in reversed(TICK_STEPS) if s <= major / 4), major)
        return [(float(major), 0.0), (float(minor), 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float
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


def nice_ticks(lo: float, hi: float, most: int = 3, min_step: float = 0.0) -> list[float]:
    """A few round values inside [lo, hi] (1, 2, 5 x 10^k apart): a row 46 px tall has
    room for two or three labels, never a stack of them printed over each other."""
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return [lo] if math.isfinite(lo) else []
    raw = max(span / most, min_step)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    out = []
    v = first
    while v <= hi + 1e-9 * step and len(out) < most:
        out.append(round(v, 10))
        v += step
    return out


def _tick_text(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 or v == int(v) else f"{v:g}"


def render_stack(course: Course, channels: Sequence[str], t0: float, t1: float,
                 marks: Sequence[Mark] = (), regions: Sequence[tuple[float, float, str]] = (),
                 alarm_spans: dict[str, list[tuple[float, float]]] | None = None
                 ) -> tuple[bytes, int]:
    """Channels stacked over [t0, t1], each its own scale, one shared clock axis, the
    marks' numbers in a band of their own above them; (PNG, height in px).

    Nothing is drawn over a trace: each row keeps its top band free for the channel's
    name (the values are scaled into the rest), and the numbers of the marks sit above
    the plots, staggered where marks come close."""
    ensure_qapp()
    grid = time_grid(t0, t1)
    values = course.numerics(tuple(channels), grid)
    shown = [m for m in marks if t0 <= m.t <= t1]
    numbered = len(shown) <= MAX_NUMBERED_MARKS
    levels = mark_levels(shown, t0, t1, WIDTH - LEFT_AXIS_PX - 14) if numbered else []
    band = (max(levels) + 1) * MARK_LEVEL_PX if levels else 0
    height = band + ROW_HEIGHT * len(channels) + AXIS_HEIGHT
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground(BACKGROUND)
    try:
        layout = widget.ci
        layout.setContentsMargins(4, 4, 10, 2)
        layout.setSpacing(0)
        grid_layout = layout.layout
        first: pg.PlotItem | None = None
        row0 = 0
        if band:
            strip = layout.addPlot(row=0, col=0)
            strip.hideButtons()
            strip.setMenuEnabled(False)
            strip.hideAxis("bottom")
            _blank_left_axis(strip)
            strip.setXRange(t0, t1, padding=0)
            strip.setYRange(0, max(levels) + 1, padding=0)
            strip.getViewBox().invertY(True)  # level 0 at the top
            for m, level in zip(shown, levels, strict=True):
                strip.addItem(pg.InfiniteLine(m.t, pen=pg.mkPen(m.colour, width=1)))
                number = pg.TextItem(str(m.number), color=m.colour, anchor=(0.5, 0.5),
                                     fill=pg.mkBrush(BACKGROUND))
                number.setFont(_font(MARK_FONT_PT, bold=True))
                number.setZValue(10)
                number.setPos(m.t, level + 0.5)
                strip.addItem(number)
            grid_layout.setRowFixedHeight(0, band)
            first = strip
            row0 = 1
        for i, cid in enumerate(channels):
            row = row0 + i
            ch = course.catalogue.numeric(cid)
            last = i == len(channels) - 1
            axis = {"bottom": CaseClockAxis(orientation="bottom")} if last else {}
            item = layout.addPlot(row=row, col=0, axisItems=axis)
            grid_layout.setRowFixedHeight(row, ROW_HEIGHT + (AXIS_HEIGHT if last else 0))
            item.hideButtons()
            item.setMenuEnabled(False)
            item.showAxis("bottom", last)
            left = item.getAxis("left")
            left.setWidth(LEFT_AXIS_PX)
            # The ticks are few and inside the values' band: none is cut at a row's edge.
            left.setStyle(hideOverlappingLabels=False)
            # The channel's name inside the plot, top left, where a monitor has it: in a
            # band the values are kept out of, on paper white under it.
            name = pg.TextItem(f"{ch.label} {ch.unit}", color=print_colour(ch.colour).name(),
                               anchor=(0, 0), fill=pg.mkBrush(255, 255, 255, 230))
            name.setFont(_font(NAME_FONT_PT))
            name.setZValue(10)
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
            alarms = [(lo, hi, ALARM_SHADE) for lo, hi in (alarm_spans or {}).get(cid, [])]
            shading = [(shaded_spans(regions, t0, t1), 40), (shaded_spans(alarms, t0, t1), 30)]
            for spans, alpha in shading:
                if len(spans) > MAX_SHADED_SPANS:
                    continue  # drawn as one fill per colour once the row's scale is set
                for lo, hi, colour in spans:
                    item.addItem(pg.LinearRegionItem((lo, hi), movable=False,
                                                     brush=pg.mkBrush(_rgba(colour, alpha)),
                                                     pen=pg.mkPen(None)))
            y = values[cid]
            finite = np.isfinite(y)
            if finite.any():
                item.addItem(pg.PlotDataItem(grid, y, pen=pg.mkPen(print_colour(ch.colour),
                                                                   width=2),
                                             connect="finite", antialias=True))
                lo, hi = float(np.min(y[finite])), float(np.max(y[finite]))
                pad = max((hi - lo) * 0.08, abs(hi) * 0.03, 0.5)
                bottom, top = lo - pad, hi + pad
                # The name's band on top: the values take the rest of the row.
                total = (top - bottom) / (1 - NAME_BAND)
                item.setYRange(bottom, bottom + total, padding=0)
                # Ticks at least MIN_TICK_PX apart: their labels never print over each other.
                ticks = nice_ticks(lo, hi, min_step=total * MIN_TICK_PX / ROW_HEIGHT)
                left.setTicks([[(v, _tick_text(v)) for v in ticks], []])
            else:
                note = pg.TextItem("not measured in this span", color=AXIS, anchor=(0.5, 0.5))
                note.setPos(float(t0 + t1) / 2, 0.4)
                item.addItem(note)
                item.setYRange(0, 1, padding=0)
                left.setTicks([[], []])
            item.setXRange(t0, t1, padding=0)
            y_range = item.getViewBox().viewRange()[1]
            for spans, alpha in shading:
                if len(spans) > MAX_SHADED_SPANS:
                    _add_span_fill(item, spans, alpha, y_range)
            _add_mark_lines(item, shown, y_range)
        # Never shown, so no resize event lays it out: size the layout and lay it out here.
        layout.setGeometry(QtCore.QRectF(0, 0, WIDTH, height))
        grid_layout.activate()
        exporter = ImageExporter(layout)
        exporter.parameters()["width"] = WIDTH * EXPORT_SCALE
        exporter.parameters()["height"] = height * EXPORT_SCALE
        exporter.parameters()["background"] = BACKGROUND
        image = exporter.export(toBytes=True)
        buf = QtCore.QBuffer()
        buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buf, "PNG"):
            raise RuntimeError("could not encode a debrief plot as PNG")
        return bytes(buf.data()), height
    finally:
        # Free the scene now: Qt objects left for interpreter exit can crash it.
        widget.close()
        widget.deleteLater()
        del widget


def shaded_spans(spans: Sequence[tuple[float, float, str]], t0: float, t1: float
                 ) -> list[tuple[float, float, str]]:
    """The spans inside [t0, t1], each as it is; past MAX_SHADED_SPANS, those of one
    colour that overlap or touch merged into one (the same shading, a few items)."""
    inside = [(max(lo, t0), min(hi, t1), c) for lo, hi, c in spans if min(hi, t1) > max(lo, t0)]
    if len(inside) <= MAX_SHADED_SPANS:
        return inside
    merged: list[tuple[float, float, str]] = []
    for colour in dict.fromkeys(c for _, _, c in inside):
        run: list[float] | None = None
        for lo, hi, _ in sorted(x for x in inside if x[2] == colour):
            if run is not None and lo <= run[1]:
                run[1] = max(run[1], hi)
                continue
            if run is not None:
                merged.append((run[0], run[1], colour))
            run = [lo, hi]
        if run is not None:
            merged.append((run[0], run[1], colour))
    return merged


def _add_span_fill(item: pg.PlotItem, spans: Sequence[tuple[float, float, str]], alpha: int,
                   y_range: Sequence[float]) -> None:
    """Many shaded spans as one filled outline per colour (under the trace), not an item
    each: rectangles from the row's bottom to its top."""
    lo_y, hi_y = float(y_range[0]), float(y_range[1])
    for colour in dict.fromkeys(c for _, _, c in spans):
        mine = sorted((lo, hi) for lo, hi, c in spans if c == colour)
        x = np.array([v for lo, hi in mine for v in (lo, lo, hi, hi)], dtype=np.float64)
        y = np.tile([lo_y, hi_y, hi_y, lo_y], len(mine))
        fill = pg.PlotCurveItem(x, y, pen=pg.mkPen(None), fillLevel=lo_y,
                                brush=pg.mkBrush(_rgba(colour, alpha)))
        fill.setZValue(-10)
        item.addItem(fill)
    item.setYRange(lo_y, hi_y, padding=0)


def _add_mark_lines(item: pg.PlotItem, shown: Sequence[Mark],
                    y_range: Sequence[float]) -> None:
    """A vertical line per mark across the row: an InfiniteLine each while they are few
    (FEW_MARKS), else one line item per colour and style (pairs of points), whatever
    their number (rows x marks items made a busy session slow)."""
    if len(shown) <= FEW_MARKS:
        for m in shown:
            style = QtCore.Qt.PenStyle.DashLine if m.dashed else QtCore.Qt.PenStyle.SolidLine
            item.addItem(pg.InfiniteLine(m.t, pen=pg.mkPen(m.colour, width=1, style=style)))
        return
    lo, hi = float(y_range[0]), float(y_range[1])
    groups: dict[tuple[str, bool], list[float]] = {}
    for m in shown:
        groups.setdefault((m.colour, m.dashed), []).append(m.t)
    for (colour, dashed), times in groups.items():
        x = np.repeat(np.asarray(times, dtype=np.float64), 2)
        y = np.tile([lo, hi], len(times))
        style = QtCore.Qt.PenStyle.DashLine if dashed else QtCore.Qt.PenStyle.SolidLine
        line = pg.PlotDataItem(x, y, connect="pairs",
                               pen=pg.mkPen(colour, width=1, style=style))
        item.addItem(line)
        item.setYRange(lo, hi, padding=0)  # the lines must not widen the row's scale


def _blank_left_axis(item: pg.PlotItem) -> None:
    """A left axis as wide as the channels' (so the time scales line up), drawing nothing."""
    axis = item.getAxis("left")
    axis.setWidth(LEFT_AXIS_PX)
    axis.setTicks([[], []])
    axis.setPen(pg.mkPen(None))
    axis.setTextPen(pg.mkPen(None))


def _font(points: float, bold: bool = False) -> QtGui.QFont:
    f = QtGui.QFont()
    f.setPointSizeF(points)
    f.setBold(bold)
    return f


def _rgba(colour: str, alpha: int) -> tuple[int, int, int, int]:
    c = pg.mkColor(colour)
    return c.red(), c.green(), c.blue(), alpha


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


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
    # Shaded as the patient lived it: to where the team restored the values, not to the
    # injection's nominal end.
    regions = [(i.perturbation.start,
                i.lived_end if i.lived_end is not None else
                i.perturbation.end + i.perturbation.offset,
                INJECTION_COLOUR) for i in report.injections]
    alarm_spans: dict[str, list[tuple[float, float]]] = {}
    for a in report.acknowledgements:
        if a.channel and a.event == "raise":
            end = a.cleared_at if a.cleared_at is not None else report.session_end
            alarm_spans.setdefault(a.channel, []).append((a.raised_at, end))
    t0, t1 = report.span
    figures = []
    png, height = render_stack(course, report.plotted, t0, t1, marks, regions, alarm_spans)
    figures.append(Figure("overview.png", "Overview of the session",
                          f"{case_clock(t0)} to {case_clock(t1)} (case time); shaded: "
                          "injections as the patient lived them (orange), alarms on that "
                          "channel (red)" + unnumbered_text(marks, t0, t1),
                          png, WIDTH * EXPORT_SCALE, height * EXPORT_SCALE))
    for i, (title, lo, hi) in enumerate(report.panels, 1):
        channels = _panel_channels(report, course, lo, hi)
        png, height = render_stack(course, channels, lo, hi, marks, regions, alarm_spans)
        figures.append(Figure(f"panel-{i}.png", title,
                              f"{case_clock(lo, seconds=True)} to "
                              f"{case_clock(hi, seconds=True)} (case time)"
                              + unnumbered_text(marks, lo, hi),
                              png, WIDTH * EXPORT_SCALE, height * EXPORT_SCALE))
    return figures
