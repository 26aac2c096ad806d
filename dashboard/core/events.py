"""What a SessionController tells its subscribers (windows, recorder, network bridge).

Plain frozen dataclasses, published synchronously on the controller's thread, in the
order things happened:

    Tick(t, wall)                 after every tick() (the frame loop calls tick())
    ValuesUpdated(sample)         a new case second reached the numerics
    AlarmChanges(changes)         alarm raises, clears, acknowledgements, ... in order
    ActionApplied(action, seq, result)   action completed (case_t, ids, defaults filled in)
                                  (more=True: further actions of one apply_many() follow)
    ActionRefused(action, reason) not allowed or not possible; nothing changed
    CourseChanged(course)         disturbances changed (values from now on differ)
    Seeked(t)                     case time jumped (views redraw whole sweeps)
    StateChanged(state)           (authority only) what a network bridge publishes
    DisplayChanged(display, ...)  (network mode) a display of the room came or went
    SystemProblem(message)        the simulator itself failed (e.g. log not writable);
                                  also kept in `problems` (some happen before anyone listens)
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.alarms import AlarmChange
from replay_data.course import Course, Sample

from .actions import Action
from .session_state import SessionState


@dataclass(frozen=True)
class Tick:
    t: float
    wall: float


@dataclass(frozen=True)
class ValuesUpdated:
    sample: Sample


@dataclass(frozen=True)
class AlarmChanges:
    changes: tuple[AlarmChange, ...]


@dataclass(frozen=True)
class ActionApplied:
    action: Action  # completed: case_t set, defaults and ids filled in
    seq: int
    result: object = None  # the Perturbation an inject/override/stop made
    # More actions of the same apply_many() follow: a view that redraws for each action
    # may wait for the last (thousands of start-up injections, one redraw).
    more: bool = False


@dataclass(frozen=True)
class ActionRefused:
    action: Action
    reason: str


@dataclass(frozen=True)
class CourseChanged:
    course: Course
    # Inside one apply_many(), with its actions' ActionApplied to follow: a view that
    # recomputes for the course and again for the last action may wait for that.
    more: bool = False


@dataclass(frozen=True)
class Seeked:
    t: float


@dataclass(frozen=True)
class StateChanged:
    state: SessionState


@dataclass(frozen=True)
class SystemProblem:
    message: str


@dataclass(frozen=True)
class DisplayChanged:
    """A display of the room joined, lost its link, or came back (network mode)."""
    display: str
    status: str  # "joined" | "lost" | "back"
    wall: float  # wall time (time.time) it was seen
    case_t: float


SessionEvent = (Tick | ValuesUpdated | AlarmChanges | ActionApplied | ActionRefused
                | CourseChanged | Seeked | StateChanged | SystemProblem | DisplayChanged)
