"""The instructor's list of active disturbances -- injections, overrides and the
scenario's own scheduled events -- with the time each has left, and the buttons that
stop the selected one or all of them (STOP actions through the `request` handed in).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from dashboard.core.actions import STOP
from replay_data.casetime import span_text
from replay_data.course import Course, is_scheduled
from replay_data.perturbation_labels import perturbation_label
from replay_data.perturbations import Perturbation
from replay_data.timeexpr import format_case_time

_ID = QtCore.Qt.ItemDataRole.UserRole
# Up to this many rows all are refreshed each time; beyond, only those in view.
ALL_ROWS = 60


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
        self._ids_shown: list[str] | None = None  # the ids `active` lists, in order
        self._rows: list[tuple[str, str, Perturbation]] = []
        self._texts: list[str] = []  # the text each row of `active` shows
        self._t = 0.0
        self._rows_cache: tuple | None = None
        self.active.setObjectName("instructor.active")
        self.active.setAccessibleName("Active injections and overrides")
        self.active.setWordWrap(True)
        self.active.setMinimumHeight(64)
        self.active.verticalScrollBar().valueChanged.connect(self._refresh_texts)
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
        self._t = t
        rows = self._rows_at(t, perturbations, course)
        # The same rows as last time (the cache's own list): only the times left change.
        ids = self._ids_shown if rows is self._rows else [pid for pid, _, _ in rows]
        if ids != self._ids_shown:
            self._ids_shown = ids
            self._rows = rows
            self._texts = [head + _left(p, t) for _, head, p in rows]
            selected = self.active.currentItem()
            keep = selected.data(_ID) if selected else None
            self.active.clear()
            for (pid, _, _), label in zip(rows, self._texts, strict=True):
                item = QtWidgets.QListWidgetItem(label)
                item.setData(_ID, pid)
                self.active.addItem(item)
                if pid == keep:
                    self.active.setCurrentItem(item)
            return
        self._rows = rows
        self._refresh_texts()

    def _refresh_texts(self, *_: object) -> None:
        """The times left, in the rows a person can see: a list of thousands (a scripted
        run) would otherwise re-lay itself out for every row every second. Rows scrolled
        into view get theirs then (the scroll bar's signal)."""
        rows, t = self._rows, self._t
        n = len(rows)
        if n <= ALL_ROWS:
            span = range(n)
        else:
            view = self.active.viewport()
            top = self.active.indexAt(QtCore.QPoint(4, 1)).row()
            bottom = self.active.indexAt(QtCore.QPoint(4, view.height() - 2)).row()
            top = max(0, top)
            bottom = n - 1 if bottom < 0 else bottom
            span = range(top, min(n, bottom + 2))
        for i in span:
            _, head, p = rows[i]
            text = head + _left(p, t)
            if self._texts[i] != text:
                self._texts[i] = text
                self.active.item(i).setText(text)

    def _rows_at(self, t: float, perturbations: list[Perturbation], course: Course
                 ) -> list[tuple[str, str, Perturbation]]:
        """(id, the row's fixed head, the disturbance) for what is listed at t. The same
        disturbances keep the same rows until the next start of a scheduled one or end of
        any: worked out once for that stretch, not every refresh over thousands."""
        c = self._rows_cache
        if c is not None and c[1] is course and c[2] <= t < c[3]:
            if c[5] is perturbations:
                return c[4]
            if c[0] == [id(p) for p in perturbations]:
                # A new list of the same disturbances (the console lists them again after
                # any action): kept, so the next refresh is the identity check again.
                self._rows_cache = (c[0], c[1], c[2], c[3], c[4], perturbations)
                return c[4]
        key = [id(p) for p in perturbations]
        rows = []
        next_change = math.inf
        # What does not change from one refresh to the next is made once per disturbance
        # (thousands of them are listed when scripted).
        labels = self._row_labels
        for p in perturbations:
            scheduled = is_scheduled(p.id)
            end = p.end + p.recovery
            if scheduled and t < p.start:
                next_change = min(next_change, p.start)
            if t < end:
                next_change = min(next_change, end)
            if not p.active_at(t) and (t >= p.start or scheduled):
                continue
            key_p = (p.kind, p.name, p.variant, p.start,
                     p.effects[0].set if p.kind != "injection" and p.effects else 0, scheduled)
            head = labels.get(key_p)
            if head is None:
                # rounded as the monitor shows the channel, with its unit ("ABP mean →
                # 131 mmHg (override)"); an injection with its variant
                what = perturbation_label(course, p)
                by = " · scheduled" if scheduled else ""
                head = labels[key_p] = f"{what}{by} · from {format_case_time(p.start)} · "
            rows.append((p.id, head, p))
        # keep the list (its ids) alive with the cache so that no id is reused
        self._rows_cache = (key, course, t, next_change, rows, perturbations)
        return rows


def _left(p: Perturbation, t: float) -> str:
    return "until stopped" if p.duration is None else f"{span_text(max(0.0, p.end - t))} left"
