"""The monitor's keys: what each key does by role is data (dashboard.core.key_map, Qt-free);
here the window's own commands for the keys that are not actions, and the filter that
takes the keys wherever the focus is on the monitor's screen.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.core import key_map

from .key_names import key_event_name
from .monitor_role import Role


class MonitorKeyboard:
    """Mixed into MonitorWindow (a QWidget): its key bindings, by role. Needs the
    window's commands (open_limits, show_trends, toggle_play, seek ...) and `trends`."""

    role: Role

    def _install_keys(self) -> None:
        """Keys by role, for the whole screen of the monitor: a filter on its window
        (MonitorKeys) takes them before the widget with the focus does -- the tabular
        trend ate the A key, and a latched alarm stayed unacknowledged. keyPressEvent
        takes those sent to the monitor itself. Not QShortcut: that needs an 'active'
        window, which an offscreen or unfocused sim-room screen may not have."""
        # What each key does, by role, is data in dashboard.core.key_map (Qt-free);
        # here only the window's own commands for the keys that are not actions.
        self._keys = key_map.keys_for(self.role)
        self._view_commands: dict[str, Callable[..., object]] = {
            key_map.LIMITS_DIALOG: lambda: self.open_limits(),
            key_map.FULLSCREEN: self.toggle_fullscreen,
            key_map.TRENDS: lambda: self.show_trends(self.trends.isHidden()),
            key_map.PLAY_PAUSE: self.toggle_play,
            key_map.STEP: self.step,
            key_map.SLOWER: self.slower,
            key_map.FASTER: self.faster,
            key_map.SEEK_START: lambda: self.seek(self.controller.course.scenario.start),
            key_map.SEEK_END: lambda: self.seek(self.controller.course.scenario.end),
        }
        self._key_filter = MonitorKeys(self)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus if self.role is Role.MIRROR
                            else QtCore.Qt.FocusPolicy.StrongFocus)

    def key_action(self, event: QtGui.QKeyEvent) -> Callable[[], object] | None:
        """What the key does on this window (None: not one of its keys)."""
        binding = key_map.binding_for(self.role, key_event_name(event))
        if binding is None:
            return None
        args = dict(binding.args)
        if binding.is_action:
            return lambda: self.request(binding.command, **args)
        command = self._view_commands[binding.command]
        return lambda: command(**args)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        action = self.key_action(event)
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        # Shown in its own window, or as a tab of the instructor's or bedside window:
        # the keys follow whichever window holds it now.
        if self._keys and self._key_filter.window is not self.window().windowHandle():
            self._key_filter.attach(self.window().windowHandle())

# Widgets that take typed letters for themselves.
TEXT_ENTRY = (QtWidgets.QLineEdit, QtWidgets.QAbstractSpinBox, QtWidgets.QTextEdit,
              QtWidgets.QPlainTextEdit)


class MonitorKeys(QtCore.QObject):
    """The monitor's keys wherever the focus is on its screen: watches the key presses
    its window receives from the system, before Qt hands them to the focus widget."""

    def __init__(self, monitor: MonitorKeyboard) -> None:
        super().__init__(monitor)
        self.monitor = monitor
        self.window: QtGui.QWindow | None = None

    def attach(self, window: QtGui.QWindow | None) -> None:
        if self.window is not None:
            with contextlib.suppress(RuntimeError):  # that window is gone already
                self.window.removeEventFilter(self)
        self.window = window
        if window is not None:
            window.installEventFilter(self)

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() != QtCore.QEvent.Type.KeyPress or not self.monitor.isVisible():
            return False
        m = self.monitor
        focus = m.window().focusWidget()
        if focus is not None and focus is not m and not m.isAncestorOf(focus):
            # Another page of the same window (the instructor's console tab, a team
            # console beside it) has the focus: its keys, not the monitor's.
            if not isinstance(focus, QtWidgets.QTabBar):
                return False
        if isinstance(focus, TEXT_ENTRY):
            return False
        review = m.trends_made
        if focus is not None and review is not None and \
                (focus is review or review.isAncestorOf(focus)) \
                and key_map.base_key(key_event_name(event)) in key_map.TREND_REVIEW_KEYS:
            # The trend review's own keys while the focus is in it (its cursor, rows).
            return False
        action = m.key_action(event)
        if action is None:
            return False
        action()
        return True
