"""Alarm history: every raise, escalation, clear, acknowledgement and inactivation
change, newest first, with the case time it happened."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.alarms import AlarmChange

from .alarm_bar import PRIORITY_COLOURS

MAX_ROWS = 500


def describe(change: AlarmChange) -> str:
    from replay_data.casetime import case_clock

    what = change.message or change.alarm_id or ""
    prefix = f"{change.priority.prefix} " if change.priority is not None else ""
    value = ""
    if change.value is not None and change.value == change.value:
        value = f"  {change.value:.4g}"
        if change.limit is not None:
            value += f" (limit {change.limit:.4g})"
    return f"{case_clock(change.case_time, seconds=True)}  {change.event}  {prefix}{what}{value}"


class AlarmHistory(QtWidgets.QListWidget):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarm.history")
        self.setAccessibleName("Alarm history")
        # Fits its panel: lines wrap at word boundaries, never a sideways scroll.
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.setTextElideMode(QtCore.Qt.TextElideMode.ElideNone)

    def add_changes(self, changes: list[AlarmChange]) -> None:
        for ch in changes:
            item = QtWidgets.QListWidgetItem(describe(ch))
            colour = PRIORITY_COLOURS.get(ch.priority) if ch.priority is not None else None
            item.setForeground(QtGui.QColor(colour or "#e0e0e0"))
            self.insertItem(0, item)
        while self.count() > MAX_ROWS:
            self.takeItem(self.count() - 1)

    def lines(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]
