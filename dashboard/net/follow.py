"""What a bedside follows: the instructor's scenario (by built-in id), and the
instructor's numbered actions, in seq order.

The instructor's retained state names its scenario (`scenario_id`, the built-in id) and
its content hash. A bedside runs the same built-in scenario when it has it in the same
version (same hash); a scenario from a file the bedside does not have, or another
version of it, cannot be followed -- values and alarms would differ -- and is refused
with one line that says what to do.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboard.alarms import load_profile
from dashboard.core.actions import Action, ActionError
from dashboard.core.scenario_hash import scenario_hash
from dashboard.core.session_controller import ScenarioMismatch, SessionController
from dashboard.core.session_state import SessionState
from replay_data.course import Course
from replay_data.errors import ReplayDataError, one_line
from replay_data.scenario import builtin_scenarios, load_scenario


def course_for_state(state: SessionState, current: SessionController) -> Course:
    """The course (without disturbances: the state brings them) on which `current`'s
    bedside can follow `state`; raises ScenarioMismatch (one line) when there is none."""
    base = current.base_course
    if state.scenario_hash == current.scenario_hash:
        return Course(base.scenario, state.seed, (), base.catalogue)
    sid = state.scenario_id
    if sid not in builtin_scenarios():
        raise ScenarioMismatch(
            f"the instructor runs scenario {sid!r} from a file this bedside does not have "
            f"(hash {state.scenario_hash[:12]}); start the monitor with --scenario and "
            f"a copy of that file")
    try:
        course = Course(load_scenario(sid), seed=state.seed)
        digest = scenario_hash(course, load_profile(course.scenario.alarm_profile))
    except (ReplayDataError, ValueError, OSError) as exc:
        raise ScenarioMismatch(one_line(f"built-in scenario {sid!r} does not load here: "
                                        f"{exc}")) from None
    if digest != state.scenario_hash:
        raise ScenarioMismatch(
            f"the instructor's scenario {sid!r} (hash {state.scenario_hash[:12]}) is "
            f"another version than this bedside's built-in one (hash {digest[:12]}); "
            f"install the same version of icu-dashboard on both")
    return course


def apply_in_seq(c: SessionController, pending: list[tuple[int, object]],
                 drop: Callable[[str, str], None]) -> None:
    """Broadcast actions (seq, the action as sent), in the order they came, taken as one
    by one would take them -- the next seq only; one already applied, or beyond a gap,
    ignored (the state that follows resynchronises); a malformed one dropped -- but
    applied in one apply_many(): the course rebuilt once per run of disturbances, the
    bedside redrawn once (a burst of 1,000 after a reconnect or from a script). A refusal
    leaves the seq where it was, as one by one; the actions after it are looked at again
    from there."""
    while pending:
        batch: list[Action] = []
        resume: list[int] = []  # where to look again if batch[i] is refused
        for i, (seq, raw) in enumerate(pending):
            if seq != c.seq + len(batch) + 1:
                continue
            try:
                batch.append(Action.from_json(raw))
            except ActionError as exc:
                drop("malformed", f"action: {exc}")
                continue
            resume.append(i + 1)
        if not batch:
            return
        try:
            done = c.apply_many(batch, stop_at_refusal=True)
        except Exception as exc:  # nothing from the network may end this process
            why = str(exc).splitlines()[0][:80] if str(exc) else ""
            drop("malformed", f"actions: {type(exc).__name__} {why}")
            return
        if done[-1] is not None:
            return
        pending = pending[resume[len(done) - 1]:]
