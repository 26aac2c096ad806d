"""The parts the session controller is built from, each on its own: the dispatch table
covers every action kind, the disturbances keep ids unique and rebuild the course once
per batch, and the journal the live checklist reads is exactly the applied actions, in
order, as the controller's own events tell them."""

from __future__ import annotations

import pytest
from case_support import case_course

from dashboard.core.actions import ACTION_KINDS, Action, ActionError, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.dispatch import HANDLERS
from dashboard.core.disturbances import Disturbances
from dashboard.core.journal import ActionJournal
from dashboard.core.session_controller import ActionApplied, SessionController
from replay_data.course import Course

COURSE = case_course()
T0 = int(COURSE.scenario.event_times["ecmo_start"]) + 2 * 3600
CONSOLE = Actor("instructor", "console")
BED = Actor("trainee", "bed-1")


def act(kind: str, who: Actor = CONSOLE, **args) -> Action:
    return Action.make(kind, args, who)


def test_every_action_kind_has_exactly_one_handler():
    assert set(HANDLERS) == set(ACTION_KINDS)


def test_disturbances_get_fresh_ids_and_a_stop_names_exactly_one():
    rebuilt: list[Course] = []
    d = Disturbances(COURSE, rebuilt.append)
    done, first = d.inject(act("inject", injection="pump_stop"), T0)
    _, second = d.inject(act("inject", injection="pump_stop"), T0 + 60)
    assert first.id != second.id and done.arg("id") == first.id
    assert [p.id for p in d.perturbations] == [first.id, second.id]
    assert len(rebuilt) == 2 and rebuilt[-1] is d.course
    assert d.base_course.perturbations == ()
    cut = d.stop(first.id, T0 + 30)
    assert cut.id == first.id and (cut.start, cut.duration) == (T0, 30)  # cut at +30 s
    assert [p.id for p in d.perturbations] == [first.id, second.id]
    with pytest.raises(ActionError, match="no active disturbance"):
        d.stop("spo2#99", T0 + 30)
    with pytest.raises(ActionError, match="already in use"):
        d.add(second)


def test_a_batch_rebuilds_the_course_once_at_its_end():
    rebuilt: list[Course] = []
    d = Disturbances(COURSE, rebuilt.append)
    d.begin_batch()
    for i in range(5):
        d.inject(act("inject", injection="pump_stop"), T0 + 60 * i)
    assert rebuilt == [] and d.course is COURSE and len(d.perturbations) == 5
    d.end_batch(rebuild=True)
    assert len(rebuilt) == 1 and len(d.course.perturbations) == 5
    assert len({p.id for p in d.perturbations}) == 5


def test_the_journal_is_the_applied_actions_as_the_events_tell_them():
    c = SessionController(COURSE, start=T0, wall=ManualWall(), display="console")
    heard = ActionJournal()
    c.subscribe(heard.on_event)
    applied: list[ActionApplied] = []
    c.subscribe(lambda ev: applied.append(ev) if isinstance(ev, ActionApplied) else None)
    c.apply(act("inject", injection="pump_stop"))
    c.apply(act("seek", BED, target=T0 + 100))  # refused: not in the journal
    c.apply(act("acknowledge", BED))
    c.apply_many([act("inject", injection="pump_stop", start=T0 + 10),
                  act("override", channel="spo2", target=80.0)])
    c.advance(30, ticks=3)
    c.apply(act("response_done", injection="pump_stop#1", response="Clamp the lines"))
    entries = list(c.journal)
    assert [a.kind for a, _ in entries] == ["inject", "acknowledge", "inject", "override",
                                           "response_done"]
    assert entries == [(ev.action, ev.result) for ev in applied] == list(heard)
    assert entries[0][1] is c.perturbations[0] and entries[1][1] is None
    c.close()
