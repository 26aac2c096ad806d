"""Finding and using widgets by objectName, as every GUI test does."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


def child(widget, cls, name):
    """The descendant of `widget` of type `cls` named `name` (fails the test if none)."""
    found = widget.findChild(cls, name)
    assert found is not None, name
    return found


def click(qtbot, widget, name) -> None:
    """A left click on the push button named `name` inside `widget`."""
    qtbot.mouseClick(child(widget, QtWidgets.QPushButton, name),
                     QtCore.Qt.MouseButton.LeftButton)


def choose(combo: QtWidgets.QComboBox, data) -> None:
    """Select the item of `combo` whose data is `data`."""
    i = combo.findData(data)
    assert i >= 0, data
    combo.setCurrentIndex(i)
