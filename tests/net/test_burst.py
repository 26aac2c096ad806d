"""A bedside catching up on a burst of the instructor's broadcast actions (issue 19):
applied as one batch, in order, with the seq checks of one by one -- the same session as
a bedside that takes them one message per pump. In memory: the instructor's real bridge
makes the envelopes, the bedside's real bridge takes them (no broker needed)."""

from __future__ import annotations

from case_support import case_course

from dashboard.core.actions import INJECT, NOTE, OVERRIDE, PAUSE, PLAY, Action, Actor
from dashboard.core.events import ActionApplied, CourseChanged
from dashboard.core.session_controller import SessionController
from dashboard.net.bridge import InstructorBridge, MonitorBridge
from dashboard.net.link import Incoming
from dashboard.net.protocol import ACTION

COURSE = case_course()
T0 = COURSE.scenario.event_times["ecmo_start"] + 2 * 3600
CONSOLE = Actor("instructor", "console")
WALL = 1.8e9


class MemoryLink:
    """What a bridge uses of MqttLink, in memory: published messages are kept."""

    connected = True

    def __init__(self) -> None:
        self.sent: list[Incoming] = []
        self.inbox: list[Incoming] = []

    def set_will(self, topic: str, payload: bytes) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self, farewell: object = None, timeout: float = 2.0) -> None:
        pass

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        self.sent.append(Incoming(topic, payload, retain))

    def drain(self, limit: int = 1000) -> list[Incoming]:
        out, self.inbox = self.inbox[:limit], self.inbox[limit:]
        return out


def burst(n: int) -> list[Action]:
    out = []
    for i in range(n):
        k, t = i % 6, T0 + 10.0 * i
        if k < 2:
            out.append(Action.make(INJECT, {"injection": "pump_stop", "start": t,
                                            "duration": 300.0}, CONSOLE))
        elif k == 2:
            out.append(Action.make(OVERRIDE, {"channel": "hr", "target": 80.0 + i,
                                              "start": t, "duration": 60.0}, CONSOLE))
        elif k == 3:
            out.append(Action.make(NOTE, {"text": f"note {i}"}, CONSOLE))
        else:
            out.append(Action.make(PAUSE if k == 4 else PLAY, {}, CONSOLE))
    return out


def instructor_burst(n: int) -> tuple[SessionController, InstructorBridge, list[Incoming],
                                      list[Incoming]]:
    """The instructor's retained state (before the burst) and its burst of actions."""
    inst = SessionController(COURSE, start=T0, wall=lambda: WALL, display="console")
    link = MemoryLink()
    bridge = InstructorBridge(inst, link, "room1")
    bridge.start()
    state, link.sent = list(link.sent), []
    for a in burst(n):
        assert inst.apply(a) is not None
    return inst, bridge, state, [m for m in link.sent if m.topic.endswith("/action")]


def bedside(state: list[Incoming]) -> tuple[SessionController, MonitorBridge, MemoryLink,
                                            list]:
    mon = SessionController(COURSE, start=COURSE.scenario.default_start, wall=lambda: WALL,
                            display="bed-1", authority=False)
    link = MemoryLink()
    bridge = MonitorBridge(mon, link, "room1", "bed-1")
    bridge.start()
    link.inbox = list(state)
    bridge.pump()
    assert bridge.synced
    events: list = []
    mon.subscribe(events.append)
    return mon, bridge, link, events


def pump_all(messages: list[Incoming], state: list[Incoming], per_pump: int = 1000
             ) -> tuple[SessionController, list]:
    """The bedside handed `messages`, `per_pump` of them drained per pump."""
    mon, bridge, link, events = bedside(state)
    link.inbox = list(messages)
    while link.inbox:
        queued = link.inbox
        link.inbox = queued[:per_pump]
        bridge.pump()
        link.inbox = queued[per_pump:]
        mon.tick()
    return mon, events


def session_of(c: SessionController) -> tuple:
    return (c.seq, [p.id for p in c.perturbations], c.course.perturbations,
            [(a.kind, a.args, a.case_t) for a, _ in c.journal], c.clock.playing)


def test_a_burst_is_applied_in_one_batch_as_one_by_one_would():
    inst, _, state, actions = instructor_burst(120)
    one_by_one, events1 = pump_all(actions, state, per_pump=1)
    batched, events2 = pump_all(actions, state)
    assert batched.seq == one_by_one.seq == inst.seq == 120
    assert session_of(batched) == session_of(one_by_one)
    assert [p.id for p in batched.perturbations] == [p.id for p in inst.perturbations]
    assert [a.kind for a, _ in batched.journal] == [a.kind for a in burst(120)]
    # The bedside redraws once for the burst, and rebuilds its course once per run of
    # disturbances between the notes and pauses (20 runs), not once per disturbance (60).
    applied = [e for e in events2 if isinstance(e, ActionApplied)]
    assert len(applied) == 120 and [e.more for e in applied].count(False) == 1
    assert applied[-1].more is False
    assert [e.seq for e in applied] == list(range(1, 121))
    assert sum(isinstance(e, CourseChanged) for e in events2) == 20
    assert all(e.more for e in events2 if isinstance(e, CourseChanged))
    assert sum(isinstance(e, CourseChanged) for e in events1) == 60


def test_a_gap_in_the_burst_stops_it_there_until_the_next_state():
    inst, _, state, actions = instructor_burst(30)
    lost = actions[:11] + actions[12:]  # seq 12 never arrived
    mon, _ = pump_all(lost, state)
    assert mon.seq == 11
    assert [p.id for p in mon.perturbations] == \
        [p.id for p in inst.perturbations][:len(mon.perturbations)]
    ref, _ = pump_all(lost, state, per_pump=1)
    assert session_of(mon) == session_of(ref)


def test_repeated_actions_in_a_burst_are_applied_once():
    inst, _, state, actions = instructor_burst(20)
    twice = actions[:10] + actions[5:15] + actions[10:]
    mon, _ = pump_all(twice, state)
    assert mon.seq == 20
    assert session_of(mon)[1] == [p.id for p in inst.perturbations]


def test_a_refused_action_in_a_burst_is_taken_as_one_by_one_would():
    """A broadcast this bedside cannot apply (here a made-up injection under the
    instructor's own envelope, seq 11): one by one, the seq stays at 10, so the real
    seq 11 after it is applied and the rest follow; the batch does the same."""
    inst, bridge, state, actions = instructor_burst(10)
    bad = Action.make(INJECT, {"injection": "no_such_injection", "start": T0}, CONSOLE)
    forged = Incoming(actions[0].topic, bridge.sender.envelope(ACTION, {
        "action": bad.to_json(), "seq": 11, "session": inst.session_id}), False)
    for a in burst(4):
        inst.apply(a)
    tail = [m for m in bridge.link.sent if m.topic.endswith("/action")][-4:]
    # Seq 11 is now the forged one; the instructor's real 11..14 come after it.
    messages = actions + [forged] + tail
    mon, events = pump_all(messages, state)
    ref, _ = pump_all(messages, state, per_pump=1)
    assert mon.seq == ref.seq == inst.seq == 14
    assert session_of(mon) == session_of(ref)
    assert [p.id for p in mon.perturbations] == [p.id for p in inst.perturbations]
    assert [type(e).__name__ for e in events].count("ActionRefused") == 1


def test_a_bedside_left_on_an_older_state_catches_up_on_the_settled_one():
    """A broker kept the state of before the speed change last (amqtt did, under load):
    the instructor sends its state once more STATE_SETTLE_S after the last change, and
    the bedside takes it; a bedside already in step only re-anchors its clock on it (no
    rebuild); and nothing more is sent while nothing changes."""
    from dashboard.net.bridge import STATE_SETTLE_S

    wall = [WALL]
    inst = SessionController(COURSE, start=T0, wall=lambda: wall[0], display="console")
    link = MemoryLink()
    bridge = InstructorBridge(inst, link, "room1")
    bridge.start()
    bridge.pump()  # the link is up: the state goes out once more when it settled
    wall[0] += STATE_SETTLE_S
    bridge.pump()
    old_state = [m for m in link.sent if m.topic.endswith("/state")]
    assert len(old_state) == 2
    assert inst.apply(Action.make("speed", {"value": 60}, CONSOLE)) is not None
    link.sent = []
    bed, bed_bridge, bed_link, _ = bedside(old_state)
    assert bed_bridge.synced and bed.clock.speed == 1  # the stale state, and no action
    wall[0] += STATE_SETTLE_S - 0.1
    bridge.pump()
    assert not [m for m in link.sent if m.topic.endswith("/state")]  # not yet
    wall[0] += 0.2
    bridge.pump()
    states = [m for m in link.sent if m.topic.endswith("/state")]
    assert len(states) == 1 and states[0].retain
    bed_link.inbox += states
    bed_bridge.pump()
    assert bed.clock.speed == 60 and bed.seq == inst.seq
    link.sent = []
    wall[0] += 10 * STATE_SETTLE_S
    bridge.pump()
    assert not [m for m in link.sent if m.topic.endswith("/state")]  # settled: once
    adoptions = bed_bridge.adoptions
    bed_link.inbox += states  # the same state again (a reconnect's): in step already
    bed_bridge.pump()
    assert bed_bridge.adoptions == adoptions  # the clock re-anchored, no rebuild
