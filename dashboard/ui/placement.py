"""Where the instructor's console goes on one machine, so it never covers the monitor.

Two screens or more: the bedside monitor on the second (the sim room's wall screen or
the display turned to the trainees), the console on the first. One screen wide enough
for both: side by side, the monitor left and the console right. Otherwise: one window
with the two as tabs (the console never hides part of the monitor).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets

# Narrower than this the monitor's tiles and the console's forms no longer fit.
MONITOR_MIN_W, CONSOLE_W, MIN_H = 1000, 900, 700


@dataclass(frozen=True)
class Placement:
    how: str  # "screens" | "side_by_side" | "tabbed"
    monitor: QtCore.QRect  # geometry of the monitor (or of the tabbed window)
    console: QtCore.QRect | None  # None when tabbed


def plan(screens: list[QtCore.QRect]) -> Placement:
    """The placement for these screens' available areas (first = the primary)."""
    first = screens[0]
    if len(screens) > 1:
        return Placement("screens", screens[1], first)
    if first.width() >= MONITOR_MIN_W + CONSOLE_W and first.height() >= MIN_H:
        mon = QtCore.QRect(first.left(), first.top(), first.width() - CONSOLE_W,
                           first.height())
        con = QtCore.QRect(mon.right() + 1, first.top(), CONSOLE_W, first.height())
        return Placement("side_by_side", mon, con)
    return Placement("tabbed", first, None)


def _frame_into(widget: QtWidgets.QWidget, rect: QtCore.QRect) -> None:
    """Outer frame (title bar included) inside rect, as far as the platform tells."""
    widget.move(rect.topLeft())
    widget.resize(rect.size())
    widget.show()
    extra_w = widget.frameGeometry().width() - widget.width()
    extra_h = widget.frameGeometry().height() - widget.height()
    if extra_w > 0 or extra_h > 0:
        widget.resize(max(100, rect.width() - extra_w), max(100, rect.height() - extra_h))


def place_instructor(app: QtWidgets.QApplication, monitor: QtWidgets.QWidget,
                     console: QtWidgets.QWidget, *, fullscreen: bool = False
                     ) -> QtWidgets.QWidget | None:
    """Show the two; returns the tab window when it had to make one."""
    areas = [s.availableGeometry() for s in app.screens()] or [QtCore.QRect(0, 0, 1366, 768)]
    p = plan(areas)
    if p.how == "tabbed":
        tabs = QtWidgets.QTabWidget()
        tabs.setObjectName("instructor.tabs")
        tabs.setStyleSheet("QTabWidget { background: #101820; }"
                           "QTabWidget::pane { border: 0; background: #000000; }"
                           "QTabBar::tab { background: #1e2a36; color: #e0e0e0;"
                           " padding: 4px 14px; border: 1px solid #3d5266; }"
                           "QTabBar::tab:selected { background: #3d5266; }")
        tabs.setWindowTitle("ICU ECMO replay — instructor and bedside monitor "
                            "(training simulator)")
        tabs.addTab(monitor, "Bedside monitor")
        tabs.addTab(console, "Instructor console")
        tabs.setCurrentIndex(1)
        _frame_into(tabs, p.monitor)
        if fullscreen:
            tabs.showFullScreen()
        return tabs
    _frame_into(console, p.console)
    _frame_into(monitor, p.monitor)
    if fullscreen:
        monitor.showFullScreen()
    return None
