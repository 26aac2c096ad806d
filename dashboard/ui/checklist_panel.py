"""The instructor's live checklist: from the moment an event with expected responses
starts (the drill's own pump stop, or one the instructor injects), each response the
team should give, with a stopwatch since the event and its deadline. A row ticks itself
when the bedside team makes a matching setting; "done (verbal)" ticks one the team gave
by word (the instructor's `response_done`, recorded as the instructor's, never as a
setting of the team's).

The rows come from `dashboard.debrief.checklist.live_checklist`: the debrief's own
scoring rules, so the checklist says now what the debrief will say later. The console
refreshes it a few times a second with the rest of its views, not in every frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtWidgets

from dashboard.debrief.checklist import ChecklistItem

NOTHING_YET = "No event with expected responses is under way."

STATUS_COLOURS = {"pending": "#ffb74d", "done": "#66bb6a", "verbal": "#4fc3f7",
                  "late": "#ffa726", "missed": "#ff5252", "instructor": "#9aa7b4"}
STATUS_MARKS = {"pending": "…", "done": "✓", "verbal": "✓", "late": "✓", "missed": "✗",
                "instructor": "–"}


def stopwatch(seconds: float) -> str:
    """'0:48', '12:05', '1:02:03': minutes and seconds, as a stopwatch reads."""
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def can_tick(item: ChecklistItem) -> bool:
    """Still the team's to do: the instructor may tick it as done by word."""
    return item.open


def row_text(item: ChecklistItem, now: float) -> str:
    """What a row says: the response, the stopwatch since the event, the deadline, and
    when and by whom it was done."""
    due = f"due +{stopwatch(item.deadline - item.started)}"
    if item.status == "pending":
        left = item.deadline - now
        clock = f"+{stopwatch(now - item.started)} · {due}"
        return (f"{item.response} — {clock} ({stopwatch(left)} left)" if left >= 0 else
                f"{item.response} — {clock} (overdue {stopwatch(-left)})")
    if item.status == "missed":
        return (f"{item.response} — not done · +{stopwatch(now - item.started)} · {due} "
                f"(overdue {stopwatch(now - item.deadline)})")
    at = "" if item.at is None else f" at +{stopwatch(item.at - item.started)}"
    by = f" by {item.by}" if item.by else ""
    if item.status == "instructor":
        return (f"{item.response} — set{at}{by}: not the team's · +"
                f"{stopwatch(now - item.started)} · {due}")
    word = {"done": "done", "late": "done late", "verbal": "done (verbal)"}.get(
        item.status, item.status)
    return f"{item.response} — {word}{at}{by} · {due}"


class _Row(QtWidgets.QFrame):
    def __init__(self, n: int, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.setObjectName(f"instructor.checklist.row.{n}")
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 1, 0, 1)
        self.mark = QtWidgets.QLabel("", self)
        self.mark.setFixedWidth(16)
        self.mark.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.text = QtWidgets.QLabel("", self)
        self.text.setObjectName(f"instructor.checklist.text.{n}")
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                QtWidgets.QSizePolicy.Policy.Preferred)
        self.verbal = QtWidgets.QPushButton("done (verbal)", self)
        self.verbal.setObjectName(f"instructor.checklist.verbal.{n}")
        self.verbal.setAccessibleName("The team did this (said so): tick it as done")
        lay.addWidget(self.mark)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.verbal, 0, QtCore.Qt.AlignmentFlag.AlignTop)

    def show_item(self, item: ChecklistItem, now: float) -> None:
        colour = STATUS_COLOURS.get(item.status, "#e0e0e0")
        mark = STATUS_MARKS.get(item.status, "")
        if self.mark.text() != mark:
            self.mark.setText(mark)
            self.mark.setStyleSheet(f"color: {colour}; font-weight: bold;")
        text = row_text(item, now)
        if self.text.text() != text:
            self.text.setText(text)
            self.text.setStyleSheet(f"color: {colour};")
        self.setProperty("status", item.status)
        self.verbal.setVisible(can_tick(item))


class ChecklistPanel(QtWidgets.QFrame):
    """objectName `instructor.checklist`; rows `instructor.checklist.row.<n>` (in the
    order of `items`), a heading per event, and on every row still open a button
    `instructor.checklist.verbal.<n>` that calls `tick(item)`."""

    def __init__(self, tick: Callable[[ChecklistItem], None],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("instructor.checklist")
        self.setAccessibleName("Checklist: the responses expected of the team")
        self._tick = tick
        self._lay = QtWidgets.QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(2)
        self.empty = QtWidgets.QLabel(NOTHING_YET, self)
        self.empty.setObjectName("instructor.checklist.empty")
        self.empty.setStyleSheet("color: #9aa7b4;")
        self.empty.setWordWrap(True)
        self._lay.addWidget(self.empty)
        self._keys: list[tuple[str, str]] = []
        self._items: list[ChecklistItem] = []
        self.rows: list[_Row] = []
        self._heads: list[QtWidgets.QLabel] = []

    def items(self) -> list[ChecklistItem]:
        return list(self._items)

    def show_items(self, items: Sequence[ChecklistItem], now: float) -> None:
        keys = [(i.injection_id, i.response) for i in items]
        if keys != self._keys:
            self._rebuild(items)
        self._items = list(items)
        for row, item in zip(self.rows, items):
            row.show_item(item, now)

    def _rebuild(self, items: Sequence[ChecklistItem]) -> None:
        for w in (*self.rows, *self._heads):
            self._lay.removeWidget(w)
            w.deleteLater()
        self.rows, self._heads = [], []
        self._keys = [(i.injection_id, i.response) for i in items]
        self.empty.setVisible(not items)
        event = None
        for n, item in enumerate(items):
            if item.injection_id != event:
                event = item.injection_id
                head = QtWidgets.QLabel(self._heading(item), self)
                head.setObjectName(f"instructor.checklist.event.{len(self._heads)}")
                head.setWordWrap(True)
                head.setStyleSheet("font-weight: bold;")
                self._heads.append(head)
                self._lay.addWidget(head)
                head.show()  # at once (a layout shows a new child only later)
            row = _Row(n, self)
            row.verbal.clicked.connect(lambda _=False, n=n: self._pressed(n))
            self.rows.append(row)
            self._lay.addWidget(row)
            row.show()

    @staticmethod
    def _heading(item: ChecklistItem) -> str:
        from replay_data.timeexpr import format_case_time

        return f"{item.injection} · from {format_case_time(item.started)}"

    def _pressed(self, n: int) -> None:
        if n < len(self._items) and can_tick(self._items[n]):
            self._tick(self._items[n])
