"""The room's displays on the instructor console: which bedside monitors (and consoles)
are connected, since when, and whether a link was lost and came back.

A view of `SessionController.displays` (kept by the instructor's network bridge) and of
its DisplayChanged events, which carry the times of each loss and return. Wall-clock
times: what the instructor compares with the room's clock, not case time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.core.events import DisplayChanged
from dashboard.core.session_controller import DisplayStatus, SessionController

LOST_COLOUR = "#ff5252"
ONLINE_COLOUR = "#e0e0e0"
MAX_HEIGHT = 96  # about four displays; more scroll
NONE_YET = "No display has joined the room yet."


def wall_text(wall: float) -> str:
    """'14:02:11': the local wall-clock time of a wall (epoch) time."""
    return time.strftime("%H:%M:%S", time.localtime(wall))


@dataclass
class _Seen:
    """What the events told about one display beyond its DisplayStatus."""
    last_lost: float | None = None
    last_back: float | None = None


def display_line(d: DisplayStatus, seen: _Seen | None = None) -> str:
    """'bed-1 · connected since 14:02:11 · link lost 1× (14:05:00), back 14:05:30'."""
    seen = seen or _Seen()
    parts = [d.name]
    if not d.online:
        parts.append(f"LINK LOST at {wall_text(d.changed)}")
        parts.append(f"connected since {wall_text(d.since)}")
    else:
        parts.append(f"connected since {wall_text(d.since)}")
    if d.lost:
        lost = f"link lost {d.lost}×"
        if seen.last_lost is not None:
            lost += f" (last {wall_text(seen.last_lost)})"
        parts.append(lost)
        if d.online:
            parts.append(f"back {wall_text(seen.last_back or d.changed)}")
    return " · ".join(parts)


class DisplaysList(QtWidgets.QListWidget):
    """objectName `instructor.displays`: one row per display, in the order they joined;
    a display whose link is lost reads in red."""

    def __init__(self, controller: SessionController,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("instructor.displays")
        self.setAccessibleName("Displays in the room: connected, link lost, back")
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(QtCore.Qt.TextElideMode.ElideNone)
        self.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.controller = controller
        self._seen: dict[str, _Seen] = {}
        self.refresh()

    def on_change(self, ev: DisplayChanged) -> None:
        seen = self._seen.setdefault(ev.display, _Seen())
        if ev.status == "lost":
            seen.last_lost = ev.wall
        elif ev.status == "back":
            seen.last_back = ev.wall
        self.refresh()

    def lines(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]

    def refresh(self) -> None:
        shown = list(self.controller.displays.values())
        rows = [(display_line(d, self._seen.get(d.name)), d.online) for d in shown]
        if not rows:
            rows = [(NONE_YET, True)]
        if [(self.item(i).text(), self.item(i).data(QtCore.Qt.ItemDataRole.UserRole))
                for i in range(self.count())] == rows:
            return
        self.clear()
        for text, online in rows:
            item = QtWidgets.QListWidgetItem(text)
            item.setData(QtCore.Qt.ItemDataRole.UserRole, online)
            item.setForeground(QtGui.QColor(ONLINE_COLOUR if online else LOST_COLOUR))
            self.addItem(item)
        self._fit_height()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()  # narrower: the rows wrap onto more lines

    def _fit_height(self) -> None:
        """As tall as its rows (up to four lines' worth): one display is one line, not
        an empty box; a wrapped row is not cut off."""
        # The rows' own size hints are one line each: measure the wrapped text instead.
        fm, w = self.fontMetrics(), max(60, self.viewport().width() - 8)
        wrap = QtCore.Qt.TextFlag.TextWordWrap
        rows_h = sum(fm.boundingRect(QtCore.QRect(0, 0, w, 10_000), wrap,
                                     self.item(i).text()).height() + 4
                     for i in range(self.count()))
        h = min(MAX_HEIGHT, rows_h + 2 * self.frameWidth() + 4)
        if self.height() != h or self.minimumHeight() != h:
            self.setFixedHeight(h)
