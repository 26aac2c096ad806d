"""Each display is its own identity: its requests travel on its own topic
(icu/ROOM/request/NAME, which a secured broker lets only that display's account publish),
are credited to that NAME whatever the payload claims, are never retained, and a retained
one left on the broker is never applied by a (re)started instructor. Works on an open
broker too (the ACLs are the secured broker's part)."""

from __future__ import annotations

import json
import time

import pytest
from net_support import instructor, monitor, wait_for

from dashboard.core.actions import ACKNOWLEDGE, INJECT, Action, Actor
from dashboard.net.broker import EmbeddedBroker
from dashboard.net.link import BrokerUrl, MqttLink
from dashboard.net.protocol import RoomTopics
from dashboard.recording import read_session

ROOM = "sim5"
T = RoomTopics(ROOM)
CONSOLE = Actor("instructor", "console")


@pytest.fixture
def broker():
    with EmbeddedBroker(port=0) as b:
        yield b


def request(sender: str, actor_display: str, seq: int, alarm_id: str | None = None) -> bytes:
    body = {"action": {"kind": "acknowledge", "args": {"alarm_id": alarm_id},
                       "actor": {"role": "trainee", "display": actor_display}}}
    return json.dumps({"v": 1, "type": "request", "room": ROOM, "sender": sender,
                       "boot": "0ther", "seq": seq, "ts": time.time(),
                       "body": body}).encode()


def trainee_actions(path) -> list[tuple[str, str]]:
    return [(a.kind, a.actor.display) for a in read_session(path).replay_actions()
            if a.actor.role == "trainee"]


def test_requests_are_credited_by_their_topic_and_a_retained_one_is_never_applied(
        broker, tmp_path):
    other = MqttLink(BrokerUrl.parse(broker.url), subscriptions=[T.requests])
    other.start()
    assert other.wait_connected(10)
    # Left on the broker by someone: a retained request, before the instructor starts.
    other.publish(T.request_from("bed-1"), request("bed-1", "bed-1", 1), retain=True)
    time.sleep(0.2)  # the broker has it before the instructor subscribes (not asserted)
    ins = instructor(broker.url, ROOM, tmp_path)
    bed = monitor(broker.url, ROOM, "bed-1", tmp_path)
    room = [ins, bed]
    try:
        wait_for(lambda: bed.bridge.synced and "bed-1" in ins.bridge.displays, room,
                 what="in step")
        # (amqtt may deliver a retained message once per matching subscription)
        wait_for(lambda: ins.bridge.guard.drops.counts["replayed"] >= 1, room,
                 what="the retained request dropped")
        assert ins.bridge.requests_applied == 0
        ins.controller.apply(Action.make(INJECT, {"injection": "pump_stop"}, CONSOLE))
        wait_for(lambda: bed.controller.seq == ins.controller.seq and any(
            a.alarm_id == "pump_stopped" for a in bed.controller.alarms.active_alarms()),
            room, what="the alarm at the bedside")
        other.drain()
        # The bedside's request goes up on its own topic, not retained; credited to it.
        bed.controller.request(Action.make(ACKNOWLEDGE, {"alarm_id": "pump_stopped"},
                                           Actor("trainee", "bed-1")))
        wait_for(lambda: ins.bridge.requests_applied == 1, room, what="the request")
        sent = [m for m in other.drain() if m.topic.startswith(T.base + "/request")]
        assert [(m.topic, m.retain) for m in sent] == [(T.request_from("bed-1"), False)]
        # Someone on bed-1's topic claiming to be "ghost" inside the action: credited to
        # bed-1 (the topic), never to the name in the payload.
        other.publish(T.request_from("bed-1"), request("bed-1", "ghost", 2, None))
        wait_for(lambda: ins.bridge.requests_applied == 2, room, what="the second request")
        # A sender its topic contradicts is dropped.
        other.publish(T.request_from("bed-1"), request("bed-2", "bed-2", 3, None))
        wait_for(lambda: ins.bridge.guard.drops.counts["forged"] == 1, room,
                 what="the forged sender dropped")
        assert ins.bridge.requests_applied == 2
    finally:
        other.stop()
        for n in room:
            n.close()
    assert trainee_actions(tmp_path / "session.jsonl") == [("acknowledge", "bed-1"),
                                                            ("acknowledge", "bed-1")]


def test_a_restarted_instructor_never_applies_an_old_request_again(broker, tmp_path):
    """A request published retained (by an older display, or a forger) stayed on the
    broker and every instructor started later applied it again."""
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    other = MqttLink(BrokerUrl.parse(broker.url), subscriptions=[])
    other.start()
    assert other.wait_connected(10)
    other.publish(T.request_from("bed-1"), request("bed-1", "bed-1", 1), retain=True)
    try:
        for run in ("one", "two"):
            ins = instructor(broker.url, ROOM, tmp_path / run)
            try:
                wait_for(lambda i=ins: i.bridge.guard.drops.counts["replayed"] >= 1, [ins],
                         what="the retained request ignored")
                for _ in range(20):
                    ins.step()
                assert ins.bridge.requests_applied == 0
            finally:
                ins.close()
            assert trainee_actions(tmp_path / run / "session.jsonl") == []
    finally:
        other.stop()
