"""The message guard: what a display accepts and what it drops (and counts)."""

from __future__ import annotations

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
