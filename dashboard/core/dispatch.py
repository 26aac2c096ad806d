"""What each kind of action does to a session: one handler per kind, in one table.

`SessionController.apply()` stays the single entry point (who may act, refusals, seq,
events); once an action is allowed it looks its kind up in `HANDLERS` here and calls
the handler with the controller, the action and the case time t it applies at. A handler
returns the action completed (case_t, ids, defaults filled in), what it made (the
Perturbation of an inject, override, control or stop; else None) and the alarm changes
of the case seconds processed before it -- the controller publishes them, in that order.
A handler that cannot do what it is asked raises ActionError (or ValueError) before it
changes anything; the controller turns that into ActionRefused.

Most kinds first process every whole case second up to t (`_after_catch_up`): that is
the determinism rule, an action at case time t acts on the session as it stands at t,
at any speed and however coarse the ticks. A seek publishes what happened up to it
before the view jumps; the alarm operator kinds may land in the past (a follower ahead
of the instructor) and so go through the alarm history (alarm_history.py).

`check()` is the other half: what can be checked against the scenario and alarm profile
before a recording is replayed at all, so a broken file is refused before it starts.

To add an action kind: its name and fields in actions.py, one handler and one line of
`HANDLERS` here (a disturbance: its perturbation in disturbances.py), a check in
`CHECKS` if the scenario can refuse it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from dashboard.alarms import AlarmChange
from replay_data.controls import CONSOLES, CONTROLS
from replay_data.perturbations import injection, split_injection_name

from .actions import (
    ACKNOWLEDGE,
    ACTION_KINDS,
    ALARM_OFF,
    BEGIN,
    CONTROL,
    END,
    FREEZE_SCREEN,
    INJECT,
    INSTRUCTOR_ROLES,
    JUMP,
    LOCK,
    NOTE,
    OPERATOR_KINDS,
    OVERRIDE,
    PAUSE,
    PLAY,
    RESPONSE_DONE,
    SEEK,
    SPEED,
    STOP,
    Action,
    ActionError,
)
from .events import AlarmChanges, Seeked

if TYPE_CHECKING:
    from .session_controller import SessionController

# (the action completed, what it made, the alarm changes before it)
Applied = tuple[Action, object, list[AlarmChange]]
Handler = Callable[["SessionController", Action, float], Applied]
# A handler's own work, once the case seconds up to t are processed.
Effect = Callable[["SessionController", Action, float], tuple[Action, object]]


def _after_catch_up(effect: Effect) -> Handler:
    """A handler that processes every whole case second up to t, then does `effect`."""
    def handler(c: SessionController, a: Action, t: float) -> Applied:
        changes = c.history.catch_up(t)
        done, result = effect(c, a, t)
        return done, result, changes
    handler.__doc__ = effect.__doc__
    return handler


def _viewer_chose(c: SessionController) -> bool:
    """True when a clock action replaying a recording comes from the viewer (a key, a
    button), not from the recording itself: the replay then stops following its own."""
    return c.feed is not None and not c.feeding


# ------------------------------------------------------------------------------ the clock

def _play(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    done = a.with_(case_t=t)
    c.clock.play()
    return done, None


def _pause(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    done = a.with_(case_t=t)
    c.clock.pause()
    return done, None


def _speed(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    done = a.with_(case_t=t)
    c.clock.set_speed(a.arg("value"))
    if _viewer_chose(c):
        c.feed.follow_speed = False  # the viewer chose a speed of their own
    return done, None


def _seek(c: SessionController, a: Action, t: float) -> Applied:
    """Seek to a case time, or jump to a scenario event (old recordings)."""
    changes = c.history.catch_up(t)
    done = a.with_(case_t=t)
    target = a.arg("target") if a.kind == SEEK else c.course.scenario.event(a.arg("event")).t
    if changes:  # what happened up to the seek, before the view jumps
        c.publish(AlarmChanges(tuple(changes)))
    c.clock.seek(target)
    c.history.seek_quietly(c.clock.case_time(), history_seq=c.seq + 1)
    if _viewer_chose(c):
        c.feed.skip_to(c.clock.case_time())
    c.publish(Seeked(c.clock.case_time()))
    return done, None, []


# ------------------------------------------------------------------------------ the session

def _freeze_screen(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    done = a.with_(case_t=t)
    c.freeze_screen = bool(a.arg("on"))
    return done, None


def _begin(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    """The pre-brief is over: case time runs from here (a replay re-plays it)."""
    done = a.with_(case_t=t)
    c.begun = True
    c.clock.play()
    return done, None


def _end(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    done = a.with_(case_t=t)
    c.ended = True
    c.clock.pause()
    return done, None


def _recorded_only(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    """A note, a verbal tick: recorded (and shown in the debrief); the session itself
    is unchanged."""
    return a.with_(case_t=t), None


def _lock(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    done = a.with_(case_t=t)
    if a.arg("console") not in CONSOLES:
        raise ActionError(f"unknown console {a.arg('console')!r} "
                          f"(consoles: {', '.join(CONSOLES)})")
    (c.locked.add if a.arg("on") else c.locked.discard)(a.arg("console"))
    return done, None


# ------------------------------------------------------------------------------ disturbances

def _inject(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    return c.disturbances.inject(a, t)


def _override(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    return c.disturbances.override(a, t)


def _control(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    """A console setting; the team's is refused on a console the instructor locked."""
    spec = CONTROLS.get(a.arg("control"))
    if spec is None:
        raise ActionError(f"unknown control {a.arg('control')!r}")
    if spec.console in c.locked and a.actor.role not in INSTRUCTOR_ROLES:
        raise ActionError(f"the {spec.console} console is locked by the instructor")
    return c.disturbances.control(a, t)


def _stop(c: SessionController, a: Action, t: float) -> tuple[Action, object]:
    done = a.with_(case_t=t)
    return done, c.disturbances.stop(a.arg("id"), t)


# ------------------------------------------------------------------------------ alarm keys

def _operator(c: SessionController, a: Action, t: float) -> Applied:
    """An alarm key or the limits dialog (catches up itself: it may land in the past)."""
    done, changes = c.history.operator_action(a, t, seq=c.seq + 1, now=c.clock.case_time())
    return done, None, changes


HANDLERS: dict[str, Handler] = {
    PLAY: _after_catch_up(_play),
    PAUSE: _after_catch_up(_pause),
    SPEED: _after_catch_up(_speed),
    SEEK: _seek,
    JUMP: _seek,
    FREEZE_SCREEN: _after_catch_up(_freeze_screen),
    BEGIN: _after_catch_up(_begin),
    END: _after_catch_up(_end),
    NOTE: _after_catch_up(_recorded_only),
    RESPONSE_DONE: _after_catch_up(_recorded_only),
    LOCK: _after_catch_up(_lock),
    INJECT: _after_catch_up(_inject),
    OVERRIDE: _after_catch_up(_override),
    CONTROL: _after_catch_up(_control),
    STOP: _after_catch_up(_stop),
    **{k: _operator for k in OPERATOR_KINDS},
}

_missing = set(ACTION_KINDS) - set(HANDLERS)
if _missing:  # an action named in actions.py that nothing would apply
    raise RuntimeError(f"no handler for action kind(s) {', '.join(sorted(_missing))}")


def handle(c: SessionController, a: Action, t: float) -> Applied:
    """Apply allowed action `a` at case time t through its kind's handler."""
    handler = HANDLERS.get(a.kind)
    if handler is None:  # pragma: no cover - Action.make refuses unknown kinds
        raise ActionError(f"unknown action {a.kind!r}")
    return handler(c, a, t)


# ------------------------------------------------------------------------------ checking

def _check_jump(c: SessionController, a: Action) -> None:
    c.course.scenario.event(a.arg("event"))


def _check_inject(c: SessionController, a: Action) -> None:
    sc = c.course.scenario
    # "pump_stop:clamped" names a variant; injection() checks the variant itself
    if split_injection_name(a.arg("injection"))[0] not in sc.injections:
        raise ActionError(f"unknown injection {a.arg('injection')!r}")
    injection(sc, a.arg("injection"), 0.0, severity=a.arg("severity"),
              duration=a.arg("duration"))


def _check_override(c: SessionController, a: Action) -> None:
    c.course.check_channel(a.arg("channel"))


def _check_acknowledge(c: SessionController, a: Action) -> None:
    if a.arg("alarm_id") is not None and \
            a.arg("alarm_id") not in c.profile.alarm_ids:
        raise ActionError(f"unknown alarm id {a.arg('alarm_id')!r}")


def _check_alarm_off(c: SessionController, a: Action) -> None:
    target = a.arg("target")
    if target not in c.profile.parameters and target not in c.profile.alarm_ids:
        raise ActionError(f"unknown alarm {target!r}")


CHECKS: dict[str, Callable[[SessionController, Action], None]] = {
    JUMP: _check_jump,
    INJECT: _check_inject,
    OVERRIDE: _check_override,
    ACKNOWLEDGE: _check_acknowledge,
    ALARM_OFF: _check_alarm_off,
}


def check(c: SessionController, a: Action) -> None:
    """What can be checked against the scenario and alarm profile before applying
    (ActionError, ReplayDataError or ValueError; nothing changes)."""
    checker = CHECKS.get(a.kind)
    if checker is not None:
        checker(c, a)
    c.history.check(a)
