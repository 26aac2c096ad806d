"""The message guard: what a display accepts and what it drops (and counts)."""

from __future__ import annotations

from dashboard.core.session_limits import MAX_DISTURBANCES
from dashboard.net.guard import MessageGuard
from dashboard.net.protocol import MAX_PAYLOAD, Envelope, RoomTopics

T = RoomTopics("sim1")


def env(seq: int, *, boot: str = "b1", ts: float = 100.0, kind: str = "instructor",
        room: str = "sim1", body: dict | None = None) -> bytes:
    """The instructor's presence (any message type is ordered alike): a body that
    differs with seq unless one is given."""
    return Envelope(kind, room, "console", boot, seq, ts,
                    body or {"online": True, "drops": {"n": seq}}).encode()


def test_in_order_messages_pass_and_duplicates_are_ignored_silently():
    g = MessageGuard(T)
    assert g.admit(T.instructor, env(1)) is not None
    assert g.admit(T.instructor, env(2)) is not None
    assert g.admit(T.instructor, env(2)) is None      # redelivered: not an attack
    assert g.drops.total == 0


def test_replayed_old_sequence_and_old_process_start_are_dropped_and_counted():
    g = MessageGuard(T)
    g.admit(T.instructor, env(1))
    g.admit(T.instructor, env(2, body={"online": True, "drops": {"x": 1}}))
    assert g.admit(T.instructor, env(1, body={"online": True, "drops": {"x": 2}})) is None
    assert g.admit(T.instructor, env(9, boot="old", ts=50.0)) is None
    assert g.drops.counts["replayed"] == 2
    assert g.admit(T.instructor, env(1, boot="new", ts=200.0)) is not None   # a restart


def test_malformed_oversized_and_forged_messages_are_dropped_and_counted():
    g = MessageGuard(T)
    for payload in (b"not json", b"[1,2]", b'{"v": 2}', b'{"v":1,"type":"action"}',
                    b"\xff\xfe", b'{"v":1, "ts": NaN}'):
        assert g.admit(T.instructor, payload) is None
    assert g.drops.counts["malformed"] == 6
    assert g.admit(T.instructor, b" " * (MAX_PAYLOAD + 1)) is None
    assert g.drops.counts["oversized"] == 1
    assert g.admit(T.instructor, env(1, kind="state")) is None          # type vs topic
    assert g.admit(T.instructor, env(1, room="sim2")) is None           # another room
    assert g.admit("icu/sim2/instructor", env(1)) is None               # not our topic
    assert g.admit(T.display("bed-1"), Envelope("display", "sim1", "bed-2", "b", 1, 1.0,
                                                 {}).encode()) is None
    assert g.drops.counts["forged"] == 4
    assert "forged" in g.drops.last


def test_a_last_will_made_at_connect_time_is_taken_and_leaves_the_sequence_alone():
    """A display's will is made when it connects (seq 0), so it is older than every
    presence it sent since; it used to be dropped as a replay, and the instructor never
    heard that a display was gone."""
    g = MessageGuard(T)
    for seq in (1, 2, 3):
        assert g.admit(T.instructor, env(seq)) is not None
    will = env(0, body={"online": False})
    assert g.admit(T.instructor, will) is not None
    assert g.admit(T.instructor, will) is None            # retained, delivered again
    # A broker that restarted sent the will as it shut down; the sender's retained
    # presence, re-sent on its reconnect, says it is back (it was a duplicate before).
    assert g.admit(T.instructor, env(3)) is not None
    assert g.admit(T.instructor, env(3)) is None
    assert g.admit(T.instructor, will) is not None        # gone again
    assert g.admit(T.instructor, env(4)) is not None      # back: the sequence goes on
    assert g.admit(T.instructor, env(0, boot="old", ts=50.0)) is None  # an older process's
    assert g.drops.counts["replayed"] == 1


def raw(kind: str, body: object, *, sender: str = "console", seq: int = 1, ts: float = 100.0,
        room: str = "sim1", boot: str = "b1") -> bytes:
    """An envelope written by hand (Envelope.encode would refuse some of these)."""
    import json
    return json.dumps({"v": 1, "type": kind, "room": room, "sender": sender, "boot": boot,
                       "seq": seq, "ts": ts, "body": body}).encode()


GOOD_STATE = {"scenario_id": "sle_dah_ecmo", "scenario_hash": "ab" * 32, "seed": 1,
              "disturbances": [], "operator_actions": [], "seq": 0, "history_from": 0.0,
              "anchor": {"case_t": 1.0, "speed": 1.0, "paused": False, "wall": 1.0}}
BAD_BODIES = {
    "display": [{"online": True, "case_t": 10**400}, {"online": True, "case_t": "nan"},
                {"online": "yes"}, {"online": True, "drops": {"a": 10**30}},
                {"online": True, "drops": {str(i): 1 for i in range(50)}},
                {"online": True, "drops": []}, {"online": True, "last_drop": 7},
                {"online": True, "last_drop": "x" * 500}, {"online": True, "case_t": 1e300}],
    "instructor": [{"online": 1}, {"online": True, "drops": {"x": -1}}, {}],
    "request": [{}, {"action": "acknowledge"}, {"action": [1]}],
    "action": [{"action": {}, "seq": 0}, {"action": {}, "seq": "1"}, {"seq": 1},
               {"action": {}, "seq": 1, "session": 5}, {"action": {}, "seq": 10**400}],
    "state": [dict(GOOD_STATE, seed=10**400), dict(GOOD_STATE, seed=2**70),
              dict(GOOD_STATE, seed=-1), dict(GOOD_STATE, scenario_hash="not hex"),
              dict(GOOD_STATE, scenario_id=""), dict(GOOD_STATE, seq="1"),
              dict(GOOD_STATE, disturbances=[{}] * (MAX_DISTURBANCES + 1)),
              dict(GOOD_STATE, disturbances={}),
              dict(GOOD_STATE, operator_actions=[1]), dict(GOOD_STATE, locked="ecmo"),
              dict(GOOD_STATE, session=["x"])],
}


def test_every_field_of_every_message_type_is_checked_and_a_bad_one_dropped():
    """A display presence with case_t 10**400 crashed the instructor (OverflowError in
    the bridge): bodies were read field by field only for actions."""
    topic = {"display": T.display("bed-1"), "instructor": T.instructor,
             "request": T.request_from("bed-1"), "action": T.action, "state": T.state}
    total = 0
    for kind, bodies in BAD_BODIES.items():
        for body in bodies:
            g = MessageGuard(T)
            sender = "bed-1" if kind in ("display", "request") else "console"
            assert g.admit(topic[kind], raw(kind, body, sender=sender)) is None, (kind, body)
            assert g.drops.counts["malformed"] == 1, (kind, body, g.drops.last)
            total += 1
    assert total == sum(len(b) for b in BAD_BODIES.values())
    g = MessageGuard(T)   # and a good one of each passes
    assert g.admit(T.state, raw("state", GOOD_STATE)) is not None
    assert g.admit(T.display("bed-1"), raw("display", {"online": True, "case_t": 3.5,
                                                       "drops": {"forged": 2}},
                                           sender="bed-1")) is not None


def test_values_beyond_the_envelopes_limits_do_not_decode():
    deep = b'{"a":' * 40 + b"1" + b"}" * 40
    for payload in (raw("instructor", {"online": True, "x": 10**400}),
                    raw("instructor", {"online": True}).replace(b"100.0", b"1e400"),
                    raw("instructor", {"online": True}, seq=10**16),
                    raw("instructor", {"online": True}, ts=1e300),
                    raw("instructor", {"online": True}).replace(b'"online": true',
                                                                b'"online": true, "d": ' + deep),
                    raw("instructor", {"online": True}).replace(b'"body": {',
                                                                b'"body": {"x": "' + b"y" * 5000
                                                                + b'", '),
                    b"[" * 200_000, b"", b"null", b'{"v": 10e400}'):
        g = MessageGuard(T)
        assert g.admit(T.instructor, payload) is None
        assert g.drops.total == 1, payload[:80]


def test_requests_are_credited_by_topic_only_and_never_taken_retained():
    g = MessageGuard(T)
    ack = {"action": {"kind": "acknowledge", "args": {}}}
    assert g.admit(T.request_from("bed-1"), raw("request", ack, sender="bed-2")) is None
    assert g.admit(T.request, raw("request", ack, sender="bed-1")) is None
    assert g.drops.counts["forged"] == 2
    assert g.admit(T.request_from("bed-1"), raw("request", ack, sender="bed-1"),
                   retained=True) is None
    assert g.admit(T.action, raw("action", {"action": {}, "seq": 1}), retained=True) is None
    assert g.drops.counts["replayed"] == 2
    e = g.admit(T.request_from("bed-1"), raw("request", ack, sender="bed-1"))
    assert e is not None and e.sender == "bed-1"


def test_a_forged_seq_jump_or_future_timestamp_locks_nobody_out():
    """On an open broker anyone could reuse the instructor's boot id with seq 10**15:
    every later message of the real instructor was then a 'replay', for good."""
    now = [1000.0]
    g = MessageGuard(T, wall=lambda: now[0])
    assert g.admit(T.instructor, env(1, ts=1000.0)) is not None
    assert g.admit(T.instructor, env(10**15, ts=1000.5)) is None       # a jump: forged
    assert g.admit(T.instructor, env(2, ts=1001.0)) is not None        # not locked out
    # A forged mark within the jump limit holds only until the sender's own later
    # messages contradict it for LOCKOUT_S.
    assert g.admit(T.instructor, env(5000, ts=1001.5)) is not None
    now[0] = 1005.0
    assert g.admit(T.instructor, env(3, ts=1005.0)) is None            # for now: replayed
    now[0] = 1030.0
    assert g.admit(T.instructor, env(4, ts=1030.0)) is not None        # the mark dismissed
    assert g.admit(T.instructor, env(5, ts=1030.5)) is not None
    # A far-future timestamp from a forged process start blocks no real restart.
    now[0] = 1031.0
    assert g.admit(T.instructor, env(1, boot="forged", ts=9e10)) is not None
    now[0] = 1033.0   # the instructor restarted, two seconds later
    assert g.admit(T.instructor, env(1, boot="real2", ts=1033.0)) is not None
    # Old messages stay replays: an older process start, a seq not above the last.
    assert g.admit(T.instructor, env(9, boot="b1", ts=1030.9)) is None
    assert g.admit(T.instructor, env(1, boot="real2", ts=1033.0,
                                     body={"online": False, "drops": {}})) is None
    assert g.drops.counts["replayed"] == 3
