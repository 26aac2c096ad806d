"""SessionController.apply_many(): many actions as apply() one by one would apply them --
same results, same recording, same values, same events in the same order -- for a
fraction of the cost.

Disturbances (inject, override, stop) that follow each other rebuild the course once,
not once each: 5,000 start-up injections would otherwise rebuild it 5,000 times. And the
subscribers hear the call's events at its end, in order: one CourseChanged for each run
of disturbances, each action's events with ActionApplied (and each CourseChanged before
the last) marked more=True but for the call's last applied action, so a view redraws
once, then one StateChanged. A networked bedside takes a burst of 1,000 broadcast
actions this way (dashboard.net.bridge).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .actions import DISTURBANCE_KINDS, Action
from .events import ActionApplied, AlarmChanges, CourseChanged, StateChanged

if TYPE_CHECKING:
    from dashboard.alarms import AlarmChange

    from .session_controller import SessionController


@dataclasses.dataclass(frozen=True)
class HeldAlarmWrite:
    """An alarm line for the log and the recording, held in apply_many()'s events so
    that it reaches the files where one by one would have written it (the recording
    writes an action's line when it hears of the action, an alarm's at once)."""

    change: AlarmChange

# Actions a run applies without rebuilding the course after each: they only change the
# list of disturbances (a control reads the course as it stands, so it is not here).
BATCHED_KINDS = DISTURBANCE_KINDS


def apply_many(c: SessionController, actions: Iterable[Action], *, strict: bool = False,
               stop_at_refusal: bool = False) -> list[Action | None]:
    """With strict=True the first refusal raises ActionError after the actions before it
    have been applied (as apply() in a loop would); with stop_at_refusal=True the first
    refusal ends the call, the actions after it not applied (a follower's numbered
    actions: one by one, its seq would stop there)."""
    outer = c._held is None
    if outer:
        c._held, c._state_due = [], False
        held = c._held
        c.sinks.defer = lambda change: held.append(HeldAlarmWrite(change))
    out: list[Action | None] = []
    try:
        for action in actions:
            out.append(_apply_in_call(c, action, strict))
            if stop_at_refusal and out[-1] is None:
                break
    finally:
        try:
            _end_run(c)
        finally:
            if outer:
                # Even when the rebuild failed: the held alarm lines reach the files.
                _release_held(c)
    return out


def _apply_in_call(c: SessionController, action: Action, strict: bool) -> Action | None:
    """A disturbance joins the current run; anything else ends the run (the course
    rebuilt first) and is applied as apply() would."""
    if action.kind not in BATCHED_KINDS:
        _end_run(c)
        return c.apply(action, strict=strict)
    t = c.clock.case_time() if action.case_t is None else action.case_t
    if math.floor(t) > c.history.alarm_t:
        # Case seconds to process first: with the course as the actions before left it,
        # as one by one.
        _end_run(c)
    if c._run is None:
        c._run = []
        c.disturbances.begin_batch()
    applied = c._apply_one(action, strict, t)
    if applied is None:
        return None
    done, result, changes = applied
    if changes:
        c._run.append(AlarmChanges(tuple(changes)))
    c._run.append(ActionApplied(done, c.seq, result, more=True))
    return done


def _end_run(c: SessionController) -> None:
    """Rebuild the course once for the run of disturbances just applied, then pass on
    what happened, in order (held until the call ends)."""
    run, c._run = c._run, None
    if run is None:
        return
    applied = any(isinstance(ev, ActionApplied) for ev in run)
    c.disturbances.end_batch(rebuild=applied)
    for ev in run:
        c.publish(ev)
    if applied and c.authority:
        c._state_due = True


def _release_held(c: SessionController) -> None:
    """The call's events to the subscribers, every ActionApplied but the last (and every
    CourseChanged before it) marked more=True, then one StateChanged for the lot."""
    held, c._held = c._held or [], None
    c.sinks.defer = None
    last = max((i for i, ev in enumerate(held) if isinstance(ev, ActionApplied)), default=-1)
    for i, ev in enumerate(held):
        if isinstance(ev, HeldAlarmWrite):
            c.sinks.write_now(ev.change)
            continue
        if isinstance(ev, ActionApplied | CourseChanged) and ev.more != (i < last):
            ev = dataclasses.replace(ev, more=i < last)
        c.publish(ev)
    if c._state_due and c.authority:
        c._state_due = False
        c.publish(StateChanged(c.state()))
