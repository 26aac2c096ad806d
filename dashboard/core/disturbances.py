"""The session's disturbances -- injections, overrides, the team's console settings -- and
the course they make.

Values are a pure function of (scenario, disturbances, seed, case time), so changing a
disturbance means rebuilding the course from the undisturbed one (`base_course`). That is
what this module owns: the list, the ids (every disturbance has one, unique in the
session, so a stop names exactly what it ends), adding and stopping, and the batching
apply_many() uses so that 5,000 start-up injections rebuild the course once, not 5,000
times. The dispatch (dispatch.py) turns inject/override/control/stop actions into calls
here; the controller hears of each rebuilt course through `on_change` (it moves the
monitor on and publishes CourseChanged).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

from replay_data.controls import control_perturbation
from replay_data.course import Course, is_scheduled
from replay_data.perturbations import Perturbation, injection, override

from .actions import Action, ActionError
from .session_limits import MAX_DISTURBANCES


class Disturbances:
    """`course` is the scenario with `perturbations` in it; `base_course` the same
    scenario and seed without any. `on_change(course)` is called after every rebuild."""

    def __init__(self, course: Course, on_change: Callable[[Course], None]) -> None:
        self.base_course = Course(course.scenario, course.seed, (), course.catalogue)
        self.course = course
        self.perturbations: list[Perturbation] = list(course.perturbations)
        self._on_change = on_change
        self._ids = itertools.count(1)
        # apply_many(): the disturbances added while the course waits to be rebuilt once.
        self._deferred: list[Perturbation] | None = None
        self._id_cache: tuple[list[Perturbation], int, set[str]] | None = None

    # ------------------------------------------------------------------ from actions

    def inject(self, a: Action, t: float) -> tuple[Action, Perturbation]:
        """One of the scenario's injections, from now (or its `start`), under a new id
        unless the action names one (a replay keeps the recorded ids)."""
        start = t if a.arg("start") is None else a.arg("start")
        name = a.arg("injection")
        pid = a.arg("id") or self.next_id(name)
        p = injection(self.course.scenario, name, start, severity=a.arg("severity"),
                      duration=a.arg("duration"), pid=pid)
        if a.arg("until_stopped"):
            p = dataclasses.replace(p, duration=None)
        done = a.with_(case_t=t, start=p.start, id=p.id, severity=p.severity,
                       duration=p.duration)
        self.add(p)
        return done, p

    def override(self, a: Action, t: float) -> tuple[Action, Perturbation]:
        """A channel driven to a target value (the instructor's "set SpO2 to 82")."""
        channel = a.arg("channel")
        self.course.check_channel(channel)
        start = t if a.arg("start") is None else a.arg("start")
        pid = a.arg("id") or self.next_id(channel)
        p = override(channel, a.arg("target"), start, a.arg("transition"),
                     a.arg("duration"), pid=pid)
        done = a.with_(case_t=t, start=p.start, id=p.id)
        self.add(p)
        return done, p

    def control(self, a: Action, t: float) -> tuple[Action, Perturbation]:
        """A console setting (pump speed, FiO2, ...) as the disturbance it makes; who may
        set it (a locked console) is the dispatch's to check, before this."""
        p = control_perturbation(self.course, a.arg("control"), a.arg("value"), t,
                                 self.next_id(a.arg("control")))
        done = a.with_(case_t=t)
        self.add(p)
        return done, p

    def stop(self, pid: str, t: float) -> Perturbation:
        """End disturbance `pid` at t; returns it as cut. A scenario's own injection (a
        drill's pump stop) is not in the list: its cut copy joins it under the same id
        and replaces it in the course."""
        scheduled = next((p for p in self.course.scheduled if p.id == pid), None)
        if scheduled is not None:
            if not scheduled.active_at(t):
                raise ActionError(f"the scheduled {pid!r} is not under way")
            cut = scheduled.stopped_at(t)
            self.add(cut)
            return cut
        if not any(p.id == pid for p in self.perturbations):
            raise ActionError(f"no active disturbance {pid!r}")
        if is_scheduled(pid):
            raise ActionError(f"the scheduled {pid!r} was already stopped")
        self.replace([p.stopped_at(t) if p.id == pid else p for p in self.perturbations])
        return next(p for p in self.perturbations if p.id == pid)

    # ------------------------------------------------------------------ the list

    def _ids_in_use(self) -> set[str]:
        """Ids of the disturbances, kept while the list is the same (thousands of
        start-up injections would otherwise collect them once per injection)."""
        ps = self.perturbations
        if self._id_cache is None or self._id_cache[0] is not ps or \
                self._id_cache[1] != len(ps):
            self._id_cache = (ps, len(ps), {p.id for p in ps})
        return self._id_cache[2]

    def next_id(self, name: str) -> str:
        """A fresh id "name#n", never one in use (a replay may have brought its own)."""
        taken = self._ids_in_use()
        while True:
            pid = f"{name}#{next(self._ids)}"
            if pid not in taken:
                return pid

    def add(self, p: Perturbation) -> None:
        held = len(self.perturbations)   # in a batch, the deferred list itself
        if held >= MAX_DISTURBANCES:
            raise ActionError(f"this session holds {held} disturbances already, the most "
                              "one session may (its state must reach every bedside)")
        taken = self._ids_in_use()
        if p.id in taken:
            raise ActionError(f"disturbance id {p.id!r} is already in use")
        if self._deferred is not None:
            # apply_many(): the course is rebuilt once, when the run of disturbances ends
            # (checked now as the rebuild would, so a refusal is this action's).
            self.base_course.check_perturbation(p)
            self._deferred.append(p)
            taken.add(p.id)
            self._id_cache = (self._deferred, len(self._deferred), taken)
            return
        self.replace([*self.perturbations, p])

    def replace(self, perturbations: list[Perturbation]) -> None:
        """The disturbances are now `perturbations`: the course is rebuilt (or, in a
        batch, waits for the batch to end)."""
        if self._deferred is not None:
            self._deferred = self.perturbations = perturbations
            return
        course = self.base_course.with_perturbations(perturbations)
        self.perturbations = perturbations
        self.course = course
        self._on_change(course)

    def adopt(self, base_course: Course, course: Course,
              perturbations: list[Perturbation]) -> None:
        """A follower takes the instructor's (already checked and built): no on_change,
        the follower publishes once its alarm history is rebuilt too."""
        self.base_course, self.course, self.perturbations = base_course, course, perturbations

    # ------------------------------------------------------------------ batching

    @property
    def batching(self) -> bool:
        return self._deferred is not None

    def begin_batch(self) -> None:
        """From here on, additions wait in a list; the course is rebuilt at end_batch()."""
        if self._deferred is None:
            self._deferred = list(self.perturbations)
            self.perturbations = self._deferred

    def end_batch(self, rebuild: bool) -> None:
        """The batch is over: rebuild the course once if anything was added (`rebuild`:
        some action of the batch was applied; refused ones changed nothing)."""
        self._deferred = None
        if rebuild:
            self.replace(self.perturbations)
