"""The trend review's header: its title, the window keys (15 min ... 24 h, Course), the
fifth pane's chooser, the cursor's Latest key and Close. It only says what was chosen
(window_chosen, channel_chosen; the buttons' clicked); the view acts on it.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from replay_data.catalogue import Catalogue

from .trend_parameters import DEFAULT_CHOICE, choice_channels


class TrendHeader(QtWidgets.QWidget):
    """objectNames `trend.title`, `control.trend_window.<15min|1h|...|course>`,
    `trend.choice_label`, `trend.choice`, `trend.cursor.latest`, `trend.close`."""

    window_chosen = QtCore.Signal(str)
    channel_chosen = QtCore.Signal(str)

    def __init__(self, cat: Catalogue, window_names: list[str], window_name: str,
                 parent: QtWidgets.QWidget | None = None, *, has_circuit: bool = True
                 ) -> None:
        super().__init__(parent)
        rows = QtWidgets.QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(2)  # as the review's own rows
        head = QtWidgets.QHBoxLayout()
        head.setSpacing(4)
        title = QtWidgets.QLabel("Trends", self)
        title.setObjectName("trend.title")
        title.setProperty("role", "panel_title")
        head.addWidget(title)
        self.group = QtWidgets.QButtonGroup(self)
        for name in window_names:
            b = QtWidgets.QPushButton(name, self)
            b.setCheckable(True)
            b.setObjectName(f"control.trend_window.{name.replace(' ', '').lower()}")
            b.setAccessibleName(f"Trend window {name}")
            b.setToolTip(f"Show the last {name}" if name != "Course" else
                         "Show the whole course so far")
            b.setChecked(name == window_name)
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, n=name: self.window_chosen.emit(n))
            self.group.addButton(b)
            head.addWidget(b)
        head.addStretch(1)
        # The fifth pane's chooser on a second row: one row of every key was wider than
        # a monitor half as wide as a 1920 screen.
        head2 = QtWidgets.QHBoxLayout()
        head2.setSpacing(4)
        choice_label = QtWidgets.QLabel("5th pane", self)
        choice_label.setObjectName("trend.choice_label")
        head2.addWidget(choice_label)
        self.choice = QtWidgets.QComboBox(self)
        self.choice.setObjectName("trend.choice")
        self.choice.setAccessibleName("Parameter of the fifth trend pane")
        self.choice.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        for cid in choice_channels(cat, has_circuit):
            ch = cat.numerics[cid]
            self.choice.addItem(f"{ch.label} {ch.unit}".strip(), cid)
        self.choice.setCurrentIndex(max(0, self.choice.findData(DEFAULT_CHOICE)))
        self.choice.activated.connect(
            lambda i: self.channel_chosen.emit(self.choice.itemData(i)))
        head2.addWidget(self.choice)
        head2.addStretch(1)
        self.latest_button = QtWidgets.QPushButton("Latest", self)
        self.latest_button.setObjectName("trend.cursor.latest")
        self.latest_button.setAccessibleName("Cursor to the latest time (End)")
        self.latest_button.setToolTip("Cursor back to the latest time (End)")
        self.latest_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        head.addWidget(self.latest_button)
        self.close_button = QtWidgets.QPushButton("Close", self)
        self.close_button.setObjectName("trend.close")
        self.close_button.setAccessibleName("Close the trend review (T)")
        self.close_button.setToolTip("Back to the waveforms (T)")
        self.close_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        head.addWidget(self.close_button)
        rows.addLayout(head)
        rows.addLayout(head2)
