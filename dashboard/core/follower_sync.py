"""Follower sync: a networked display showing the instructor's session, not its own.

Values are a pure function of (scenario, disturbances, seed, case time), so a display
needs no samples: the instructor publishes its `SessionState` (export_state: scenario
hash, seed, disturbances, clock anchor, seq, alarm operator history, locked consoles)
and a display that joins adopts it (adopt_state) -- checking everything before changing
anything, so a state from another scenario or a broken message leaves it as it was.
Between states the follower's clock is kept on the instructor's by its clock anchor
(follow_anchor), cheaply, without rebuilding alarm history unless the clock jumped back.

`seq` (the number of actions applied) is the instructor's: a follower takes it with the
state and counts on as the broadcast actions arrive, so both agree on which operator
actions came after which seek.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from replay_data.controls import CONSOLES, CONTROLS
from replay_data.course import Course
from replay_data.errors import one_line
from replay_data.perturbation_data import perturbation_from_data, perturbation_to_data

from .actions import CONTROL, INSTRUCTOR_ROLES, UPLINK_KINDS, Action, ActionError
from .events import AlarmChanges, CourseChanged, Seeked
from .session_state import ClockAnchor, SessionState, StateError

if TYPE_CHECKING:
    from .session_controller import SessionController


class ScenarioMismatch(ValueError):
    """adopt_state() with a state from another scenario (content hash differs)."""


def uplink_refusal(c: SessionController, action: Action) -> str | None:
    """Why a follower refuses to send `action` up to the instructor at once (None: it
    may go). Only trainee kinds travel; a setting on a console the instructor's state
    says is locked is refused here, without a round trip."""
    if action.kind not in UPLINK_KINDS:
        return "only the instructor can do that"
    if action.kind == CONTROL and action.actor.role not in INSTRUCTOR_ROLES:
        spec = CONTROLS.get(action.arg("control"))
        if spec is not None and spec.console in c.locked:
            return f"the {spec.console} console is locked by the instructor"
    return None


def export_state(c: SessionController) -> SessionState:
    """What the instructor publishes (retained) for displays that join."""
    clock, h = c.clock, c.history
    anchor = ClockAnchor(clock.case_time(), clock.speed, not clock.playing, clock.wall_time())
    ops = tuple({**a.to_json(), "seq": seq} for seq, a in h.operator_log)
    return SessionState(c.course.scenario.id, c.scenario_hash, c.course.seed,
                        tuple(perturbation_to_data(p) for p in c.perturbations),
                        anchor, c.seq, ops, c.freeze_screen, h.history_from,
                        h.history_seq, tuple(sorted(c.locked)), c.session_id)


LATENCY_S = 0.5  # wall seconds a state may take to reach a follower on a loaded machine


def follow_anchor(c: SessionController, anchor: ClockAnchor, tolerance_s: float) -> None:
    """Put the clock where the instructor's stands (speed, paused, case time at this
    wall time). Alarm history is kept; only a jump back of more than `tolerance_s` of
    case time rebuilds it (smaller ones just wait: the monitor never processes a case
    second twice)."""
    clock = c.clock
    now = min(max(anchor.case_time_at(clock.wall_time()), clock.begin), clock.end)
    # A delivery of up to LATENCY_S at the speed this clock ran at: at 60x a follower
    # that heard of a slow-down 0.1 s late is 6 s of case time ahead, and it held only
    # 2 s, so its clock stepped back on screen.
    tolerance_s = max(tolerance_s, clock.speed * LATENCY_S)
    if clock.speed != anchor.speed:
        clock.set_speed(anchor.speed)
    clock.pause() if anchor.paused else clock.play()
    # Never a step back of the case time within the tolerance (latency, a pause that
    # arrived a moment late): the clock holds until the instructor's catches up.
    clock.follow(now, hold_back_s=tolerance_s)
    if now < c.history.alarm_t - tolerance_s:
        c.history.rebuild(now)
        c.publish(Seeked(clock.case_time()))


def adopt_state(c: SessionController, state: SessionState) -> None:
    """Become the session `state` describes -- same disturbances, clock re-anchored to
    the instructor's, alarm state rebuilt. Everything is checked before anything changes
    (ScenarioMismatch, StateError)."""
    if state.scenario_hash != c.scenario_hash:
        raise ScenarioMismatch(
            f"scenario differs from the instructor's: {state.scenario_id!r} "
            f"(hash {state.scenario_hash[:12]}) here {c.course.scenario.id!r} "
            f"(hash {c.scenario_hash[:12]})")
    try:
        perts = [perturbation_from_data(d) for d in state.disturbances]
        ops = []
        for op in state.operator_actions:
            a = Action.from_json({k: v for k, v in op.items() if k != "seq"})
            ops.append((int(op["seq"]), a))
    except (ValueError, ActionError) as exc:
        raise StateError(one_line(str(exc))) from None
    unknown = sorted(set(state.locked) - set(CONSOLES))
    if unknown:
        raise StateError(f"session state locks unknown console {unknown[0]!r} "
                         f"(consoles: {', '.join(CONSOLES)})")
    base = c.base_course if state.seed == c.base_course.seed else \
        Course(c.base_course.scenario, state.seed, (), c.base_course.catalogue)
    course = base.with_perturbations(perts)
    # Nothing above changed us; from here on it is all assignments and recomputation.
    c.disturbances.adopt(base, course, perts)
    c.monitor.set_course(course)
    c.history.adopt(ops, state.history_from, state.history_seq)
    c.seq, c.freeze_screen = state.seq, state.freeze_screen
    c.locked = set(state.locked)
    same_session = bool(state.session) and state.session == c.session_id
    c.session_id = state.session or c.session_id
    anchor, clock = state.anchor, c.clock
    now = min(max(anchor.case_time_at(clock.wall_time()), clock.begin), clock.end)
    clock.set_speed(anchor.speed)
    clock.pause() if anchor.paused else clock.play()
    if same_session:
        clock.follow(now, hold_back_s=2.0)  # a resynchronisation: never a step back
    else:
        clock.seek(now)  # another session: its clock, wherever it stands
    now = clock.case_time()
    c.history.rebuild(now)
    c.publish(CourseChanged(course))
    c.publish(Seeked(clock.case_time()))
    c.publish(AlarmChanges(()))
