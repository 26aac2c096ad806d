"""SessionController: one running session without Qt -- the clock, the bedside core, the
alarm engine, the disturbances, the recording -- and the ONE dispatch of actions.

Everything that changes a session is an `Action` (actions.py). A key, a button, the
instructor console, a recording being replayed (`ReplayFeed`) and the network all end in
`apply()`, which checks who may do it, applies it and tells the subscribers:

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

Determinism: an action at case time t applies after every whole case second up to t has
been processed, live or replayed, at any speed and however coarse the ticks. So a
recording replays to the same alarm log at 1x and at 600x, in a window or headless.

Roles: `authority=True` (demo, instructor, a local monitor, headless) owns the session.
`authority=False` is a follower (a networked bedside monitor): request() hands trainee
actions to `uplink` (set by the network bridge) instead of applying them; the bridge
calls apply() with what the instructor broadcasts and adopt_state() with its state.

Recording: the controller writes no file but the alarm log. A session recording
(dashboard.recording.SessionRecording, or anything with the `Recording` protocol below)
is built by the caller and handed in; the controller opens it at start-up, feeds it its
alarm changes and each case second, and subscribes it first to its events. The debrief
is written by the caller too (dashboard.debrief.session_debrief), from `recorder.path`
or, once the session has ended, `recorded_path`.

Thread rule: only the thread that calls tick() touches the controller. Other threads
(a network client) hand work over with post(), drained at the start of the next tick().
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import queue
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from dashboard.alarms import AlarmChange, AlarmEngine, AlarmLog, load_profile
from dashboard.alarms.profile import AlarmProfile
from dashboard.core.actions import (
    ACKNOWLEDGE,
    ALARM_OFF,
    ALARM_PAUSE,
    AUDIO_OFF,
    AUDIO_PAUSE,
    BEGIN,
    CONTROL,
    END,
    FREEZE_SCREEN,
    INJECT,
    INSTRUCTOR_ROLES,
    JUMP,
    LIMITS,
    LOCK,
    NOTE,
    OPERATOR_KINDS,
    OPERATOR_SETTINGS,
    OVERRIDE,
    PAUSE,
    PLAY,
    RESPONSE_DONE,
    SEEK,
    SPEED,
    STOP,
    UPLINK_KINDS,
    Action,
    ActionError,
)
from dashboard.core.clock import ManualWall, ReplayClock
from dashboard.core.events import (
    ActionApplied,
    ActionRefused,
    AlarmChanges,
    CourseChanged,
    DisplayChanged,
    Seeked,
    SessionEvent,
    StateChanged,
    SystemProblem,
    Tick,
    ValuesUpdated,
)
from dashboard.core.monitor import BedsideMonitor
from dashboard.core.replay_feed import ReplayFeed
from dashboard.core.scenario_hash import scenario_hash
from dashboard.core.session_state import ClockAnchor, SessionState, StateError
from replay_data.controls import CONSOLES, CONTROLS, control_perturbation
from replay_data.course import Course, Sample, is_scheduled
from replay_data.errors import ReplayDataError, one_line
from replay_data.perturbation_data import perturbation_from_data, perturbation_to_data
from replay_data.perturbations import Perturbation, injection, override, split_injection_name

# Actions apply_many() applies without rebuilding the course after each: they only change
# the list of disturbances (a control reads the course as it stands, so it is not here).
BATCHED_KINDS = frozenset({INJECT, OVERRIDE, STOP})
# Applied actions the controller keeps with their results (`journal`): what the live
# checklist scores (who set what, the instructor's verbal ticks, where the clock jumped).
JOURNAL_KINDS = frozenset({INJECT, STOP, CONTROL, RESPONSE_DONE, SEEK, JUMP})


class ScenarioMismatch(ValueError):
    """adopt_state() with a state from another scenario (content hash differs)."""


# Re-exported: subscribers import the events from here, with the controller.
__all__ = ["ActionApplied", "ActionRefused", "AlarmChanges", "AlarmSinks", "CourseChanged",
           "ReplayFeed", "ScenarioMismatch", "Seeked", "SessionController", "SessionEvent",
           "StateChanged", "SystemProblem", "Tick", "ValuesUpdated", "scenario_hash"]


class Recording(Protocol):
    """What the controller needs of a session recording (dashboard.recording has the
    real one). open() creates the file and writes its header (raises OSError when it
    cannot); write() is an alarm sink; on_event() is subscribed first, on_sample() gets
    every case second the monitor processes; discard() removes a file whose session did
    not start; `live` is False once it is complete (End) or dropped after a failure."""

    path: Path
    live: bool
    recorded_path: Path | None

    def open(self, controller: SessionController) -> None: ...
    def discard(self) -> None: ...
    def write(self, change: AlarmChange) -> None: ...
    def on_event(self, event: SessionEvent) -> None: ...
    def on_sample(self, sample: Sample) -> None: ...
    def close(self) -> None: ...


class AlarmSinks:
    """The alarm engine's one sink, feeding the alarm log and the session recording.

    A sink that fails (disk full, folder removed) must not stop the monitor: the failure
    is reported once through `on_error` and that sink is dropped; the others go on.
    `muted` holds writes back while alarm history is rebuilt (already logged), and on a
    follower until it has adopted the authority's state."""

    def __init__(self, *sinks: object) -> None:
        self.sinks = [s for s in sinks if s is not None]
        self.on_error: Callable[[str], None] = lambda message: None
        self.errors: list[str] = []
        self.muted = False

    def write(self, change: AlarmChange) -> None:
        if self.muted:
            return
        for s in list(self.sinks):
            try:
                s.write(change)
            except OSError as exc:
                self.sinks.remove(s)
                self.errors.append(str(exc))
                self.on_error(str(exc))


# ------------------------------------------------------------------------------ controller


@dataclass
class DisplayStatus:
    """One display of the room: connected since (wall time of its first join), online
    now, when that last changed, and how often its link was lost."""
    name: str
    online: bool
    since: float
    changed: float
    lost: int = 0


class SessionController:
    """See the module docstring. `course` is the scenario with any disturbances already
    in it (a replay's, all of them); start/speed/playing set the clock; `wall` is the
    clock's wall time (a ManualWall for tests and headless runs; time.time in network
    mode so anchors compare across machines)."""

    def __init__(self, course: Course, *, start: float | None = None, speed: float = 1.0,
                 playing: bool = True, wall: Callable[[], float] | None = None,
                 alarm_log: str | Path | None = None, recording: Recording | None = None,
                 authority: bool = True, display: str = "demo",
                 profile: AlarmProfile | None = None) -> None:
        sc = course.scenario
        t0 = sc.default_start if start is None else float(start)
        self.wall = wall if wall is not None else time.monotonic
        self.clock = ReplayClock(t0, sc.end, speed=speed, playing=playing, begin=sc.start,
                                 wall=self.wall)
        self.profile = profile or load_profile(sc.alarm_profile)
        self.authority = authority
        self.display = display
        # This session's identity in the room (SessionState.session): new for every
        # controller, so a restarted instructor or a scenario chosen in the pre-brief is
        # a new session to every follower; a follower takes the one it adopts.
        self.session_id = uuid.uuid4().hex[:16]
        self.uplink: Callable[[Action], None] | None = None
        self.feed: ReplayFeed | None = None
        self._feeding = False
        self.course = course
        self.opened_at = t0  # the case time the session opened at
        # The session file first: it refuses to overwrite, and then no empty alarm log is
        # left behind; if the alarm log then fails, the new session file goes again.
        self.recording = recording
        if recording is not None:
            recording.open(self)
        try:
            self.alarm_log = AlarmLog(alarm_log) if alarm_log is not None else None
        except OSError:
            if recording is not None:
                recording.discard()
            raise
        self.sinks = AlarmSinks(self.alarm_log, recording)
        # Every failure of the simulator itself, in order: one at start-up (the first
        # alarm line on a full disk) happens before anyone has subscribed.
        self.problems: list[str] = []
        self.sinks.on_error = self._problem
        # A follower's alarms from its own start are not the room's: its logs begin with
        # the instructor's state (adopt_state's rebuild un-mutes and logs what is present).
        self.sinks.muted = not authority
        self.alarms = AlarmEngine(self.profile, sink=self.sinks)
        self.base_course = Course(sc, course.seed, (), course.catalogue)
        self.course = course
        self.perturbations: list[Perturbation] = list(course.perturbations)
        # apply_many(): the disturbances added while the course waits to be rebuilt once.
        self._deferred: list[Perturbation] | None = None
        self._run: list[SessionEvent] | None = None  # its events, published when it ends
        self._id_cache: tuple[list[Perturbation], int, set[str]] | None = None
        self.locked: set[str] = set()  # consoles the instructor has locked ("ecmo", "vent")
        # The room's displays as the instructor's network bridge sees them (network mode).
        self.displays: dict[str, DisplayStatus] = {}
        self.monitor = BedsideMonitor(course, self.alarms)
        if recording is not None:
            self.monitor.sample_listeners.append(recording.on_sample)
        self.seq = 0
        self.freeze_screen = False
        self.begun = playing  # False: a pre-brief (the clock waits for "begin")
        self.ended = False
        self._ids = itertools.count(1)
        self._subscribers: list[Callable[[SessionEvent], None]] = []
        # (action, result) of the JOURNAL_KINDS applied, in order.
        self.journal: list[tuple[Action, object]] = []
        if recording is not None:
            self.subscribe(recording.on_event)  # first: the file has it before anyone acts
        self._inbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._alarm_t = -math.inf  # latest case time the alarm engine has seen
        self._last_sample: Sample | None = None
        # Alarm operator actions applied, (seq, action), and where alarm history starts.
        self._operator_log: list[tuple[int, Action]] = []
        self.history_from = t0
        self.history_seq = 0
        self._hash: str | None = None
        self._seek_quietly(t0)

    def display_presence(self, name: str, online: bool, wall: float) -> DisplayChanged | None:
        """The network bridge saw display `name` come online or go (at wall time `wall`):
        keep `displays` and publish DisplayChanged ("joined" the first time, then "lost"
        and "back"). Nothing is published when nothing changed."""
        d = self.displays.get(name)
        if d is not None and d.online == online:
            return None
        if d is None:
            if not online:
                return None  # a display never seen online has nothing to lose
            d = self.displays[name] = DisplayStatus(name, True, since=wall, changed=wall)
            status = "joined"
        else:
            d.online, d.changed = online, wall
            d.lost += 0 if online else 1
            status = "back" if online else "lost"
        event = DisplayChanged(name, status, wall, self.clock.case_time())
        self._publish(event)
        return event

    @property
    def recorder(self) -> Recording | None:
        """The session recording while it is being written (None when not recorded,
        once the session has ended, or after its file failed)."""
        r = self.recording
        return r if r is not None and r.live else None

    @property
    def recorded_path(self) -> Path | None:
        """The session file once it is complete (the session has ended)."""
        return self.recording.recorded_path if self.recording is not None else None

    # ------------------------------------------------------------------ subscribers

    def subscribe(self, callback: Callable[[SessionEvent], None]) -> Callable[[], None]:
        """Call `callback(event)` for every event from now on; returns an unsubscribe."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)
        return unsubscribe

    def _publish(self, event: SessionEvent) -> None:
        for cb in list(self._subscribers):
            cb(event)

    def post(self, work: Callable[[], None]) -> None:
        """Thread-safe: run `work` on the controller's thread at the next tick()."""
        self._inbox.put(work)

    # ------------------------------------------------------------------ reading

    def case_time(self) -> float:
        return self.clock.case_time()

    @property
    def scenario_hash(self) -> str:
        if self._hash is None:
            self._hash = scenario_hash(self.base_course, self.profile)
        return self._hash

    def state(self) -> SessionState:
        """What the instructor publishes (retained) for displays that join."""
        c = self.clock
        anchor = ClockAnchor(c.case_time(), c.speed, not c.playing, c.wall_time())
        ops = tuple({**a.to_json(), "seq": seq} for seq, a in self._operator_log)
        return SessionState(self.course.scenario.id, self.scenario_hash, self.course.seed,
                            tuple(perturbation_to_data(p) for p in self.perturbations),
                            anchor, self.seq, ops, self.freeze_screen, self.history_from,
                            self.history_seq, tuple(sorted(self.locked)), self.session_id)

    # ------------------------------------------------------------------ the dispatch

    def request(self, action: Action) -> Action | None:
        """From a key or a button. The authority applies it; a follower sends trainee
        actions to the instructor (uplink) and refuses instructor-only ones."""
        if self.authority:
            return self.apply(action)
        if action.kind not in UPLINK_KINDS:
            self._refuse(action, "only the instructor can do that")
            return None
        if action.kind == CONTROL and action.actor.role not in INSTRUCTOR_ROLES:
            spec = CONTROLS.get(action.arg("control"))
            if spec is not None and spec.console in self.locked:
                # Known locked here (from the instructor's state): refused at once.
                self._refuse(action, f"the {spec.console} console is locked by the instructor")
                return None
        if self.uplink is None:
            self._refuse(action, "no link to the instructor")
            return None
        self.uplink(action)
        return None

    def apply(self, action: Action, *, strict: bool = False) -> Action | None:
        """Apply one action; returns it completed (None if refused: an ActionRefused event
        says why; with strict=True an ActionError is raised instead)."""
        applied = self._apply_one(action, strict)
        if applied is None:
            return None
        done, result, changes = applied
        if changes:
            self._publish(AlarmChanges(tuple(changes)))
        self._journal(done, result)
        self._publish(ActionApplied(done, self.seq, result))
        if self.authority:
            self._publish(StateChanged(self.state()))
        return done

    def apply_many(self, actions: Iterable[Action], *, strict: bool = False
                   ) -> list[Action | None]:
        """Apply actions in order, as apply() one by one would -- same results, same
        recording, same values, same events in the same order -- but disturbances
        (inject, override, stop) that follow each other rebuild the course once, not once
        each: 5,000 start-up injections would otherwise rebuild it 5,000 times.
        Subscribers get one CourseChanged for such a run, then each action's events
        (ActionApplied with more=True but for the last), then one StateChanged. With
        strict=True the first refusal raises ActionError after the actions before it
        have been applied (as apply() in a loop would)."""
        out: list[Action | None] = []
        try:
            for action in actions:
                if action.kind not in BATCHED_KINDS:
                    self._end_run()
                    out.append(self.apply(action, strict=strict))
                    continue
                t = self.clock.case_time() if action.case_t is None else action.case_t
                if math.floor(t) > self._alarm_t:
                    # Case seconds to process first: with the course as the actions
                    # before left it, as one by one.
                    self._end_run()
                if self._run is None:
                    self._run = []
                    self._deferred = list(self.perturbations)
                    self.perturbations = self._deferred
                applied = self._apply_one(action, strict, t)
                if applied is None:
                    out.append(None)
                    continue
                done, result, changes = applied
                self._journal(done, result)
                if changes:
                    self._run.append(AlarmChanges(tuple(changes)))
                self._run.append(ActionApplied(done, self.seq, result, more=True))
                out.append(done)
        finally:
            self._end_run()
        return out

    def _end_run(self) -> None:
        """apply_many(): rebuild the course once for the run of disturbances just applied,
        then tell the subscribers what happened, in order."""
        run, self._run, self._deferred = self._run, None, None
        if run is None:
            return
        applied = [i for i, ev in enumerate(run) if isinstance(ev, ActionApplied)]
        if applied:
            self._set_perturbations(self.perturbations)
            last = applied[-1]
            run[last] = dataclasses.replace(run[last], more=False)
        for ev in run:
            self._publish(ev)
        if applied and self.authority:
            self._publish(StateChanged(self.state()))

    def _apply_one(self, action: Action, strict: bool, t: float | None = None
                   ) -> tuple[Action, object, list[AlarmChange]] | None:
        """Check and apply one action at case time t (default: its own, else now);
        nothing published, nothing recorded yet."""
        if action.instructor_only and action.actor.role not in INSTRUCTOR_ROLES:
            return self._refuse(action, f"{action.kind}: only the instructor can do that",
                                strict)
        if self.ended and action.actor.role == "instructor":
            return self._refuse(action, "the session has ended", strict)
        if t is None:
            t = self.clock.case_time() if action.case_t is None else action.case_t
        try:
            if action.kind in OPERATOR_KINDS:
                done, result, changes = self._operator(action, t)
            else:
                done, result, changes = self._instructor(action, t)
        except (ActionError, ReplayDataError, ValueError) as exc:
            return self._refuse(action, one_line(str(exc)), strict)
        self.seq += 1
        if done.kind in OPERATOR_KINDS:
            self._operator_log.append((self.seq, done))
        return done, result, changes

    def _refuse(self, action: Action, reason: str, strict: bool = False) -> None:
        if strict:
            raise ActionError(f"{action.origin}: {reason}" if action.origin else reason)
        if self._run is not None:  # apply_many(): in order with the actions around it
            self._run.append(ActionRefused(action, reason))
            return None
        self._publish(ActionRefused(action, reason))
        return None

    def _catch_up(self, t: float) -> list[AlarmChange]:
        """Process every whole case second up to t (never backwards)."""
        if t < self._alarm_t:
            return []
        self.monitor.advance_to(t)
        self._alarm_t = max(self._alarm_t, math.floor(t))
        return self.monitor.take_changes()

    def _instructor(self, a: Action, t: float) -> tuple[Action, object, list[AlarmChange]]:
        changes = self._catch_up(t)
        done, result = a.with_(case_t=t), None
        k = a.kind
        if k == PLAY:
            self.clock.play()
        elif k == PAUSE:
            self.clock.pause()
        elif k == SPEED:
            self.clock.set_speed(a.arg("value"))
            if self.feed is not None and not self._feeding:
                self.feed.follow_speed = False  # the viewer chose a speed of their own
        elif k in (SEEK, JUMP):
            target = a.arg("target") if k == SEEK else \
                self.course.scenario.event(a.arg("event")).t
            if changes:  # what happened up to the seek, before the view jumps
                self._publish(AlarmChanges(tuple(changes)))
                changes = []
            self.clock.seek(target)
            self._seek_quietly(self.clock.case_time(), history_seq=self.seq + 1)
            if self.feed is not None and not self._feeding:
                self.feed.skip_to(self.clock.case_time())
            self._publish(Seeked(self.clock.case_time()))
        elif k == FREEZE_SCREEN:
            self.freeze_screen = bool(a.arg("on"))
        elif k == BEGIN:
            # The pre-brief is over: case time runs from here (a replay re-plays it).
            self.begun = True
            self.clock.play()
        elif k == END:
            self.ended = True
            self.clock.pause()
        elif k in (NOTE, RESPONSE_DONE):
            pass  # recorded (and shown in the debrief); the session itself is unchanged
        elif k == INJECT:
            start = t if a.arg("start") is None else a.arg("start")
            name = a.arg("injection")
            pid = a.arg("id") or self._next_id(name)
            p = injection(self.course.scenario, name, start, severity=a.arg("severity"),
                          duration=a.arg("duration"), pid=pid)
            if a.arg("until_stopped"):
                p = dataclasses.replace(p, duration=None)
            done, result = a.with_(case_t=t, start=p.start, id=p.id, severity=p.severity,
                                   duration=p.duration), p
            self._add(p)
        elif k == OVERRIDE:
            channel = a.arg("channel")
            self.course.check_channel(channel)
            start = t if a.arg("start") is None else a.arg("start")
            pid = a.arg("id") or self._next_id(channel)
            p = override(channel, a.arg("target"), start, a.arg("transition"),
                         a.arg("duration"), pid=pid)
            done, result = a.with_(case_t=t, start=p.start, id=p.id), p
            self._add(p)
        elif k == CONTROL:
            spec = CONTROLS.get(a.arg("control"))
            if spec is None:
                raise ActionError(f"unknown control {a.arg('control')!r}")
            if spec.console in self.locked and a.actor.role not in INSTRUCTOR_ROLES:
                raise ActionError(f"the {spec.console} console is locked by the instructor")
            p = control_perturbation(self.course, a.arg("control"), a.arg("value"), t,
                                     self._next_id(a.arg("control")))
            done, result = a.with_(case_t=t), p
            self._add(p)
        elif k == LOCK:
            if a.arg("console") not in CONSOLES:
                raise ActionError(f"unknown console {a.arg('console')!r} "
                                  f"(consoles: {', '.join(CONSOLES)})")
            (self.locked.add if a.arg("on") else self.locked.discard)(a.arg("console"))
        elif k == STOP:
            pid = a.arg("id")
            scheduled = next((p for p in self.course.scheduled if p.id == pid), None)
            if scheduled is not None:
                # The scenario's own injection (a drill's pump stop): its cut copy joins
                # the session's disturbances under the same id and replaces it.
                if not scheduled.active_at(t):
                    raise ActionError(f"the scheduled {pid!r} is not under way")
                result = scheduled.stopped_at(t)
                self._add(result)
            elif not any(p.id == pid for p in self.perturbations):
                raise ActionError(f"no active disturbance {pid!r}")
            elif is_scheduled(pid):
                raise ActionError(f"the scheduled {pid!r} was already stopped")
            else:
                self._set_perturbations([p.stopped_at(t) if p.id == pid else p
                                         for p in self.perturbations])
                result = next(p for p in self.perturbations if p.id == pid)
        else:  # pragma: no cover - every kind is handled above
            raise ActionError(f"unknown action {k!r}")
        return done, result, changes

    def _operator(self, a: Action, t: float) -> tuple[Action, object, list[AlarmChange]]:
        if t < self._alarm_t:
            # Taken at a moment this display has already passed (a follower ahead of the
            # instructor): rebuild alarm history with it in its place.
            done = a.with_(case_t=t)
            self._check_operator(done)
            self._operator_log.append((self.seq + 1, done))
            try:
                self._rebuild_alarms(self.clock.case_time())
            finally:
                self._operator_log.pop()
            return done, None, []
        changes = self._catch_up(t)
        changes += self._operate(a, t)
        self._alarm_t = t
        return a.with_(case_t=t), None, changes

    def _check_operator(self, a: Action) -> None:
        if a.kind == LIMITS and a.arg("parameter") not in self.profile.parameters:
            raise ActionError(f"no alarm limits for {a.arg('parameter')!r}")

    def _operate(self, a: Action, t: float) -> list[AlarmChange]:
        e, k = self.alarms, a.kind
        if k == ACKNOWLEDGE:
            return e.acknowledge(t, a.arg("alarm_id"))
        if k == AUDIO_PAUSE:
            return e.audio_pause(t, a.arg("on"))
        if k == ALARM_PAUSE:
            return e.alarm_pause(t, a.arg("on"))
        if k == AUDIO_OFF:
            return e.audio_off(t, a.arg("on"))
        if k == ALARM_OFF:
            return e.alarm_off(t, a.arg("target"), a.arg("on"))
        if k == LIMITS:
            return e.set_limits(t, a.arg("parameter"), low=a.arg("low"), high=a.arg("high"))
        raise ActionError(f"not an alarm operator action: {k!r}")

    # ------------------------------------------------------------------ disturbances

    def _ids_in_use(self) -> set[str]:
        """Ids of the disturbances, kept while the list is the same (thousands of
        start-up injections would otherwise collect them once per injection)."""
        ps = self.perturbations
        if self._id_cache is None or self._id_cache[0] is not ps or \
                self._id_cache[1] != len(ps):
            self._id_cache = (ps, len(ps), {p.id for p in ps})
        return self._id_cache[2]

    def _next_id(self, name: str) -> str:
        taken = self._ids_in_use()
        while True:
            pid = f"{name}#{next(self._ids)}"
            if pid not in taken:
                return pid

    def _add(self, p: Perturbation) -> None:
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
        self._set_perturbations([*self.perturbations, p])

    def _set_perturbations(self, perturbations: list[Perturbation]) -> None:
        if self._deferred is not None:
            self._deferred = self.perturbations = perturbations
            return
        course = self.base_course.with_perturbations(perturbations)
        self.perturbations = perturbations
        self.course = course
        # No seek: the change starts now, so history (and the alarm engine's state) up to
        # now is unchanged; only what is computed from here on differs.
        self.monitor.set_course(course)
        self._publish(CourseChanged(course))

    # ------------------------------------------------------------------ running

    def tick(self) -> float:
        """Advance to the clock's case time (every frame); returns it."""
        while True:
            try:
                work = self._inbox.get_nowait()
            except queue.Empty:
                break
            work()
        if self.feed is not None:
            self._feeding = True
            try:
                while (a := self.feed.due(self.clock.case_time())) is not None:
                    self.apply(a)
            finally:
                self._feeding = False
        t = self.clock.case_time()
        changes = self._catch_up(max(t, self._alarm_t))
        if changes:
            self._publish(AlarmChanges(tuple(changes)))
        latest = self.monitor.latest
        if latest is not self._last_sample and latest is not None:
            self._last_sample = latest
            self._publish(ValuesUpdated(latest))
        self._publish(Tick(t, self.clock.wall_time()))
        return t

    def advance(self, case_seconds: float, ticks: int = 1) -> None:
        """Headless and tests (a ManualWall clock): play `case_seconds` of case time in
        `ticks` ticks. Speed changes on the way (a replay's) change the wall time taken,
        not the case time played."""
        if not isinstance(self.wall, ManualWall):
            raise RuntimeError("advance() needs a controller on a ManualWall clock")
        ticks = max(1, int(ticks))
        remaining = float(case_seconds)
        for i in range(ticks):
            step = remaining / (ticks - i)
            self.wall.advance(step / self.clock.speed)
            remaining -= step
            self.tick()

    def replay(self, actions: Iterable[Action], *, follow_speed: bool = True) -> ReplayFeed:
        """Play recorded actions back through the dispatch at their case times. Each is
        checked against this scenario first (ActionError naming its origin)."""
        actions = list(actions)
        for a in actions:
            try:
                self.check(a)
            except (ActionError, ReplayDataError, ValueError) as exc:
                where = f"{a.origin}: " if a.origin else ""
                raise ActionError(one_line(f"{where}{exc}")) from None
        self.feed = ReplayFeed(actions, follow_speed=follow_speed)
        return self.feed

    def check(self, a: Action) -> None:
        """What can be checked against the scenario and alarm profile before applying."""
        sc, k = self.course.scenario, a.kind
        if k == JUMP:
            sc.event(a.arg("event"))
        elif k == INJECT:
            # "pump_stop:clamped" names a variant; injection() checks the variant itself
            if split_injection_name(a.arg("injection"))[0] not in sc.injections:
                raise ActionError(f"unknown injection {a.arg('injection')!r}")
            injection(sc, a.arg("injection"), 0.0, severity=a.arg("severity"),
                      duration=a.arg("duration"))
        elif k == OVERRIDE:
            self.course.check_channel(a.arg("channel"))
        elif k == ACKNOWLEDGE and a.arg("alarm_id") is not None and \
                a.arg("alarm_id") not in {r.id for r in self.profile.rules}:
            raise ActionError(f"unknown alarm id {a.arg('alarm_id')!r}")
        elif k == ALARM_OFF:
            target = a.arg("target")
            if target not in self.profile.parameters and \
                    target not in {r.id for r in self.profile.rules}:
                raise ActionError(f"unknown alarm {target!r}")
        self._check_operator(a)

    # ------------------------------------------------------------------ seeking, rebuilding

    def _seek_quietly(self, t: float, history_seq: int | None = None) -> None:
        """Monitor and alarm history at t (the engine rebuilt from a window before t)."""
        self.monitor.seek(t)
        self.monitor.take_changes()
        self._alarm_t = math.floor(t)
        self.history_from = t
        if history_seq is not None:
            self.history_seq = history_seq

    def _rebuild_alarms(self, now: float) -> None:
        """A fresh alarm engine brought to `now` exactly as the authority's: settings from
        before the last seek, then history from the seek with the operator actions since
        at their case times. Writes nothing to the logs but the alarms present at `now`."""
        engine = AlarmEngine(self.profile, sink=self.sinks)
        self.sinks.muted = True
        try:
            for seq, a in self._operator_log:
                if seq <= self.history_seq and a.kind in OPERATOR_SETTINGS:
                    engine.reset()
                    self._operate_on(engine, a)
            self.alarms = engine
            self.monitor.alarms = engine
            self.monitor.seek(self.history_from)
            self._alarm_t = math.floor(self.history_from)
            for _seq, a in sorted((x for x in self._operator_log if x[0] > self.history_seq),
                                 key=lambda x: (x[1].case_t, x[0])):
                self._catch_up(a.case_t)
                try:
                    self._operate(a, a.case_t)
                except ValueError:
                    pass  # refused there too (e.g. alarm off of Desat): changed nothing
                self._alarm_t = max(self._alarm_t, a.case_t)
            self._catch_up(max(now, self._alarm_t))
            self.monitor.take_changes()
        finally:
            self.sinks.muted = False
        self.monitor.pending_changes.clear()
        self.monitor._log_present(now)

    def _operate_on(self, engine: AlarmEngine, a: Action) -> None:
        saved, self.alarms = self.alarms, engine
        try:
            self._operate(a, a.case_t)
        except ValueError:
            pass
        finally:
            self.alarms = saved

    def follow_anchor(self, anchor: ClockAnchor, *, tolerance_s: float = 2.0) -> None:
        """Follower: put the clock where the instructor's stands (speed, paused, case
        time at this wall time) -- the cheap resynchronisation after each clock action or
        a periodic state. Alarm history is kept; only a jump back of more than
        `tolerance_s` of case time rebuilds it (smaller ones just wait: the monitor never
        processes a case second twice)."""
        c = self.clock
        now = min(max(anchor.case_time_at(c.wall_time()), c.begin), c.end)
        if c.speed != anchor.speed:
            c.set_speed(anchor.speed)
        c.pause() if anchor.paused else c.play()
        # Never a step back of the case time within the tolerance (latency, a pause that
        # arrived a moment late): the clock holds until the instructor's catches up.
        c.follow(now, hold_back_s=tolerance_s)
        if now < self._alarm_t - tolerance_s:
            self._rebuild_alarms(now)
            self._publish(Seeked(c.case_time()))

    def adopt_state(self, state: SessionState) -> None:
        """Follower: become the session `state` describes -- same disturbances, clock
        re-anchored to the instructor's, alarm state rebuilt. Everything is checked
        before anything changes (ScenarioMismatch, StateError)."""
        if state.scenario_hash != self.scenario_hash:
            raise ScenarioMismatch(
                f"scenario differs from the instructor's: {state.scenario_id!r} "
                f"(hash {state.scenario_hash[:12]}) here {self.course.scenario.id!r} "
                f"(hash {self.scenario_hash[:12]})")
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
        base = self.base_course if state.seed == self.base_course.seed else \
            Course(self.base_course.scenario, state.seed, (), self.base_course.catalogue)
        course = base.with_perturbations(perts)
        # Nothing above changed us; from here on it is all assignments and recomputation.
        self.base_course, self.course, self.perturbations = base, course, perts
        self.monitor.set_course(course)
        self._operator_log = ops
        self.history_from, self.history_seq = state.history_from, state.history_seq
        self.seq, self.freeze_screen = state.seq, state.freeze_screen
        self.locked = set(state.locked)
        same_session = bool(state.session) and state.session == self.session_id
        self.session_id = state.session or self.session_id
        a, c = state.anchor, self.clock
        now = min(max(a.case_time_at(c.wall_time()), c.begin), c.end)
        c.set_speed(a.speed)
        c.pause() if a.paused else c.play()
        if same_session:
            c.follow(now, hold_back_s=2.0)  # a resynchronisation: never a step back
        else:
            c.seek(now)  # another session: its clock, wherever it stands
        now = c.case_time()
        self._rebuild_alarms(now)
        self._publish(CourseChanged(course))
        self._publish(Seeked(c.case_time()))
        self._publish(AlarmChanges(()))

    # ------------------------------------------------------------------ journal, problems

    def _journal(self, a: Action, result: object) -> None:
        if a.kind in JOURNAL_KINDS:
            # Who did what, kept for the live checklist (a Perturbation has no actor).
            self.journal.append((a, result))

    def report_problem(self, message: str) -> None:
        """The simulator itself failed (a log not writable): kept, and SystemProblem."""
        self.problems.append(message)
        self._publish(SystemProblem(message))

    _problem = report_problem

    def close(self) -> None:
        if self.alarm_log is not None:
            self.alarm_log.close()
        if self.recording is not None and self.recording.live:
            self.recording.close()
        self._subscribers.clear()
