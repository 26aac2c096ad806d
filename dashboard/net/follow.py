"""Which course a bedside follows: the instructor's scenario, by built-in id.

The instructor's retained state names its scenario (`scenario_id`, the built-in id) and
its content hash. A bedside runs the same built-in scenario when it has it in the same
version (same hash); a scenario from a file the bedside does not have, or another
version of it, cannot be followed -- values and alarms would differ -- and is refused
with one line that says what to do.
"""

from __future__ import annotations

from dashboard.alarms import load_profile
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
