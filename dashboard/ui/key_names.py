"""Qt's side of the key map (dashboard.core.key_map): a key event as the map names it."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from dashboard.core.key_map import key_name

_SHIFT = QtCore.Qt.KeyboardModifier.ShiftModifier


def key_event_name(event: QtGui.QKeyEvent) -> str:
    """"A", "Shift+Right", "Space", "F11", "[" ...: Qt's own name of the key (as a
    QKeySequence spells it), with Shift the only modifier that changes what a key does."""
    key = event.key()
    return key_name(QtGui.QKeySequence(key).toString(), shift=bool(event.modifiers() & _SHIFT))
