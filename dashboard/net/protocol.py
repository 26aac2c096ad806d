"""The wire protocol between the instructor and the bedside displays of one room.

What travels is the session, not the samples: every display computes its values itself
from the scenario, so the instructor sends only the retained session state and the
stream of actions. Topics (``ROOM`` is a short name such as ``sim1``):

====================================  =========  ========================================
topic                                 publisher  payload (``body`` of the envelope)
====================================  =========  ========================================
``icu/ROOM/state``       (retained)   instructor SessionState JSON (scenario hash, seed,
                                                 disturbances, clock anchor, operator
                                                 actions, seq)
``icu/ROOM/action``                   instructor ``{"action": Action JSON, "seq": n}``, one
                                                 per applied action, in order
``icu/ROOM/instructor``  (retained)   instructor ``{"online": bool, "drops": {...}}``;
                                                 last will ``online: false``
``icu/ROOM/request/NAME``             display    ``{"action": Action JSON}`` a trainee
                                      NAME       action (acknowledge, audio pause, limits),
                                                 never retained; credited to NAME
``icu/ROOM/display/NAME`` (retained)  display    ``{"online": bool, "drops": {...},
                                                 "case_t": t}``; last will ``online: false``
====================================  =========  ========================================

Every payload is one UTF-8 JSON object, the *envelope*::

    {"v": 1, "type": "state", "room": "sim1", "sender": "console",
     "boot": "3f2a...", "seq": 17, "ts": 1764300000.123, "body": {...}}

``v`` is the protocol version (a display refuses other versions), ``type`` must match
the topic, ``sender`` is the display or console name, ``boot`` a random id per process
start, ``seq`` a counter per (sender, boot, type) from 1 and ``ts`` the sender's wall
time. A last will (``online: false``, published by the broker when the sender's link is
lost) has ``seq`` 0: it is made at connect time, before what it follows.
Payloads above :data:`MAX_PAYLOAD` bytes are dropped before parsing; a payload nested
deeper than :data:`MAX_DEPTH`, with an integer beyond :data:`MAX_INT` (JSON's exact
range), a number that is not finite (``1e400`` reads as infinity) or a text longer than
:data:`MAX_STRING` does not decode. Each body is checked field by field in
:mod:`dashboard.net.bodies`; see :mod:`dashboard.net.guard` for what a receiver accepts.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

VERSION = 1
# A session state carries every disturbance and alarm operator action of the session;
# at the controller's limits (dashboard.core.session_limits: 5,000 disturbances of about
# 370 bytes, 50,000 operator actions of about 120) it stays under this.
MAX_PAYLOAD = 16 * 1024 * 1024
# Limits on any decoded value: the protocol's deepest body (a state's disturbance with its
# effects) is 5 levels; integers stay in the range a JSON reader on any platform reads
# exactly; texts are names, ids and one-line notes.
MAX_DEPTH = 12
MAX_INT = 2**53
MAX_STRING = 4096
# Timestamps are wall times (s since 1970): before the year 5138 (1e300 is no time).
MAX_TS = 1e11
TOPIC_ROOT = "icu"

STATE = "state"
ACTION = "action"
REQUEST = "request"
INSTRUCTOR = "instructor"
DISPLAY = "display"
MESSAGE_TYPES = frozenset({STATE, ACTION, REQUEST, INSTRUCTOR, DISPLAY})

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ProtocolError(ValueError):
    """A message that is not a valid envelope; the text is one line."""


def check_name(kind: str, name: str) -> str:
    """Room and display names become topic levels: no '/', '+', '#' or spaces."""
    if not _NAME.match(name):
        raise ValueError(f"{kind} name {name!r}: use 1-64 letters, digits, '-', '_' or '.'")
    return name


@dataclass(frozen=True)
class RoomTopics:
    room: str

    def __post_init__(self) -> None:
        check_name("room", self.room)

    @property
    def base(self) -> str:
        return f"{TOPIC_ROOT}/{self.room}"

    @property
    def state(self) -> str:
        return f"{self.base}/{STATE}"

    @property
    def action(self) -> str:
        return f"{self.base}/{ACTION}"

    @property
    def request(self) -> str:
        return f"{self.base}/{REQUEST}"

    def request_from(self, name: str) -> str:
        """A display's own request topic: the broker lets only that display's account
        publish here, so the instructor credits a request by its topic."""
        return f"{self.base}/{REQUEST}/{check_name('display', name)}"

    @property
    def requests(self) -> str:
        return f"{self.base}/{REQUEST}/+"

    @property
    def instructor(self) -> str:
        return f"{self.base}/{INSTRUCTOR}"

    def display(self, name: str) -> str:
        return f"{self.base}/{DISPLAY}/{check_name('display', name)}"

    @property
    def displays(self) -> str:
        return f"{self.base}/{DISPLAY}/+"

    @property
    def everything(self) -> str:
        return f"{self.base}/#"

    def type_of(self, topic: str) -> tuple[str, str | None] | None:
        """(message type, display name or None) for a topic of this room, else None."""
        prefix = self.base + "/"
        if not topic.startswith(prefix):
            return None
        rest = topic[len(prefix):].split("/")
        if len(rest) == 1 and rest[0] in (STATE, ACTION, REQUEST, INSTRUCTOR):
            return rest[0], None   # a bare request topic names no display: the guard drops it
        if len(rest) == 2 and rest[0] in (DISPLAY, REQUEST) and _NAME.match(rest[1]):
            return rest[0], rest[1]
        return None


@dataclass(frozen=True)
class Envelope:
    type: str
    room: str
    sender: str
    boot: str
    seq: int
    ts: float
    body: dict[str, Any]
    v: int = VERSION

    def to_json(self) -> dict[str, Any]:
        return {"v": self.v, "type": self.type, "room": self.room, "sender": self.sender,
                "boot": self.boot, "seq": self.seq, "ts": self.ts, "body": self.body}

    def encode(self) -> bytes:
        data = json.dumps(self.to_json(), separators=(",", ":"), allow_nan=False,
                          ensure_ascii=False).encode("utf-8")
        if len(data) > MAX_PAYLOAD:
            raise ProtocolError(f"{self.type} message of {len(data)} bytes exceeds "
                                f"the {MAX_PAYLOAD}-byte limit")
        return data


def decode(payload: bytes) -> Envelope:
    """Parse and check one payload; raises ProtocolError (one line) on anything wrong."""
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    try:
        d = json.loads(payload.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"not a JSON object: {str(exc).splitlines()[0][:80]}") from None
    if not isinstance(d, dict):
        raise ProtocolError("not a JSON object")
    v = d.get("v")
    if type(v) is not int:
        raise ProtocolError("missing protocol version 'v'")
    if v != VERSION:
        raise ProtocolError(f"protocol version {v} (this display speaks {VERSION})")
    kind = d.get("type")
    if kind not in MESSAGE_TYPES:
        raise ProtocolError(f"unknown message type {kind!r}")
    room, sender, boot = d.get("room"), d.get("sender"), d.get("boot")
    for field, value in (("room", room), ("sender", sender), ("boot", boot)):
        if not isinstance(value, str) or not _NAME.match(value):
            raise ProtocolError(f"bad {field!r}")
    seq, ts = d.get("seq"), d.get("ts")
    if type(seq) is not int or not 0 <= seq <= MAX_INT:
        raise ProtocolError("bad 'seq'")
    if type(ts) not in (int, float) or not 0 < ts <= MAX_TS:
        raise ProtocolError("bad 'ts'")
    body = d.get("body")
    if not isinstance(body, dict):
        raise ProtocolError("bad 'body'")
    _check_values(body, 1)
    return Envelope(type=kind, room=room, sender=sender, boot=boot, seq=seq, ts=float(ts),
                    body=body, v=v)


def _check_values(value: object, depth: int) -> None:
    """Every value of a body within the protocol's limits (iterative per level: a body is
    at most MAX_DEPTH deep, so the recursion is bounded)."""
    if depth > MAX_DEPTH:
        raise ProtocolError(f"body nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for k, v in value.items():
            if len(k) > MAX_STRING:
                raise ProtocolError("a key longer than the text limit")
            _check_values(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check_values(v, depth + 1)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise ProtocolError("an integer beyond 2**53")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ProtocolError("a number that is not finite")
    elif isinstance(value, str) and len(value) > MAX_STRING:
        raise ProtocolError(f"a text longer than {MAX_STRING} characters")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")
