"""A label that never shows a word cut in half: of its texts (longest first) it shows the
first that fits its width, else the last shortened at a word boundary with "…". The
full text is always in the tooltip.

A clinician reads "Blood flow (L/mi" as a broken screen; "Blood flow" (the unit in the
tooltip and the channel's place) or "43-year-old woman · SLE with diffuse alveolar…" as
a screen that ran out of room.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

ELLIPSIS = "…"


def without_unit(text: str) -> str:
    """'Blood flow (L/min)' -> 'Blood flow': the unit goes first when room is short."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", text)


def word_elided(text: str, fits: Callable[[str], bool]) -> str:
    """The longest run of whole words of `text` that fits, with an ellipsis."""
    if fits(text):
        return text
    words = text.split(" ")
    for n in range(len(words) - 1, 0, -1):
        head = " ".join(words[:n]).rstrip(" ·,;:-—")
        if head and fits(head + ELLIPSIS):
            return head + ELLIPSIS
    return ""  # not even one word fits: nothing rather than half a word


class FittedLabel(QtWidgets.QLabel):
    """`min_scale` below 1: a text may first be drawn in smaller type (down to that
    fraction of the label's font) before a shorter one is tried -- for a lab result,
    whose unit and flag must not go."""

    def __init__(self, texts: str | Sequence[str], parent: QtWidgets.QWidget | None = None,
                 *, min_scale: float = 1.0) -> None:
        super().__init__(parent)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                           QtWidgets.QSizePolicy.Policy.Preferred)
        self._texts: tuple[str, ...] = ()
        self._min_scale = min_scale
        self.scale = 1.0  # of the font the shown text is drawn in
        self.set_texts(texts)

    def set_texts(self, texts: str | Sequence[str]) -> None:
        before = self._texts
        self._texts = (texts,) if isinstance(texts, str) else tuple(texts)
        full = self._texts[0] if self._texts else ""
        if self.toolTip() in ("", getattr(self, "_full", "")):
            self.setToolTip(full)
        self._full = full
        if getattr(self, "_claims", False) and self._texts != before:
            # The hints follow the texts: tell the layout, which otherwise keeps the width
            # it gave the old ones (an empty label first shown got 2 px and kept them).
            self.updateGeometry()
        self._fit()

    @property
    def full_text(self) -> str:
        return self._full

    def _scaled_font(self, scale: float) -> QtGui.QFont:
        f = QtGui.QFont(self.font())
        if f.pointSizeF() > 0:
            f.setPointSizeF(f.pointSizeF() * scale)
        else:
            f.setPixelSize(max(1, round(f.pixelSize() * scale)))
        return f

    def _fit(self) -> None:
        width = self.contentsRect().width()
        scales = [1.0]
        while scales[-1] - 0.05 >= self._min_scale - 1e-9:
            scales.append(round(scales[-1] - 0.05, 2))
        chosen: tuple[str, float] | None = None
        for t in self._texts:
            for scale in scales:
                if QtGui.QFontMetrics(self._scaled_font(scale)).horizontalAdvance(t) <= width:
                    chosen = (t, scale)
                    break
            if chosen:
                break
        if chosen is None:
            metrics = QtGui.QFontMetrics(self._scaled_font(scales[-1]))
            last = self._texts[-1] if self._texts else ""
            chosen = (word_elided(last, lambda t: metrics.horizontalAdvance(t) <= width),
                      scales[-1])
        shown, self.scale = chosen
        if self.text() != shown:
            self.setText(shown)
        self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        if self.scale >= 0.999:
            super().paintEvent(event)
            return
        p = QtGui.QPainter(self)
        p.setFont(self._scaled_font(self.scale))
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(self.contentsRect(), int(self.alignment().value), self.text())
        p.end()

    def claim_width(self) -> None:
        """Take part in the layout like a plain label (Preferred): ask for the whole
        text's width, give way down to the shortest text's -- hints that never change
        with what is shown, so the layout does not jump."""
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                           QtWidgets.QSizePolicy.Policy.Preferred)
        self._claims = True
        self.updateGeometry()

    def _text_width(self, text: str, scale: float = 1.0) -> int:
        m = self.contentsMargins()
        return QtGui.QFontMetrics(self._scaled_font(scale)).horizontalAdvance(text) \
            + m.left() + m.right() + 2

    def sizeHint(self) -> QtCore.QSize:
        h = super().sizeHint()
        if not getattr(self, "_claims", False):
            return h
        return QtCore.QSize(self._text_width(self._full), h.height())

    def minimumSizeHint(self) -> QtCore.QSize:
        h = super().minimumSizeHint()
        if not getattr(self, "_claims", False) or not self._texts:
            return h
        return QtCore.QSize(min(self._text_width(t, self._min_scale) for t in self._texts),
                            h.height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event) -> None:  # a style sheet's font
        super().changeEvent(event)
        if event.type() in (event.Type.FontChange, event.Type.StyleChange):
            if getattr(self, "_claims", False):
                self.updateGeometry()  # the hints are measured in the font
            self._fit()
