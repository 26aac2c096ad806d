"""A drill as a team runs it, scripted: the session from the drill's start at a speed
(5x by default, as a lab runs a drill it has little time for), the team's settings at
their times after the drill's own injection began, then the debrief's scoring of the
recording. Shared by the drill-library tests, so that every drill is run the same way:
once with the expected responses done in time (the patient recovers, "done" scored) and
once with nothing done (the patient deteriorates to the stated end point, "missed").

The clock is a ManualWall driven by hand (no sleeping); the values are read from the
controller's course, which carries what the team did, as the screens show them.

Imported by module name (`from drill_support import Step, run_drill`): tests/ is on
sys.path through pytest's prepend import mode."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from case_support import scenario

from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.debrief.scoring import ScoredResponse, score_session
from dashboard.recording import read_session, recording_for
from replay_data.course import Course, scheduled_id
from replay_data.scenario import Scenario

CONSOLE = Actor("instructor", "console")
# the display each console's settings come from, as on the bedside machine
DISPLAYS = {"ecmo": "ecmo-console", "vent": "vent-console", "care": "console"}


@dataclass(frozen=True)
class Step:
    """One setting the team makes, `after` case seconds after the injection began."""
    after: float
    control: str  # a control id, e.g. "control.ecmo.clamp_drainage"
    value: float

    @property
    def actor(self) -> Actor:
        family = self.control.split(".")[1]
        # The team's care at the bedside (control.care.*) is logged by the instructor at
        # the console on the team's behalf (replay_data.care).
        return Actor("instructor" if family == "care" else "trainee", DISPLAYS[family])


@dataclass
class DrillRun:
    scenario: Scenario
    controller: SessionController
    injection_start: float  # case time the drill's own injection began
    scored: list[ScoredResponse]
    session_log: Path

    def status(self) -> dict[str, str]:
        """Each expected response's result by its id-free label: {'Clamp the lines': 'done'}."""
        return {r.response: r.status for r in self.scored}

    def values(self, channels: Sequence[str], after: Sequence[float]) -> dict[str, np.ndarray]:
        """The channels at `after` seconds from the injection's start, with what the team
        did (the controller's course)."""
        t = self.injection_start + np.asarray(after, dtype=float)
        return self.controller.course.numerics(list(channels), t)

    def value(self, channel: str, after: float) -> float:
        return float(self.values([channel], [after])[channel][0])


def drill_injection_start(drill: Scenario, injection: str) -> float:
    """The case time the drill's own scheduled `injection` begins: the first one at or
    after the drill's start (the base case's own schedule is kept beside it)."""
    times = [s.t for s in drill.scheduled
             if s.injection == injection and s.t >= drill.default_start]
    if not times:
        raise LookupError(f"{drill.id}: no scheduled {injection!r} after the drill's start")
    return min(times)


def run_drill(drill_id: str, injection: str, steps: Sequence[Step], *, watch: float,
              folder: Path, speed: float = 5.0, tick: float = 2.0,
              stopped_after: float | None = None) -> DrillRun:
    """Run `drill_id` from its start: Begin, the injection at its scheduled time, each
    step at its time after it, then watch until `watch` s after the injection began;
    End. Ticks of at most `tick` case seconds, as a window's frames would step.
    `stopped_after`: the instructor stops the injection then (s after it began) -- a fix
    done at the bedside that no console control stands for (an oxygenator changed out,
    a cannula repositioned)."""
    drill = scenario(drill_id)
    path = folder / f"{drill_id}.jsonl"
    c = SessionController(Course(drill, 0), speed=speed, playing=False, wall=ManualWall(),
                          recording=recording_for(path, drill_id), display="console")
    c.apply(Action.make("begin", {}, CONSOLE), strict=True)
    t_inj = drill_injection_start(drill, injection)

    def play_to(t: float) -> None:
        dt = t - c.case_time()
        if dt > 0:
            c.advance(dt, ticks=max(1, math.ceil(dt / tick)))

    stop = [] if stopped_after is None else [Step(stopped_after, "stop", 0.0)]
    for step in sorted([*steps, *stop], key=lambda s: s.after):
        play_to(t_inj + step.after)
        if step.control == "stop":
            c.apply(Action.make("stop", {"id": scheduled_id(injection, t_inj)}, CONSOLE),
                    strict=True)
            continue
        action = Action.make("control", {"control": step.control, "value": step.value},
                             step.actor)
        if not c.request(action):
            raise AssertionError(f"{drill_id}: the controller refused {step}")
    play_to(t_inj + watch)
    c.apply(Action.make("end", {}, CONSOLE), strict=True)
    c.close()
    scored = [r for r in score_session(read_session(path), drill)
              if r.injection_start == t_inj]
    return DrillRun(drill, c, t_inj, scored, path)
