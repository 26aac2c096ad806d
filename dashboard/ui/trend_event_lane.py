"""The trend review's event lane: above the panes, a labelled line for each event mark in
view (trend_marks), the labels on up to three rows, shortened where the next one on the
same row begins; the full text is in each label's tooltip.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from replay_data.casetime import case_clock

from .trend_marks import MARK_COLOURS, MIN_LABEL_PX, TrendMark, stagger
from .trend_pane import LABEL_WIDTH, make_plot

MARK_ROWS = 3
MAX_LABELS = 80


class EventLane(QtWidgets.QWidget):
    """objectNames `trend.label.events` (its name) and `trend.pane.events` (the plot)."""

    def __init__(self, on_click_hours: Callable[[float], None],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.label = QtWidgets.QLabel("Events", self)
        self.label.setObjectName("trend.label.events")
        self.label.setFixedWidth(LABEL_WIDTH)
        self.label.setStyleSheet(f"color: {MARK_COLOURS['event']};")
        row.addWidget(self.label, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        self.plot = make_plot("trend.pane.events", on_click_hours, self)
        self.plot.getPlotItem().getAxis("left").setStyle(showValues=False)
        self.plot.getPlotItem().getAxis("left").setTicks([[], []])
        self.view = self.plot.getPlotItem().getViewBox()
        self.view.sigResized.connect(self.place_labels)
        row.addWidget(self.plot, 1)
        self.label_items: list[pg.TextItem] = []
        self.label_font = QtGui.QFont()
        self.label_font.setPixelSize(11)
        self.shown_marks: list[TrendMark] = []
        self.labelled_marks: list[TrendMark] = []
        self.placed_labels: list = []
        self._span: tuple[float, float] = (0.0, 0.0)

    def show_marks(self, marks: list[TrendMark], span: tuple[float, float]) -> None:
        """The marks in view over the window span (t0, t1), in case seconds."""
        self.shown_marks = marks
        self._span = span
        x_range = (span[0] / 3600.0, span[1] / 3600.0)
        self.view.setRange(xRange=x_range, yRange=(0, MARK_ROWS), padding=0.0)
        self.place_labels()

    def place_labels(self) -> None:
        """Write the marks' labels on up to three rows, shortened where the next one on
        the same row begins; the full text is in each label's tooltip."""
        # Lines for every mark; labels for the latest MAX_LABELS (a scenario with
        # thousands of events in view would bury the panes in text).
        marks = self.shown_marks[-MAX_LABELS:]
        self.labelled_marks = marks
        width_px = max(1.0, self.view.width())
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
        height_px = max(1.0, self.view.height())
        rows = int(max(1, min(MARK_ROWS, height_px // line_px)))
        placed_sorted = stagger([xs[i] for i in order], [widths[i] for i in order], rows)
        placed = list(placed_sorted)
        for rank, i in enumerate(order):
            placed[i] = placed_sorted[rank]
        while len(self.label_items) < len(marks):
            item = pg.TextItem("", anchor=(0, 0))
            item.setFont(self.label_font)
            item.textItem.document().setDocumentMargin(1)
            self.view.addItem(item)
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

    def set_label_px(self, px: int) -> None:
        """Event labels at `px` pixels (a little smaller than the screen's base text)."""
        if self.label_font.pixelSize() != px:
            self.label_font.setPixelSize(px)
            for item in self.label_items:
                item.setFont(self.label_font)
            self.place_labels()

    def label_texts(self) -> list[tuple[str, str]]:
        """(shown text, full label) of every mark in view, for tests and screen readers."""
        return [(it.textItem.toPlainText(), m.label)
                for it, m in zip(self.label_items, self.labelled_marks, strict=False)]
