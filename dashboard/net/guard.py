"""What a receiver accepts, and the count of what it dropped.

Every incoming payload passes :meth:`MessageGuard.admit` before anything looks at its
body. A message is dropped -- never applied, never raised -- when it is

- ``oversized``: above :data:`~dashboard.net.protocol.MAX_PAYLOAD` bytes;
- ``malformed``: not a valid envelope (see :mod:`dashboard.net.protocol`), a body whose
  fields are not what its type allows (:mod:`dashboard.net.bodies`), or a body the
  bridge cannot read (an unknown action, a state that does not parse);
- ``forged``: on a topic that does not match its ``type``, for another room, claiming a
  sender its topic contradicts (a presence or a request is only ever from the display
  its topic names), a request on the bare request topic, a display asking for an
  instructor-only action, or a sequence number that jumps further ahead than
  :data:`MAX_SEQ_JUMP`;
- ``replayed``: a retained request or action (the broker keeps them only when someone
  published them retained, which no sender of ours does: a restarted instructor must
  never apply an old request again); a (sender, type) sequence number not above the last
  one seen from the same process start (``boot``); or a new ``boot`` whose timestamp is
  not later than the last accepted message of that sender. An exact duplicate of the
  last accepted message (a retained message delivered again after a reconnect, a QoS 1
  redelivery) is ignored silently, since applying it again would change nothing.

Nobody is locked out for good by one forged message (on an open broker anyone may
publish one with a sender's boot id): a receiver with a wall clock keeps a timestamp no
later than its own now, so a forged far-future ``ts`` blocks nothing; and a high-water
mark that the sender's own later messages (timestamps more than :data:`LOCKOUT_S`
later, lower sequence numbers) keep contradicting is dismissed -- it was not the
sender's -- and the sender's stream is followed again.

A *last will* (seq 0, see :mod:`dashboard.net.protocol`) is made when its sender
connects, so it is older than everything that sender sent since: it is accepted from the
sender's current process start whatever came before it, and it leaves the sequence as it
was (the sender's next message after a reconnect follows on from its last one; its last
message before the will, re-sent as its retained message after a reconnect, is taken
again: it says the sender is back).

The counts travel in each display's presence message, so the instructor sees what every
display dropped. The guard is used from one thread only (the one that drains the inbox).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from dashboard.net.bodies import check_body
from dashboard.net.protocol import (
    ACTION,
    DISPLAY,
    REQUEST,
    Envelope,
    ProtocolError,
    RoomTopics,
    decode,
)

DROP_REASONS = ("oversized", "malformed", "forged", "replayed")
# A sender's counter grows by one per message; a receiver misses at most what was sent
# while its own link was down. A jump beyond this is not a sender of ours.
MAX_SEQ_JUMP = 10**9
# A sender's messages with timestamps this much later than a high-water mark they
# contradict (lower seq, same boot) show that mark was forged.
LOCKOUT_S = 20.0


@dataclass
class DropCounts:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DROP_REASONS, 0))
    last: str = ""   # one line describing the latest drop (never the payload itself)

    def add(self, reason: str, why: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        self.last = f"{reason}: {why}"[:160]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict[str, int]:
        return dict(self.counts)


@dataclass
class _Seen:
    boot: str
    seq: int
    ts: float
    digest: bytes
    will: bytes = b""  # digest of the last will accepted from this boot


class MessageGuard:
    def __init__(self, topics: RoomTopics, wall: Callable[[], float] | None = None) -> None:
        self.topics = topics
        self.wall = wall   # the receiver's clock: timestamps from its future count as now
        self.drops = DropCounts()
        self._seen: dict[tuple[str, str], _Seen] = {}

    def drop(self, reason: str, why: str) -> None:
        self.drops.add(reason, why)

    def admit(self, topic: str, payload: bytes, retained: bool = False) -> Envelope | None:
        """The envelope if it may be applied; None if dropped (counted) or a duplicate.
        `retained`: the broker delivered it as a retained message."""
        where = self.topics.type_of(topic)
        if where is None:
            self.drop("forged", f"topic {topic[:60]!r} is not one of room {self.topics.room}")
            return None
        kind, display = where
        try:
            env = decode(payload)
        except ProtocolError as exc:
            reason = "oversized" if "exceeds" in str(exc) else "malformed"
            self.drop(reason, f"{topic}: {exc}")
            return None
        if env.type != kind:
            self.drop("forged", f"{topic}: a {env.type!r} message on the {kind!r} topic")
            return None
        if env.room != self.topics.room:
            self.drop("forged", f"{topic}: message for room {env.room!r}")
            return None
        if kind == REQUEST and display is None:
            self.drop("forged", f"{topic}: a request not on a display's own topic")
            return None
        if kind in (DISPLAY, REQUEST) and env.sender != display:
            self.drop("forged", f"{topic}: sender {env.sender!r} on display {display!r}")
            return None
        if retained and kind in (REQUEST, ACTION):
            self.drop("replayed", f"{topic}: a retained {kind} (never sent retained)")
            return None
        try:
            check_body(kind, env.body)
        except ProtocolError as exc:
            self.drop("malformed", f"{topic}: {exc}")
            return None
        return self._check_order(env, payload)

    def forget(self, kind: str) -> None:
        """Accept the retained messages of type `kind` again (after our own reconnect the
        broker delivers them once more: they say who is still there)."""
        for key in [k for k in self._seen if k[1] == kind]:
            del self._seen[key]

    def _check_order(self, env: Envelope, payload: bytes) -> Envelope | None:
        key = (env.sender, env.type)
        digest = hashlib.sha256(payload).digest()
        seen = self._seen.get(key)
        ts = env.ts if self.wall is None else min(env.ts, self.wall())
        if env.seq == 0 and seen is not None and env.boot == seen.boot:
            if digest == seen.will:
                return None   # the same will again (retained)
            seen.will = digest
            return env
        if seen is not None:
            if env.boot == seen.boot:
                if env.seq == seen.seq and digest == seen.digest:
                    if seen.will:
                        # Its last word before the will, sent again on a reconnect (a
                        # broker that restarted sends wills as it shuts down): back.
                        seen.will = b""
                        return env
                    return None   # the same message again (retained, redelivered)
                if env.seq > seen.seq + MAX_SEQ_JUMP:
                    self.drop("forged", f"{env.type} from {env.sender}: seq {env.seq} "
                                        f"jumps from {seen.seq}")
                    return None
                if env.seq <= seen.seq and ts <= seen.ts + LOCKOUT_S:
                    self.drop("replayed", f"{env.type} from {env.sender}: seq {env.seq} "
                                          f"after {seen.seq}")
                    return None
                if env.seq <= seen.seq:
                    # Its own later stream contradicts the mark: the mark was forged.
                    self.drop("forged", f"{env.type} from {env.sender}: seq {seen.seq} "
                                        f"was not its own (now {env.seq})")
            elif ts <= seen.ts:
                self.drop("replayed", f"{env.type} from {env.sender}: an earlier start "
                                      f"(ts {env.ts:.3f} <= {seen.ts:.3f})")
                return None
        self._seen[key] = _Seen(env.boot, env.seq, ts, digest)
        return env
