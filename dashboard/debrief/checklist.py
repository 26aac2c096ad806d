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
    now = controller.case_time()
    sc = controller.course.scenario
    controls: list[TeamControl] = []
    ticks: list[VerbalTick] = []
    recorded: dict[str, Perturbation] = {}  # by id: a stop replaces what it cut
    stretches = _Stretches(controller.opened_at, (sc.start, sc.end), sc.event_times)
    for a, result in controller.journal:
        t = a.case_t if a.case_t is not None else now
        if a.kind == acts.CONTROL and isinstance(result, Perturbation):
            controls.append(TeamControl(result.start, result.name,
                                        float(a.arg("value")), a.actor.display,
                                        a.actor.role))
        elif a.kind == acts.RESPONSE_DONE:
            ticks.append(VerbalTick(t, a.arg("injection"), a.arg("response"),
                                    a.actor.display))
        elif a.kind in (acts.INJECT, acts.STOP) and isinstance(result, Perturbation) and \
                result.kind == "injection":
            recorded[result.id] = result  # a stop of a scheduled one: its cut copy
        elif a.kind in (acts.SEEK, acts.JUMP):
            stretches.jump(a, t)
    # The instructor's injections as they stand now (a stop cuts them; same id).
    current = {p.id: p for p in controller.perturbations if p.kind == "injection"}
    given = [current.get(p.id, p) for p in recorded.values() if p.start <= now]
    stretches.close(now)
    injections, scheduled = session_injections(sc, given, played_at=stretches.played)
    injections = [p for p in injections if p.start <= now]
    rows = score(sc, injections, sorted(controls, key=lambda c: c.t), now, scheduled,
                 ticks, now=now)
    return [_item(r) for r in rows]


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
