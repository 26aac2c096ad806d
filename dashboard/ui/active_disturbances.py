"""The instructor's list of active disturbances -- injections, overrides and the
scenario's own scheduled events -- with the time each has left, and the buttons that
stop the selected one or all of them (STOP actions through the `request` handed in).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from dashboard.core.actions import STOP
from replay_data.casetime import span_text
from replay_data.course import Course, is_scheduled
from replay_data.perturbation_labels import perturbation_label
from replay_data.perturbations import Perturbation
from replay_data.timeexpr import format_case_time

_ID = QtCore.Qt.ItemDataRole.UserRole


class ActiveDisturbances:
    """objectNames `instructor.active` (the list), `instructor.stop`, `instructor.stop_all`.
    Its widgets sit in the instructor's tools column (place()): the list takes the height
    left over and the stop buttons keep theirs, as one widget around both could not (its
    size hint would count the list's minimum and make the tools scroll further)."""

    def __init__(self, request: Callable[..., object], show_message: Callable[[str], None],
                 parent: QtWidgets.QWidget) -> None:
        self._request = request
        self._show_message = show_message
        self.active = QtWidgets.QListWidget(parent)
        self._row_labels: dict[tuple, str] = {}
        self._rows_shown: list[tuple[str, str]] | None = None  # what `active` lists
        self.active.setObjectName("instructor.active")
        self.active.setAccessibleName("Active injections and overrides")
        self.active.setWordWrap(True)
        self.active.setMinimumHeight(64)
        # Its default size hint (192 px) would make the tools scroll even on a 1080-line
        # screen; it takes whatever height is left instead.
        self.active.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                  QtWidgets.QSizePolicy.Policy.Ignored)
        self.stops = QtWidgets.QHBoxLayout()
        stop = QtWidgets.QPushButton("Stop selected", parent)
        stop.setObjectName("instructor.stop")
        stop.setAccessibleName("Stop the selected disturbance")
        stop.clicked.connect(self._stop_selected)
        self.stops.addWidget(stop)
        stop_all = QtWidgets.QPushButton("Stop all", parent)
        stop_all.setObjectName("instructor.stop_all")
        stop_all.setAccessibleName("Stop every active disturbance")
        stop_all.clicked.connect(self.stop_all)
        self.stops.addWidget(stop_all)

    def place(self, column: QtWidgets.QBoxLayout) -> None:
        """The list (stretching) and the stop buttons under it, in the tools' column."""
        column.addWidget(self.active, 1)
        column.addLayout(self.stops)

    def _stop_selected(self) -> None:
        item = self.active.currentItem()
        if item is None:
            self._show_message("Not done: select a disturbance in the list first "
                               "(or use Stop all)." if self.active.count() else
                               "Not done: no disturbance is active.")
            return
        self._request(STOP, id=item.data(_ID))

    def stop_all(self) -> None:
        ids = [self.active.item(i).data(_ID) for i in range(self.active.count())]
        if not ids:
            self._show_message("Not done: no disturbance is active.")
            return
        for pid in ids:
            self._request(STOP, id=pid)
        self._show_message(f"Stopped {len(ids)} disturbance(s).")

    def show_at(self, t: float, perturbations: list[Perturbation], course: Course) -> None:
        """List what is active (or still to come, if not scheduled) at case time t."""
        rows = []
        # What does not change from one refresh to the next is made once per disturbance
        # (thousands of them are listed when scripted: the list refreshes every second).
        labels = self._row_labels
        for p in perturbations:
            scheduled = is_scheduled(p.id)
            if not p.active_at(t) and (t >= p.start or scheduled):
                continue
            left = "until stopped" if p.duration is None else \
                f"{span_text(max(0.0, p.end - t))} left"
            key = (p.kind, p.name, p.variant, p.start,
                   p.effects[0].set if p.kind != "injection" and p.effects else 0, scheduled)
            head = labels.get(key)
            if head is None:
                # rounded as the monitor shows the channel, with its unit ("ABP mean →
                # 131 mmHg (override)"); an injection with its variant
                what = perturbation_label(course, p)
                by = " · scheduled" if scheduled else ""
                head = labels[key] = f"{what}{by} · from {format_case_time(p.start)} · "
            rows.append((p.id, head + left))
        current = [(self.active.item(i).data(_ID), self.active.item(i).text())
                   for i in range(self.active.count())] \
            if self._rows_shown is None else self._rows_shown
        if current != rows and [r[0] for r in current] == [r[0] for r in rows]:
            # The same disturbances, new times left: the changed rows' text only.
            self._rows_shown = rows
            for i, (old, new) in enumerate(zip(current, rows)):
                if old[1] != new[1]:
                    self.active.item(i).setText(new[1])
        elif current != rows:
            self._rows_shown = rows
            selected = self.active.currentItem()
            keep = selected.data(_ID) if selected else None
            self.active.clear()
            for pid, label in rows:
                item = QtWidgets.QListWidgetItem(label)
                item.setData(_ID, pid)
                self.active.addItem(item)
                if pid == keep:
                    self.active.setCurrentItem(item)
