"""The mouse wheel scrolls the page, never the value under the pointer.

A spin box, combo box or slider takes wheel steps as value changes: scrolling down the
instructor's tools over the override box changed its duration (60 -> 67 s) and its
channel (HR -> Sweep gas) without anyone meaning to. One application-wide event filter:
a wheel over such a control that does not have the keyboard focus goes to the scroll
area around it instead; once the user has clicked into it (or tabbed to it), the wheel
steps its value as usual. A knob (QDial) is meant to be turned and keeps the wheel.
The controls take focus by click or Tab only (StrongFocus),
not by the wheel (Qt's WheelFocus default would focus them on the first wheel turn).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

GUARD_NAME = "wheel_guard"
VALUE_WIDGETS = (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox, QtWidgets.QAbstractSlider)


def _guarded(widget: QtWidgets.QWidget) -> bool:
    # A scroll bar is a slider too, and the wheel is what it is for; so is a knob (the
    # ECMO console's pump-speed dial is turned by the wheel, one step an action).
    return isinstance(widget, VALUE_WIDGETS) and \
        not isinstance(widget, (QtWidgets.QScrollBar, QtWidgets.QDial))


def value_widget(widget: QtWidgets.QWidget | None) -> QtWidgets.QWidget | None:
    """The guarded control a wheel over `widget` would change (a spin box's own line
    edit belongs to the spin box), or None. The search stops at a window (an open
    combo box's list is a popup of its own and scrolls) and at a scroll area."""
    while widget is not None:
        if _guarded(widget):
            return widget
        if widget.isWindow() or isinstance(widget, QtWidgets.QAbstractScrollArea):
            return None
        widget = widget.parentWidget()
    return None


def _scroll_area(widget: QtWidgets.QWidget) -> QtWidgets.QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, QtWidgets.QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return parent if isinstance(parent, QtWidgets.QAbstractScrollArea) else None


def _strong_focus(widget: QtWidgets.QWidget) -> None:
    if _guarded(widget) and widget.focusPolicy() == QtCore.Qt.FocusPolicy.WheelFocus:
        widget.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)


class WheelGuard(QtCore.QObject):
    """The event filter; `install_wheel_guard` puts one on the application."""

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        kind = event.type()
        if kind == QtCore.QEvent.Type.Polish and isinstance(obj, QtWidgets.QWidget):
            _strong_focus(obj)  # every control made after the guard was installed
        elif kind == QtCore.QEvent.Type.Wheel and isinstance(obj, QtWidgets.QWidget):
            control = value_widget(obj)
            if control is not None and not control.hasFocus() \
                    and not (control.focusProxy() and control.focusProxy().hasFocus()):
                area = _scroll_area(control)
                if area is not None:
                    QtCore.QCoreApplication.sendEvent(area.viewport(), event)
                return True  # the value stays as it is
        return False


def install_wheel_guard(app: QtWidgets.QApplication | None = None) -> WheelGuard | None:
    """Install the guard on `app` (default: the running application) once; later calls
    return the same guard. None when there is no application."""
    app = app or QtWidgets.QApplication.instance()
    if app is None:
        return None
    guard = app.findChild(QtCore.QObject, GUARD_NAME)
    if isinstance(guard, WheelGuard):
        return guard
    guard = WheelGuard(app)
    guard.setObjectName(GUARD_NAME)
    app.installEventFilter(guard)
    for w in QtWidgets.QApplication.allWidgets():  # those made before it
        _strong_focus(w)
    return guard
