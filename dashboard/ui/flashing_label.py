"""A label that flashes black on an alarm colour without restyling itself.

A monitor flashes the value whose alarm is on (2 Hz for a high-priority alarm). Setting
a new stylesheet at each flash edge re-polished the label and its fonts and re-laid out
its tile four times a second; this label paints the flashing look itself, so a flash
edge costs one repaint.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

FLASH_TEXT_COLOUR = "#000000"


class _Flashes:
    """The flash state of a widget that paints it (repainted when it changes). Mixed in
    before a QWidget class, whose update() it calls."""

    flash_colour: str | None = None

    def set_flash(self, colour: str | None) -> None:
        if colour != self.flash_colour:
            self.flash_colour = colour
            QtWidgets.QWidget.update(self)


class FlashingLabel(_Flashes, QtWidgets.QLabel):
    """A QLabel (its text() is what is shown) drawn black on `flash_colour` while that
    is set, in its own colour and style otherwise."""

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        if self.flash_colour is None:
            super().paintEvent(event)
            return
        p = QtGui.QPainter(self)
        p.fillRect(self.rect(), QtGui.QColor(self.flash_colour))
        p.setPen(QtGui.QColor(FLASH_TEXT_COLOUR))
        p.setFont(self.font())
        flags = int(self.alignment().value)
        if self.wordWrap():
            flags |= int(QtCore.Qt.TextFlag.TextWordWrap.value)
        p.drawText(self.text_rect(), flags, self.text())
        p.end()

    def text_rect(self) -> QtCore.QRect:
        """Where QLabel lays out its plain text: the contents rectangle (inside the
        style's padding) less its margin, and its indent on the aligned sides (half an
        "x" when the label has a frame and no indent of its own, as QLabel does), so that
        the flashing text stands exactly where the steady text does."""
        cr = self.contentsRect()
        m = self.margin()
        cr.adjust(m, m, -m, -m)
        indent = self.indent()
        if indent < 0 and self.frameWidth() > 0:
            indent = self.fontMetrics().horizontalAdvance("x") // 2
        if indent > 0:
            align, flag = self.alignment(), QtCore.Qt.AlignmentFlag
            if align & flag.AlignLeft:
                cr.setLeft(cr.left() + indent)
            if align & flag.AlignRight:
                cr.setRight(cr.right() - indent)
            if align & flag.AlignTop:
                cr.setTop(cr.top() + indent)
            if align & flag.AlignBottom:
                cr.setBottom(cr.bottom() - indent)
        return cr


class FlashingFrame(_Flashes, QtWidgets.QFrame):
    """A frame filled with `flash_colour` while that is set (the tile behind the labels),
    inside its 1 px left and bottom borders (monitor.qss: adjacent tiles flashing at once
    stay apart)."""

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        super().paintEvent(event)
        if self.flash_colour is not None:
            p = QtGui.QPainter(self)
            p.fillRect(self.rect().adjusted(1, 0, 0, -1), QtGui.QColor(self.flash_colour))
            p.end()
