"""The instructor's live checklist: every expected response of every injection under way,
with its deadline, ticking itself when the bedside team does it -- scored by the very
rules the debrief uses (scoring.score), at the controller's case time.

No Qt: the console's checklist widget (dashboard.ui) shows these rows and applies a
`response_done` action when the instructor presses "done (verbal)".

What the controller knows is what the debrief reads from the session file: the
instructor's injections and the scenario's scheduled ones the clock has played through
(a seek over one skips it), the settings with who made them, and the verbal ticks
(`SessionController.journal`). So a row that says "pending" now says what the debrief
will say once the deadline passes: "missed" -- unless someone acts first.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from dashboard.core import actions as acts
from dashboard.core.session_controller import SessionController
from dashboard.debrief.scoring import (
    VERBAL,
    ScoredResponse,
    TeamControl,
    VerbalTick,
    actor_text,
    score,
    session_injections,
)
from replay_data.perturbations import Perturbation

PENDING = "pending"


@dataclass(frozen=True)
class ChecklistItem:
    injection_id: str  # disturbance id ("scheduled:..." for a drill's own)
    injection: str  # its label (instructor-side)
    response: str  # the expected response's label (what response_done names)
    started: float  # case time the injection started
    deadline: float  # case time the response is due
    status: str  # "pending" | "done" | "late" | "missed" | "verbal" | "instructor"
    at: float | None  # case time it was done / ticked
    by: str | None  # "trainee at bed-1", "instructor (verbal)", "instructor at console"

    @property
    def open(self) -> bool:
        """Still the team's to do (the console offers "done (verbal)" for these)."""
        return self.status in (PENDING, "missed", "instructor")


def live_checklist(controller: SessionController) -> list[ChecklistItem]:
    """The checklist at `controller.case_time()`, in injection order."""
    return LiveChecklist(controller).items()


class LiveChecklist:
    """The checklist of one controller, worked out again as often as the console asks
    (each case second) at a cost that does not grow with the journal: the journal is
    append-only, so each call reads only the actions applied since the last one, and
    the injections given are kept in order of their start (those begun by now are a
    prefix). With 5,000 disturbances queued, reading the whole journal each time cost
    about 3 ms a case second."""

    def __init__(self, controller: SessionController) -> None:
        self.controller = controller
        self._reset(None)

    def _reset(self, entries: list | None) -> None:
        self._entries = entries  # the journal's list read so far
        self._read = 0
        self._controls: list[TeamControl] = []
        self._ticks: list[acts.Action] = []  # response_done actions
        self._jumps: list[acts.Action] = []  # seeks and jumps
        self._recorded: dict[str, Perturbation] = {}  # by id: a stop replaces what it cut
        self._given_for: tuple[int, object] | None = None
        self._given: list[Perturbation] = []  # as they stand now, by start
        self._starts: list[float] = []

    def _catch_up(self) -> None:
        entries = self.controller.journal.entries
        if entries is not self._entries or len(entries) < self._read:
            self._reset(entries)  # a new journal: read it from the start
        new = entries[self._read:]
        self._read = len(entries)
        added = False
        for a, result in new:
            if a.kind == acts.CONTROL and isinstance(result, Perturbation):
                self._controls.append(TeamControl(result.start, result.name,
                                                  float(a.arg("value")), a.actor.display,
                                                  a.actor.role))
                added = True
            elif a.kind == acts.RESPONSE_DONE:
                self._ticks.append(a)
            elif a.kind in (acts.INJECT, acts.STOP) and isinstance(result, Perturbation) \
                    and result.kind == "injection":
                self._recorded[result.id] = result  # a stop of a scheduled one: its cut copy
            elif a.kind in (acts.SEEK, acts.JUMP):
                self._jumps.append(a)
        if added:
            self._controls.sort(key=lambda c: c.t)

    def items(self) -> list[ChecklistItem]:
        """The checklist at the controller's case time, in injection order."""
        c = self.controller
        now = c.case_time()
        sc = c.course.scenario
        self._catch_up()
        given_for = self._given_for
        if given_for is None or given_for[0] != self._read or given_for[1] is not c.course:
            # The instructor's injections as they stand now (a stop cuts them; same id).
            current = {p.id: p for p in c.perturbations if p.kind == "injection"}
            self._given = sorted((current.get(p.id, p) for p in self._recorded.values()),
                                 key=lambda p: p.start)
            self._starts = [p.start for p in self._given]
            self._given_for = (self._read, c.course)
        given = self._given[:bisect.bisect_right(self._starts, now)]
        ticks = [VerbalTick(_at(a, now), a.arg("injection"), a.arg("response"),
                            a.actor.display) for a in self._ticks]
        stretches = _Stretches(c.opened_at, (sc.start, sc.end), sc.event_times)
        for a in self._jumps:
            stretches.jump(a, _at(a, now))
        stretches.close(now)
        injections, scheduled = session_injections(sc, given, played_at=stretches.played)
        injections = [p for p in injections if p.start <= now]
        rows = score(sc, injections, self._controls, now, scheduled, ticks, now=now)
        return [_item(r) for r in rows]


def _at(a: acts.Action, now: float) -> float:
    return a.case_t if a.case_t is not None else now


def _item(r: ScoredResponse) -> ChecklistItem:
    if r.status == VERBAL:
        by: str | None = "instructor (verbal)"
    elif r.by is not None:
        by = actor_text(r.by.role, r.by.display)
    else:
        by = None
    return ChecklistItem(r.injection_id, r.injection, r.response, r.injection_start,
                         r.deadline, r.status, r.at, by)


class _Stretches:
    """The stretches of case time the clock has played, as played.py rebuilds them from
    a file: the first from where the session opened, each seek or jump closing one at
    the moment it was taken and opening the next at its target."""

    def __init__(self, opened_at: float, bounds: tuple[float, float],
                 event_times: dict[str, float]) -> None:
        self.bounds, self.event_times = bounds, event_times
        self.done: list[tuple[float, float]] = []
        self.t0 = opened_at

    def jump(self, a: acts.Action, t: float) -> None:
        self.done.append((self.t0, t))
        target = float(a.arg("target")) if a.kind == acts.SEEK else \
            self.event_times.get(a.arg("event"), t)
        lo, hi = self.bounds
        self.t0 = min(max(target, lo), hi)

    def close(self, now: float) -> None:
        self.done.append((self.t0, max(self.t0, now)))

    def played(self, t: float) -> bool:
        return any(a <= t <= b for a, b in self.done)
