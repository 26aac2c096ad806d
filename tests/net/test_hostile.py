"""Hostile traffic on an open broker: a battery of malformed, extreme and forged messages
on every topic of the room, at a real instructor and a real bedside monitor. Neither may
end, apply any of it or be locked out; afterwards they still agree."""

from __future__ import annotations

import json
import time

import pytest
from net_support import instructor, monitor, wait_for

from dashboard.core.actions import INJECT, SPEED, Action, Actor
from dashboard.core.session_limits import MAX_DISTURBANCES
from dashboard.net.broker import EmbeddedBroker
from dashboard.net.link import BrokerUrl, MqttLink
from dashboard.net.protocol import RoomTopics
from dashboard.recording import read_session

ROOM = "sim7"
T = RoomTopics(ROOM)
CONSOLE = Actor("instructor", "console")


@pytest.fixture
def broker():
    with EmbeddedBroker(port=0) as b:
        yield b


def raw(kind: str, body: object, *, sender: str = "console", boot: str = "f0rged",
        seq: int = 1, ts: float | None = None, **extra: object) -> bytes:
    d = {"v": 1, "type": kind, "room": ROOM, "sender": sender, "boot": boot, "seq": seq,
         "ts": time.time() if ts is None else ts, "body": body}
    d.update(extra)
    return json.dumps(d).encode()


def deep(n: int) -> bytes:
    return b'{"a":' * n + b"1" + b"}" * n


def instructor_battery() -> list[tuple[str, bytes, bool]]:
    """(topic, payload, retained) that the instructor receives: presences and requests."""
    bed = T.display("bed-9")
    req = T.request_from("bed-9")
    ack = {"action": {"kind": "acknowledge", "args": {"alarm_id": None}}}
    out = [
        (bed, raw("display", {"online": True, "case_t": 10**400}, sender="bed-9"), False),
        (bed, raw("display", {"online": True, "case_t": "nan"}, sender="bed-9"), False),
        (bed, raw("display", {"online": True, "case_t": 1e308}, sender="bed-9"), False),
        (bed, raw("display", {"online": True, "drops": {"x": 10**400}}, sender="bed-9",
                  seq=2), False),
        (bed, raw("display", {"online": True, "drops": [1, 2]}, sender="bed-9", seq=3),
         False),
        (bed, raw("display", {"online": "yes"}, sender="bed-9", seq=4), False),
        (bed, raw("display", {"online": True, "last_drop": {"x": 1}}, sender="bed-9",
                  seq=5), False),
        (bed, raw("display", {"online": True}, sender="bed-2"), False),  # not its topic
        (bed, raw("display", {"online": True}, sender="bed-9", seq=10**400), False),
        (bed, raw("display", {"online": True}, sender="bed-9").replace(b'"ts": ',
                                                                        b'"ts": 1e400, "x": '),
         False),
        (bed, deep(5000), False),
        (bed, b"[" * 100_000, False),
        (bed, b"\xff\xfe\x00", False),
        (bed, b" " * 300_000, False),
        (req, raw("request", ack, sender="bed-2"), False),             # credited by topic
        (req, raw("request", {"action": {"kind": "speed", "args": {"value": 10}}},
                  sender="bed-9", seq=2), False),                        # instructor-only
        (req, raw("request", {"action": {"kind": "limits", "args": {
            "parameter": "spo2", "low": 10**400}}}, sender="bed-9", seq=3), False),
        (req, raw("request", {"action": {"kind": "limits", "args": {
            "parameter": "spo2", "low": "nan"}}}, sender="bed-9", seq=4), False),
        (req, raw("request", {"action": [[[[]]]]}, sender="bed-9", seq=5), False),
        (req, raw("request", ack, sender="bed-9", seq=6), True),        # retained: stale
    ]
    return out


def monitor_battery(real_boot: str, real_state: dict) -> list[tuple[str, bytes, bool]]:
    """What the monitor receives: states, actions, the instructor's presence."""
    huge = dict(real_state, seq=real_state["seq"] + 1)
    speed10 = {"kind": "speed", "args": {"value": 10.0}}
    return [
        (T.state, raw("state", dict(real_state, seed=10**400)), False),
        (T.state, raw("state", dict(real_state, seed=2**70), seq=2), False),
        (T.state, raw("state", dict(real_state, seq="1"), seq=3), False),
        (T.state, raw("state", dict(real_state, disturbances=[{"kind": 10**400}]),
                      seq=4), False),
        (T.state, raw("state", dict(real_state, disturbances=[{}] * (MAX_DISTURBANCES + 1)),
                      seq=5), False),
        (T.state, raw("state", dict(real_state, anchor={"case_t": "nan", "speed": 1e400,
                                                        "paused": False, "wall": 1.0}),
                      seq=6), False),
        (T.state, raw("state", dict(real_state, operator_actions=[{"seq": 10**30}]),
                      seq=7), False),
        (T.state, raw("state", dict(real_state, scenario_hash=10**400), seq=8), False),
        # The real instructor's own boot id, its own state, seq 10**15: a lock-out.
        (T.state, raw("state", huge, boot=real_boot, seq=10**15), False),
        (T.action, raw("action", {"action": speed10, "seq": 1}, boot=real_boot,
                       seq=10**15), False),
        # A well-formed action from another process than the instructor's.
        (T.action, raw("action", {"action": speed10, "seq": real_state["seq"] + 1,
                                  "session": real_state["session"]}, seq=9), False),
        (T.action, raw("action", {"action": speed10, "seq": 10**400}, seq=10), False),
        (T.action, raw("action", {"action": speed10, "seq": real_state["seq"] + 1},
                       boot=real_boot, seq=10**9 - 1), True),             # retained
        (T.instructor, raw("instructor", {"online": False}, seq=11), False),  # fake offline
        (T.instructor, raw("instructor", {"online": "no"}, seq=12), False),
        (T.instructor, raw("instructor", {"online": True, "drops": {"a": {"b": 1}}},
                           seq=13), False),
        (T.instructor, raw("instructor", {"online": True}, v=10**400), False),
        (T.instructor, deep(3000), False),
        (T.state, raw("state", {"x": "y" * 5000}, seq=14), False),
        (T.state, b"null", False),
    ]


def test_hostile_traffic_on_every_topic_ends_nobody_and_they_still_agree(broker, tmp_path):
    ins = instructor(broker.url, ROOM, tmp_path)
    bed = monitor(broker.url, ROOM, "bed-1", tmp_path)
    forger = MqttLink(BrokerUrl.parse(broker.url), subscriptions=[])
    forger.start()
    room = [ins, bed]
    try:
        assert forger.wait_connected(10)
        wait_for(lambda: bed.bridge.synced and "bed-1" in ins.bridge.displays and
                 bed.bridge.status == "", room, what="in step")
        to_ins = instructor_battery()
        to_bed = monitor_battery(ins.bridge.sender.boot, ins.controller.state().to_json())
        for topic, payload, retain in to_ins + to_bed:
            forger.publish(topic, payload, retain=retain)
        # Every one of them dropped and counted (none applied), nobody raised.
        wait_for(lambda: ins.bridge.guard.drops.total >= len(to_ins) and
                 bed.bridge.guard.drops.total >= len(to_bed), room, what="all dropped")
        for _ in range(30):
            for n in room:
                n.step()
        assert ins.bridge.guard.drops.total == len(to_ins), ins.bridge.guard.drops
        assert bed.bridge.guard.drops.total == len(to_bed), bed.bridge.guard.drops
        assert ins.bridge.requests_applied == 0
        assert set(ins.bridge.displays) == {"bed-1"}
        assert bed.controller.clock.speed == 1.0
        # The real instructor is not locked out: what it does next reaches the bedside.
        ins.controller.apply(Action.make(SPEED, {"value": 2.0}, CONSOLE))
        ins.controller.apply(Action.make(INJECT, {"injection": "pump_stop"}, CONSOLE))
        wait_for(lambda: bed.controller.seq == ins.controller.seq == 2 and
                 bed.controller.clock.speed == 2.0, room, what="the instructor followed")
        wait_for(lambda: abs(bed.controller.case_time() - ins.controller.case_time()) < 1.0
                 and {a.alarm_id for a in bed.controller.alarms.active_alarms()} ==
                 {a.alarm_id for a in ins.controller.alarms.active_alarms()}, room,
                 what="agreeing")
        assert bed.bridge.status == ""            # the fake "offline" was not taken
        assert bed.controller.session_id == ins.controller.session_id
    finally:
        forger.stop()
        for n in room:
            n.close()
    rec = read_session(tmp_path / "session.jsonl")
    assert [a for a in rec.replay_actions() if a.actor.role == "trainee"] == []
