"""SessionController: one running session without Qt -- the clock, the bedside core, the
alarm engine, the disturbances, the recording -- and the ONE dispatch of actions.

Everything that changes a session is an `Action` (actions.py). A key, a button, the
instructor console, a recording being replayed (`ReplayFeed`) and the network all end in
`apply()`, which checks who may do it, applies it through its kind's handler (the table
in dispatch.py) and tells the subscribers what happened, in order (the events, listed in
events.py: Tick, ValuesUpdated, AlarmChanges, ActionApplied, ActionRefused, CourseChanged,
Seeked, StateChanged, DisplayChanged, SystemProblem).

Determinism: an action at case time t applies after every whole case second up to t has
been processed, live or replayed, at any speed and however coarse the ticks. So a
recording replays to the same alarm log at 1x and at 600x, in a window or headless.

The jobs around the dispatch each have their module: what each kind does (dispatch.py),
the disturbances and the course they make (disturbances.py), the case seconds processed
and the alarm history a rebuild needs (alarm_history.py), the state a follower adopts
(follower_sync.py), the room's displays (room.py), the alarm log and recording it writes
to (sinks.py), and the journal of applied actions the live checklist reads (journal.py).
This module keeps what ties them together: roles, refusals, seq, events and threads.

Roles: `authority=True` (demo, instructor, a local monitor, headless) owns the session.
`authority=False` is a follower (a networked bedside monitor): request() hands trainee
actions to `uplink` (set by the network bridge) instead of applying them; the bridge
calls apply() with what the instructor broadcasts and adopt_state() with its state.

Recording: the controller writes no file but the alarm log. A session recording
(dashboard.recording.SessionRecording, or anything with the `Recording` protocol of
sinks.py) is built by the caller and handed in; the controller opens it at start-up,
feeds it its alarm changes and each case second, and subscribes it to its events before
anyone acts. The debrief is written by the caller too (dashboard.debrief.session_debrief),
from `recorder.path` or, once the session has ended, `recorded_path`.

Thread rule: only the thread that calls tick() touches the controller. Other threads
(a network client) hand work over with post(), drained at the start of the next tick().
"""

from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from dashboard.alarms import AlarmChange, AlarmEngine, AlarmLog, load_profile
from dashboard.alarms.profile import AlarmProfile
from replay_data.course import Course, Sample
from replay_data.errors import ReplayDataError, one_line
from replay_data.perturbations import Perturbation

from . import batch, dispatch, follower_sync
from .actions import INSTRUCTOR_ROLES, OPERATOR_KINDS, Action, ActionError
from .alarm_history import AlarmHistory
from .batch import HeldAlarmWrite
from .clock import ManualWall, ReplayClock
from .disturbances import Disturbances
from .events import (
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
from .follower_sync import ScenarioMismatch
from .journal import ActionJournal
from .monitor import BedsideMonitor
from .replay_feed import ReplayFeed
from .room import DisplayStatus, RoomDisplays
from .scenario_hash import scenario_hash
from .session_state import ClockAnchor, SessionState
from .sinks import AlarmSinks, Recording

# Re-exported: subscribers import the events from here, with the controller.
__all__ = ["ActionApplied", "ActionRefused", "AlarmChanges", "AlarmSinks", "CourseChanged",
           "DisplayStatus", "Recording", "ReplayFeed", "ScenarioMismatch", "Seeked",
           "SessionController", "SessionEvent", "StateChanged", "SystemProblem", "Tick",
           "ValuesUpdated", "scenario_hash"]


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
        # True while tick() applies the feed's own actions (a replay's speed and seeks);
        # a clock action otherwise is the viewer's choice (dispatch._viewer_chose).
        self.feeding = False
        self.disturbances = Disturbances(course, self._course_changed)
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
        self.sinks.on_error = self.report_problem
        # A follower's alarms from its own start are not the room's: its logs begin with
        # the instructor's state (adopt_state's rebuild un-mutes and logs what is present).
        self.sinks.muted = not authority
        self.history = AlarmHistory(course, self.profile, self.sinks, t0)
        self.monitor: BedsideMonitor = self.history.monitor
        if recording is not None:
            self.monitor.sample_listeners.append(recording.on_sample)
        self._run: list[SessionEvent] | None = None  # a run of disturbances' events
        # apply_many()'s events held back, with the alarm lines written among them.
        self._held: list[SessionEvent | HeldAlarmWrite] | None = None
        self._state_due = False  # a StateChanged owed at the end of apply_many()
        self.locked: set[str] = set()  # consoles the instructor has locked ("ecmo", "vent")
        # The room's displays as the instructor's network bridge sees them (network mode).
        self.displays = RoomDisplays()
        self.seq = 0
        self.freeze_screen = False
        self.begun = playing  # False: a pre-brief (the clock waits for "begin")
        self.ended = False
        self._subscribers: list[Callable[[SessionEvent], None]] = []
        # Every applied action with its result, for the live checklist: subscribed first,
        # so it has an action before any subscriber that might read it hears of it.
        self.journal = ActionJournal()
        self.subscribe(self.journal.on_event)
        if recording is not None:
            self.subscribe(recording.on_event)  # the file has it before anyone acts
        self._inbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._last_sample: Sample | None = None
        self._hash: str | None = None
        self.history.seek_quietly(t0)

    # ------------------------------------------------------------------ what it holds

    @property
    def course(self) -> Course:
        """The scenario with the session's disturbances in it (rebuilt when they change)."""
        return self.disturbances.course

    @property
    def base_course(self) -> Course:
        """The same scenario and seed without any disturbance."""
        return self.disturbances.base_course

    @property
    def perturbations(self) -> list[Perturbation]:
        return self.disturbances.perturbations

    @property
    def alarms(self) -> AlarmEngine:
        """The alarm engine (a new one after a follower's rebuild: read it each time)."""
        return self.history.engine

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

    def _course_changed(self, course: Course) -> None:
        # No seek: the change starts now, so history (and the alarm engine's state) up to
        # now is unchanged; only what is computed from here on differs.
        self.monitor.set_course(course)
        self.publish(CourseChanged(course))

    def display_presence(self, name: str, online: bool, wall: float) -> DisplayChanged | None:
        """The network bridge saw display `name` come online or go (at wall time `wall`):
        keep `displays` and publish DisplayChanged ("joined" the first time, then "lost"
        and "back"). Nothing is published when nothing changed."""
        event = self.displays.presence(name, online, wall, self.clock.case_time())
        if event is not None:
            self.publish(event)
        return event

    # ------------------------------------------------------------------ subscribers

    def subscribe(self, callback: Callable[[SessionEvent], None]) -> Callable[[], None]:
        """Call `callback(event)` for every event from now on; returns an unsubscribe."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)
        return unsubscribe

    def publish(self, event: SessionEvent) -> None:
        """Tell every subscriber, in the order they subscribed (the controller's own
        modules publish through here too: a seek's Seeked, a follower's rebuild). Inside
        apply_many() events are held and passed on, in order, at its end."""
        if self._held is not None:
            self._held.append(event)
            return
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
        return follower_sync.export_state(self)

    # ------------------------------------------------------------------ the dispatch

    def request(self, action: Action) -> Action | None:
        """From a key or a button. The authority applies it; a follower sends trainee
        actions to the instructor (uplink) and refuses instructor-only ones."""
        if self.authority:
            return self.apply(action)
        reason = follower_sync.uplink_refusal(self, action)
        if reason is not None or self.uplink is None:
            self._refuse(action, reason or "no link to the instructor")
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
            self.publish(AlarmChanges(tuple(changes)))
        self.publish(ActionApplied(done, self.seq, result))
        if self.authority:
            if self._held is not None:
                self._state_due = True  # apply_many(): one StateChanged at its end
            else:
                self.publish(StateChanged(self.state()))
        return done

    def apply_many(self, actions: Iterable[Action], *, strict: bool = False,
                   stop_at_refusal: bool = False) -> list[Action | None]:
        """Apply actions in order, as apply() one by one would, each run of disturbances
        rebuilding the course once, the subscribers told at the end (batch.py says how).
        strict=True: the first refusal raises ActionError (those before it applied);
        stop_at_refusal=True: the first refusal ends the call."""
        return batch.apply_many(self, actions, strict=strict,
                                stop_at_refusal=stop_at_refusal)

    def _apply_one(self, action: Action, strict: bool, t: float | None = None
                   ) -> tuple[Action, object, list[AlarmChange]] | None:
        """Check and apply one action at case time t (default: its own, else now);
        nothing published yet."""
        if action.instructor_only and action.actor.role not in INSTRUCTOR_ROLES:
            return self._refuse(action, f"{action.kind}: only the instructor can do that",
                                strict)
        if self.ended and action.actor.role == "instructor":
            return self._refuse(action, "the session has ended", strict)
        if t is None:
            t = self.clock.case_time() if action.case_t is None else action.case_t
        try:
            done, result, changes = dispatch.handle(self, action, t)
        except (ActionError, ReplayDataError, ValueError) as exc:
            return self._refuse(action, one_line(str(exc)), strict)
        self.seq += 1
        if done.kind in OPERATOR_KINDS:
            self.history.record(self.seq, done)
        return done, result, changes

    def _refuse(self, action: Action, reason: str, strict: bool = False) -> None:
        if strict:
            raise ActionError(f"{action.origin}: {reason}" if action.origin else reason)
        if self._run is not None:  # apply_many(): in order with the actions around it
            self._run.append(ActionRefused(action, reason))
            return None
        self.publish(ActionRefused(action, reason))
        return None

    def check(self, a: Action) -> None:
        """What can be checked against the scenario and alarm profile before applying."""
        dispatch.check(self, a)

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
            self.feeding = True
            try:
                while (a := self.feed.due(self.clock.case_time())) is not None:
                    self.apply(a)
            finally:
                self.feeding = False
        t = self.clock.case_time()
        changes = self.history.catch_up(max(t, self.history.alarm_t))
        if changes:
            self.publish(AlarmChanges(tuple(changes)))
        latest = self.monitor.latest
        if latest is not self._last_sample and latest is not None:
            self._last_sample = latest
            self.publish(ValuesUpdated(latest))
        self.publish(Tick(t, self.clock.wall_time()))
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

    # ------------------------------------------------------------------ following

    def follow_anchor(self, anchor: ClockAnchor, *, tolerance_s: float = 2.0) -> None:
        """Follower: put the clock where the instructor's stands -- the cheap
        resynchronisation after each clock action or a periodic state
        (follower_sync.follow_anchor)."""
        follower_sync.follow_anchor(self, anchor, tolerance_s)

    def adopt_state(self, state: SessionState) -> None:
        """Follower: become the session `state` describes (follower_sync.adopt_state);
        checked before anything changes (ScenarioMismatch, StateError)."""
        follower_sync.adopt_state(self, state)

    # ------------------------------------------------------------------ problems, closing

    def report_problem(self, message: str) -> None:
        """The simulator itself failed (a log not writable): kept, and SystemProblem."""
        self.problems.append(message)
        self.publish(SystemProblem(message))

    def close(self) -> None:
        if self.alarm_log is not None:
            self.alarm_log.close()
        if self.recording is not None and self.recording.live:
            self.recording.close()
        self._subscribers.clear()
