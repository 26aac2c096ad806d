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
``icu/ROOM/request``                  display    ``{"action": Action JSON}`` a trainee
                                                 action (acknowledge, audio pause, limits)
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
Payloads above :data:`MAX_PAYLOAD` bytes are dropped before parsing. See
:mod:`dashboard.net.guard` for what a receiver accepts.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

VERSION = 1
# A session state carries every alarm operator action taken so far (a late joiner rebuilds
# the alarm engine from them); a long session stays well under this.
MAX_PAYLOAD = 256 * 1024
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
            return rest[0], None
        if len(rest) == 2 and rest[0] == DISPLAY and _NAME.match(rest[1]):
            return DISPLAY, rest[1]
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
    if type(seq) is not int or seq < 0:
        raise ProtocolError("bad 'seq'")
    if type(ts) not in (int, float) or not math.isfinite(ts) or ts <= 0:
        raise ProtocolError("bad 'ts'")
    body = d.get("body")
    if not isinstance(body, dict):
        raise ProtocolError("bad 'body'")
    return Envelope(type=kind, room=room, sender=sender, boot=boot, seq=seq, ts=float(ts),
                    body=body, v=v)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")
