"""The session's journal: every action applied, in order, with its result.

Who did what is what the instructor's live checklist scores (dashboard.debrief.checklist:
who made which setting, the verbal ticks, where the clock jumped) -- the same facts the
debrief later reads from the session file. A Perturbation has no actor, so the checklist
needs the action beside it. The journal is built only from the controller's
ActionApplied events; the controller subscribes it before anyone else, at its own
construction, because the checklist may be asked for at any moment of the session (by a
console made after the start-up injections, by a test) and must see every action since
the session opened.
"""

from __future__ import annotations

from collections.abc import Iterator

from .actions import Action
from .events import ActionApplied, SessionEvent


class ActionJournal:
    """(action, result) of every applied action: the action completed (case_t, ids,
    defaults filled in), the result what it made (the Perturbation of an inject,
    override, control or stop; None for the others)."""

    def __init__(self) -> None:
        self.entries: list[tuple[Action, object]] = []

    def on_event(self, event: SessionEvent) -> None:
        if isinstance(event, ActionApplied):
            self.entries.append((event.action, event.result))

    def __iter__(self) -> Iterator[tuple[Action, object]]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)
