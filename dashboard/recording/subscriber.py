"""SessionRecording: the session file as one more subscriber of a SessionController.

Whoever builds a recorded session builds this and hands it to the controller
(`SessionController(course, recording=SessionRecording(path))`); the controller knows
only the small `Recording` protocol of dashboard.core.session_controller. The controller
opens it where its own start-up needs it -- the session file first, so a file that
exists is refused before an alarm log is created, and a failing alarm log takes the new
session file away again -- then feeds it:

    alarm sink      every AlarmChange as the engine reports it (in case-time order with
                    the snapshots); a failing write is dropped by the controller's sinks
    ActionApplied   instructor and trainee actions, disturbances and their stops
    DisplayChanged  the room's displays coming and going
    each case second  a snapshot of the numerics every SNAPSHOT_EVERY_S

A write that fails (disk full, folder removed) is reported once as the controller's
SystemProblem and the recording stops; the monitor goes on. The End action completes
the file: `recorded_path` is then the finished session, for the debrief.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.alarms.engine import AlarmChange
from dashboard.core.actions import CONTROL, END, INJECT, OVERRIDE, RECORD_TYPE, STOP, Action
from dashboard.core.events import ActionApplied, DisplayChanged, SessionEvent
from dashboard.core.scenario_hash import scenario_hash
from dashboard.recording.writer import SessionRecorder
from replay_data.course import Course, Sample, is_scheduled

if TYPE_CHECKING:
    from dashboard.core.session_controller import SessionController

SNAPSHOT_EVERY_S = 60


class SessionRecording:
    """One session's file, written from one controller's events. `scenario_name` is what
    the header names (a built-in name or a .toml path; default the scenario's id)."""

    def __init__(self, path: str | os.PathLike[str], *, scenario_name: str | None = None,
                 fsync: bool = False) -> None:
        self.path = Path(path)
        self.scenario_name = scenario_name
        self.fsync = fsync
        self.live = False  # open and being written
        self.recorded_path: Path | None = None  # the session file once it is complete
        self._recorder: SessionRecorder | None = None
        self._controller: SessionController | None = None

    # ------------------------------------------------------------------ the controller's calls

    def open(self, controller: SessionController) -> None:
        """Create the file (refusing one that exists) and write its header."""
        c = self._controller = controller
        sc = c.course.scenario
        self._recorder = SessionRecorder(self.path, wall_clock=_recording_wall(c.wall),
                                         fsync=self.fsync)
        self.live = True
        self._recorder.start(scenario=self.scenario_name or sc.id, scenario_id=sc.id,
                             seed=c.course.seed, start=c.opened_at, speed=c.clock.speed,
                             scenario_hash=_scenario_hash(c))

    def discard(self) -> None:
        """The session did not start after all: no file left behind."""
        self.close()
        self.path.unlink(missing_ok=True)

    def write(self, change: AlarmChange) -> None:
        """Alarm sink. An OSError goes to the controller's sinks, which drop this sink and
        report it (actions and snapshots are still tried, as before the split)."""
        if self._recorder is not None:
            self._recorder.write(change)

    def on_event(self, event: SessionEvent) -> None:
        if self._recorder is None:
            return
        try:
            if isinstance(event, ActionApplied):
                self._action(self._recorder, event.action, event.result)
                if event.action.kind == END:
                    self._complete()
            elif isinstance(event, DisplayChanged):
                self._recorder.display(event.case_t, event.display, event.status, event.wall)
        except OSError as exc:
            self._drop(str(exc))

    def on_sample(self, sample: Sample) -> None:
        if self._recorder is not None and sample.t % SNAPSHOT_EVERY_S == 0:
            try:
                self._recorder.snapshot(sample)
            except OSError as exc:
                self._drop(str(exc))

    def close(self) -> None:
        rec, self._recorder, self.live = self._recorder, None, False
        if rec is not None:
            rec.close()

    # ------------------------------------------------------------------ inside

    @staticmethod
    def _action(rec: SessionRecorder, a: Action, result: object) -> None:
        who = {"display": a.actor.display, "role": a.actor.role}
        kind = RECORD_TYPE.get(a.kind)
        if kind == "instructor":
            rec.instructor(a.case_t, a.kind, display=a.actor.display, **a.args)
        elif kind == "trainee":
            rec.trainee(a.case_t, a.kind, display=a.actor.display, **a.args)
        elif a.kind in (INJECT, OVERRIDE, CONTROL):
            rec.perturbation(a.case_t, result, **who)
        elif a.kind == STOP and is_scheduled(a.arg("id")):
            # Recorded as the cut copy that replaces the scenario's own injection.
            rec.perturbation(a.case_t, result, **who)
        elif a.kind == STOP:
            rec.perturbation_stopped(a.case_t, a.arg("id"), **who)

    def _complete(self) -> None:
        """End of the session: the file is complete; later alarms are not part of it."""
        self._leave_sinks()
        self.recorded_path = self.path
        self.close()

    def _drop(self, message: str) -> None:
        self._leave_sinks()
        self._recorder, self.live = None, False
        if self._controller is not None:
            self._controller.report_problem(message)

    def _leave_sinks(self) -> None:
        sinks = self._controller.sinks.sinks if self._controller is not None else []
        if self in sinks:
            sinks.remove(self)


def _scenario_hash(c: SessionController) -> str:
    """The controller's scenario_hash, computed here: the controller opens its recording
    before it has made its own base course (SessionController.__init__)."""
    base = Course(c.course.scenario, c.course.seed, (), c.course.catalogue)
    return scenario_hash(base, c.profile)


def _recording_wall(wall: Callable[[], float]) -> Callable[[], float]:
    """The session file's wall clock: the epoch time at start-up moved on by the
    controller's own wall clock, so wall-clock durations in the debrief are the clock's
    (a ManualWall in tests and headless runs) and stamps are real dates."""
    epoch0, wall0 = time.time(), wall()
    return lambda: epoch0 + (wall() - wall0)


def recording_for(session_log: str | os.PathLike[str] | None, scenario_name: str | None = None
                  ) -> SessionRecording | None:
    """A SessionRecording for `session_log`, or None when the session is not recorded."""
    if session_log is None:
        return None
    return SessionRecording(session_log, scenario_name=scenario_name)
