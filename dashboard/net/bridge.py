"""Bridges between a SessionController and the room's MQTT topics.

Thread rule: the paho thread only fills the link's inbox; :meth:`pump` drains it on the
controller's own thread (the Qt frame timer or the headless loop) before each tick, so
nothing from the network touches the session from another thread.

InstructorBridge (the authority)
    publishes the retained session state on every ``StateChanged`` and once more
    :data:`STATE_SETTLE_S` after the last, and each applied action on the action topic;
    receives trainee requests from displays, each on the
    display's own topic ``icu/ROOM/request/NAME`` (which the broker lets only that
    display's account publish), and applies them with NAME as actor (so they land in
    the one session log the instructor keeps); tracks which displays are present and
    what each dropped.

Nothing that arrives ends a process: every field of every message is checked before it
is used (:mod:`dashboard.net.guard`, :mod:`dashboard.net.bodies`), and what still fails
while being applied is dropped and counted like any malformed message.

InstructorBridge also tells the controller who is in the room
(``controller.display_presence``): a display's presence message, its last will, its
silence for longer than :data:`PRESENCE_LOST_S`, and the instructor's own link going
down (then no display can be seen) make it "lost"; its next presence, "back".

MonitorBridge (a follower, ``controller.authority = False``)
    adopts the instructor's state. A state of another session (``SessionState.session``:
    a restarted instructor, a scenario chosen in the pre-brief) or of another scenario
    is handed to ``rebuild``: the bedside loads the same built-in scenario by id
    (:func:`dashboard.net.follow.course_for_state`) and makes itself again on it. What
    it cannot follow (a file it does not have, another version) is refused: ``refused``
    holds the one line, nothing was changed, and the next good state is taken. It
    re-anchors its clock on every state, applies the instructor's actions in sequence
    (a gap waits for the next state, which always follows an action) -- those of one
    pump in one batch (:func:`dashboard.net.follow.apply_in_seq`) -- and sends trainee
    actions up. When the link or the instructor is gone it keeps running on its own
    clock at the last speed and ``status`` says so; paho reconnects and the retained
    state resynchronises it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from dashboard.core.actions import TRAINEE, UPLINK_KINDS, Action, ActionError, Actor
from dashboard.core.events import ActionApplied, StateChanged
from dashboard.core.session_controller import ScenarioMismatch, SessionController
from dashboard.core.session_state import SessionState, StateError
from dashboard.net.follow import apply_in_seq, course_for_state
from dashboard.net.guard import MessageGuard
from dashboard.net.link import MqttLink
from dashboard.net.protocol import (
    ACTION,
    DISPLAY,
    INSTRUCTOR,
    REQUEST,
    STATE,
    Envelope,
    ProtocolError,
    RoomTopics,
)
from replay_data.course import Course

PRESENCE_EVERY_S = 10.0
# The instructor publishes its state once more this long after the last change (or after
# its link came up): a broker may store an older state of a burst last (amqtt handles the
# QoS 1 publishes of one burst concurrently: a late joiner under load adopted the state of
# before the speed and the lock, and stayed on it until the next action). A follower
# already in step only re-anchors its clock on it. Once, not periodically: with 5,000
# disturbances a state is 4 MB and 70 ms to make.
STATE_SETTLE_S = 2.0
# A display silent for this long (three presence periods and some) has lost its link,
# also when the broker could not send its last will (the broker itself restarted).
PRESENCE_LOST_S = 3 * PRESENCE_EVERY_S + 5.0


def instructor_subscriptions(room: str) -> list[str]:
    t = RoomTopics(room)
    return [t.requests, t.displays]


def monitor_subscriptions(room: str) -> list[str]:
    t = RoomTopics(room)
    return [t.state, t.action, t.instructor]


class _Sender:
    """Envelopes from one process: one boot id, a counter per message type."""

    def __init__(self, room: str, name: str, wall: Callable[[], float]) -> None:
        self.room, self.name, self.wall = room, name, wall
        self.boot = uuid.uuid4().hex[:16]
        self._seq: dict[str, int] = {}

    def envelope(self, kind: str, body: dict) -> bytes:
        seq = self._seq.get(kind, 0) + 1
        self._seq[kind] = seq
        return Envelope(kind, self.room, self.name, self.boot, seq, self.wall(), body).encode()

    def will(self, kind: str, body: dict) -> bytes:
        """The last will: seq 0, so receivers take it whatever this process sent after
        it was made (see dashboard.net.guard)."""
        return Envelope(kind, self.room, self.name, self.boot, 0, self.wall(), body).encode()


@dataclass
class DisplayPresence:
    name: str
    online: bool
    drops: dict[str, int] = field(default_factory=dict)
    last_drop: str = ""
    case_t: float | None = None
    seen_wall: float = 0.0


class _Bridge:
    def __init__(self, controller: SessionController, link: MqttLink, room: str,
                 name: str, wall: Callable[[], float]) -> None:
        self.controller = controller
        self.link = link
        self.topics = RoomTopics(room)
        self.name = name
        self.wall = wall
        self.guard = MessageGuard(self.topics, wall)
        self.sender = _Sender(room, name, wall)

    @property
    def drops(self) -> dict[str, int]:
        return self.guard.drops.to_json()

    def pump(self) -> None:
        for m in self.link.drain():
            env = self.guard.admit(m.topic, m.payload, m.retain)
            if env is None:
                continue
            try:
                self._handle(env)
            except Exception as exc:  # nothing from the network may end this process
                # The checks before should have caught it; counted so it is seen.
                why = str(exc).splitlines()[0][:80] if str(exc) else ""
                self.guard.drop("malformed", f"{env.type} from {env.sender}: "
                                             f"{type(exc).__name__} {why}")
        self._drained()

    def _handle(self, env: Envelope) -> None:
        raise NotImplementedError

    def _drained(self) -> None:
        """After the messages of one pump were handled."""


class InstructorBridge(_Bridge):
    def __init__(self, controller: SessionController, link: MqttLink, room: str,
                 name: str = "console", wall: Callable[[], float] | None = None) -> None:
        super().__init__(controller, link, room, name, wall or controller.wall)
        self.displays: dict[str, DisplayPresence] = {}
        self.requests_applied = 0
        self._unsubscribe = controller.subscribe(self._on_event)
        self._last_drops = -1
        self._was_connected = False
        self._resend_at: float | None = None  # when the settled state goes out again

    def start(self) -> None:
        self.publish_state(self.controller.state())
        self._presence(True)
        self.link.set_will(*self.will())
        self.link.start()

    def will(self) -> tuple[str, bytes]:
        return self.topics.instructor, self.sender.will(INSTRUCTOR, {"online": False})

    def rebind(self, controller: SessionController) -> None:
        """The session goes on in a new controller (a scenario chosen in the pre-brief):
        publish it from now on. The displays present are present in it too (its session
        log says they joined)."""
        self._unsubscribe()
        self.controller = controller
        self._unsubscribe = controller.subscribe(self._on_event)
        now = self.wall()
        for d in sorted(self.displays.values(), key=lambda d: d.name):
            if d.online:
                controller.display_presence(d.name, True, now)
        self.publish_state(controller.state())

    def publish_state(self, state: SessionState) -> None:
        self._send_state(state)
        self._resend_at = self.wall() + STATE_SETTLE_S

    def _send_state(self, state: SessionState) -> None:
        self.link.publish(self.topics.state, self.sender.envelope(STATE, state.to_json()),
                          retain=True)

    def _presence(self, online: bool) -> None:
        self.link.publish(self.topics.instructor, self.sender.envelope(
            INSTRUCTOR, {"online": online, "drops": self.drops}), retain=True)

    def _on_event(self, ev: object) -> None:
        if isinstance(ev, StateChanged):
            self.publish_state(ev.state)
        elif isinstance(ev, ActionApplied):
            self.link.publish(self.topics.action, self.sender.envelope(
                ACTION, {"action": ev.action.to_json(), "seq": ev.seq,
                         "session": self.controller.session_id}))

    def pump(self) -> None:
        connected = self.link.connected
        if connected and not self._was_connected:
            # (Re)connected: the broker delivers the displays' retained presence again;
            # they say who is still there, so they are not ignored as seen before.
            self.guard.forget(DISPLAY)
            # What was queued while it was down goes out as one burst: settle after it.
            self._resend_at = self.wall() + STATE_SETTLE_S
        elif self._was_connected and not connected:
            # Our own link is down: no display can be seen from here.
            for d in self.displays.values():
                self._set_online(d, False)
        self._was_connected = connected
        super().pump()
        now = self.wall()
        for d in self.displays.values():
            if d.online and now - d.seen_wall > PRESENCE_LOST_S:
                self._set_online(d, False)  # silent: its link is gone (no will came)
        total = self.guard.drops.total
        if total != self._last_drops and connected:
            self._last_drops = total
            self._presence(True)
        if connected and self._resend_at is not None and now >= self._resend_at:
            self._resend_at = None
            self._send_state(self.controller.state())

    def _set_online(self, d: DisplayPresence, online: bool) -> None:
        d.online = online
        self.controller.display_presence(d.name, online, self.wall())

    def _handle(self, env: Envelope) -> None:
        if env.type == REQUEST:
            self._request(env)
        elif env.type == DISPLAY:
            # Checked by the guard (dashboard.net.bodies): the sender is the NAME of the
            # topic display/NAME, the drops are small counts, case_t a case time or null.
            body = env.body
            case_t = body.get("case_t")
            d = DisplayPresence(
                env.sender, body["online"], dict(body.get("drops", {})),
                body.get("last_drop", ""),
                None if case_t is None else float(case_t), self.wall())
            self.displays[env.sender] = d
            self.controller.display_presence(d.name, d.online, d.seen_wall)
        # state/action/instructor messages are our own, echoed back: nothing to do

    def _request(self, env: Envelope) -> None:
        try:
            action = Action.from_json(env.body.get("action"))
        except ActionError as exc:
            self.guard.drop("malformed", f"request from {env.sender}: {exc}")
            return
        if action.kind not in UPLINK_KINDS or action.actor.role != TRAINEE:
            self.guard.drop("forged", f"request from {env.sender}: {action.kind} by "
                                      f"{action.actor.role} is not a trainee action")
            return
        # The display's name is the NAME of the topic request/NAME it came on (the guard
        # drops a sender that differs; the broker lets only NAME's account publish
        # there), never the action's own actor; the time is the instructor's now: the
        # session log holds one timeline.
        done = self.controller.apply(Action.make(action.kind, dict(action.args),
                                                 Actor(TRAINEE, env.sender)))
        if done is not None:
            self.requests_applied += 1

    def presence_lines(self) -> list[str]:
        """One line per display for the console, and what this console dropped."""
        lines = []
        for d in sorted(self.displays.values(), key=lambda d: d.name):
            state = "connected" if d.online else "GONE"
            dropped = sum(d.drops.values())
            lines.append(f"{d.name}: {state}" + (f", dropped {dropped}" if dropped else ""))
        if self.guard.drops.total:
            lines.append(f"console dropped {self.guard.drops.total} "
                         f"({self.guard.drops.last})")
        return lines

    def stop(self) -> None:
        self._unsubscribe()
        self.link.stop(farewell=(self.topics.instructor, self.sender.envelope(
            INSTRUCTOR, {"online": False, "drops": self.drops})))


class MonitorBridge(_Bridge):
    def __init__(self, controller: SessionController, link: MqttLink, room: str,
                 name: str, wall: Callable[[], float] | None = None,
                 on_refused: Callable[[str], None] | None = None,
                 rebuild: Callable[[Course], SessionController] | None = None) -> None:
        super().__init__(controller, link, room, name, wall or controller.wall)
        self._bind(controller)
        self.on_refused = on_refused
        # Makes the bedside again on a course (another scenario or a new session) and
        # returns its new controller; None: a state of another scenario is refused.
        self.rebuild = rebuild
        self.refused = ""           # a state this bedside cannot follow: the one line
        self.rebuilds = 0
        self.synced = False         # adopted the instructor's state at least once
        self.instructor_online = False
        self.adoptions = 0
        # The instructor process (sender, boot) whose state this bedside follows: its
        # actions and its presence only (another process's state comes first).
        self.authority: tuple[str, str] | None = None
        self._presence_wall = -1e18
        self._presence_drops = -1
        # Broadcast actions in seq order not applied yet: a burst (a reconnect, a script)
        # is applied as one apply_many() at the end of the pump, or before the next
        # message of another kind, not one course rebuild and redraw per action.
        self._pending: list[tuple[int, object]] = []  # (seq, the action as sent)

    def _bind(self, controller: SessionController) -> None:
        self.controller = controller
        controller.authority = False
        controller.uplink = self.send_request

    def will(self) -> tuple[str, bytes]:
        return self.topics.display(self.name), self.sender.will(DISPLAY, {"online": False})

    def start(self) -> None:
        self.link.set_will(*self.will())
        self.link.start()

    @property
    def link_lost(self) -> bool:
        return not (self.link.connected and self.instructor_online)

    @property
    def status(self) -> str:
        """Small-type status for the screen ('' when all is well)."""
        if self.refused:
            return self.refused
        if not self.synced:
            return "waiting for the instructor"
        if self.link_lost:
            return (f"instructor link lost - running on at "
                    f"{self.controller.clock.speed:g}x")
        return ""

    def send_request(self, action: Action) -> None:
        body = {"action": Action.make(action.kind, dict(action.args),
                                      Actor(TRAINEE, self.name)).to_json()}
        # Never retained: a restarted instructor must not apply it again.
        self.link.publish(self.topics.request_from(self.name),
                          self.sender.envelope(REQUEST, body), retain=False)

    def pump(self) -> None:
        super().pump()
        now = self.wall()
        total = self.guard.drops.total
        if self.link.connected and (total != self._presence_drops or
                                    now - self._presence_wall >= PRESENCE_EVERY_S):
            self._presence_drops, self._presence_wall = total, now
            self.link.publish(self.topics.display(self.name), self.sender.envelope(DISPLAY, {
                "online": True, "drops": self.drops, "last_drop": self.guard.drops.last,
                "case_t": round(self.controller.case_time(), 3)}), retain=True)
        if not self.link.connected:
            self._presence_wall = -1e18   # announce again at once after a reconnect

    def _handle(self, env: Envelope) -> None:
        if env.type != ACTION:
            self._apply_pending()  # in the order they came: a state after the actions
        if env.type == STATE:
            self._state(env)
        elif env.type == ACTION:
            self._action(env)
        elif env.type == INSTRUCTOR:
            if self._from_authority(env):
                self.instructor_online = env.body["online"]
        # requests and other displays' presence: not for a monitor

    def _state(self, env: Envelope) -> None:
        try:
            state = SessionState.from_json(env.body)
        except (StateError, ProtocolError) as exc:
            self.guard.drop("malformed", f"state: {exc}")
            return
        c = self.controller
        same_session = self.synced and not self.refused and bool(state.session) and \
            state.session == c.session_id
        try:
            if same_session and state.seq == c.seq:
                c.follow_anchor(state.anchor)
            else:
                other_scenario = state.scenario_hash != c.scenario_hash
                if self.rebuild is not None and (other_scenario or
                                                 (self.synced and not same_session)):
                    # Another scenario, or a new session of the instructor: the bedside
                    # is made again on it (nothing of the old session stays on screen).
                    course = course_for_state(state, c)
                    self._bind(self.rebuild(course))
                    self.rebuilds += 1
                    c = self.controller
                c.adopt_state(state)
                self.adoptions += 1
        except ScenarioMismatch as exc:
            line = f"REFUSED: {exc}"
            if line != self.refused and self.on_refused is not None:
                self.on_refused(line)
            self.refused = line
            return
        except (StateError, ValueError) as exc:
            self.guard.drop("malformed", f"state: {exc}")
            return
        self.refused = ""
        self.synced = True
        self.authority = (env.sender, env.boot)

    def _from_authority(self, env: Envelope) -> bool:
        """From the instructor process whose state this display follows? (Before the
        first state, or while refusing one, there is none to hold to.)"""
        if self.authority is None or self.refused or \
                (env.sender, env.boot) == self.authority:
            return True
        if env.seq != 0:  # a will of an earlier process comes late: stale, not forged
            self.guard.drop("forged", f"{env.type} from {env.sender} ({env.boot[:8]}): "
                                      f"not the instructor whose state this display follows")
        return False

    def _action(self, env: Envelope) -> None:
        seq = env.body.get("seq")
        if not self.synced or type(seq) is not int:
            if type(seq) is not int:
                self.guard.drop("malformed", "action without seq")
            return
        c = self.controller
        if env.body.get("session", c.session_id) != c.session_id or self.refused:
            return                      # another session's: its state follows
        if not self._from_authority(env):
            return
        self._pending.append((seq, env.body.get("action")))

    def _drained(self) -> None:
        self._apply_pending()

    def _apply_pending(self) -> None:
        pending, self._pending = self._pending, []
        apply_in_seq(self.controller, pending, self.guard.drop)

    def stop(self) -> None:
        self.link.stop(farewell=(self.topics.display(self.name), self.sender.envelope(
            DISPLAY, {"online": False, "drops": self.drops})))
