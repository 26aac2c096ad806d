"""Broker accounts and topic rights for the rooms of a lab.

Only the instructor may change a session; the broker enforces it. Each room gets two
accounts: ``ROOM-instructor`` may publish anywhere under ``icu/ROOM/``; ``ROOM-display``
(shared by every bedside display of the room) may read ``icu/ROOM/#`` but publish only
trainee requests (``icu/ROOM/request``) and its presence (``icu/ROOM/display/NAME``).
A display therefore cannot publish a session state or an instructor action: the broker
drops it before any other display sees it. :func:`write_room_access` writes, for one or
more rooms:

- ``instructor-ROOM.toml`` / ``display-ROOM.toml``: the client credentials files
  (``--credentials``), mode 0600, to copy to the instructor and bedside PCs;
- ``mosquitto.passwd`` (PBKDF2-SHA512, the Mosquitto 2.x ``$7$`` format) and
  ``mosquitto.acl``, plus ``mosquitto.conf`` that uses them;
- ``broker.toml`` for the embedded broker (``icu-dashboard broker --config``), with
  Argon2 hashes and the same rights.

Passwords are random (24 url-safe characters) and appear only in the credentials files.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dashboard.net.protocol import RoomTopics

MOSQUITTO_ITERATIONS = 101   # what mosquitto_passwd 2.x writes


@dataclass(frozen=True)
class RoomAccount:
    room: str
    role: str        # "instructor" | "display"
    password: str

    @property
    def user(self) -> str:
        return f"{self.room}-{self.role}"


def publish_rights(account: RoomAccount) -> list[str]:
    t = RoomTopics(account.room)
    if account.role == "instructor":
        return [t.everything]
    # (net18b: requests travel on icu/ROOM/request/NAME; net18a narrows both to NAME)
    return [t.requests, t.displays]


def subscribe_rights(account: RoomAccount) -> list[str]:
    return [RoomTopics(account.room).everything]


def mosquitto_hash(password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt,
                                 MOSQUITTO_ITERATIONS)
    b64 = base64.b64encode
    return f"$7${MOSQUITTO_ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"


def argon2_hash(password: str) -> str:
    from pwdlib.hashers.argon2 import Argon2Hasher  # comes with amqtt

    return Argon2Hasher().hash(password)


def make_accounts(rooms: Sequence[str]) -> list[RoomAccount]:
    return [RoomAccount(room, role, secrets.token_urlsafe(18))
            for room in rooms for role in ("instructor", "display")]


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def write_room_access(rooms: Sequence[str], out: Path) -> list[Path]:
    for room in rooms:
        RoomTopics(room)  # validates the name
    out.mkdir(parents=True, exist_ok=True)
    accounts = make_accounts(rooms)
    written: list[Path] = []
    for a in accounts:
        p = out / f"{a.role}-{a.room}.toml"
        _write_private(p, f"# broker account for {a.role}s of room {a.room}\n"
                          f"user = {_toml_str(a.user)}\npassword = {_toml_str(a.password)}\n")
        written.append(p)

    p = out / "mosquitto.passwd"
    _write_private(p, "".join(f"{a.user}:{mosquitto_hash(a.password)}\n" for a in accounts))
    written.append(p)
    acl = []
    for a in accounts:
        acl.append(f"user {a.user}")
        acl += [f"topic read {t}" for t in subscribe_rights(a)]
        acl += [f"topic write {t}" for t in publish_rights(a)]
        acl.append("")
    p = out / "mosquitto.acl"
    p.write_text("\n".join(acl), encoding="utf-8")
    written.append(p)
    p = out / "mosquitto.conf"
    p.write_text("# mosquitto -c mosquitto.conf  (paths are relative to where it starts)\n"
                 "listener 1883\nallow_anonymous false\n"
                 f"password_file {(out / 'mosquitto.passwd').resolve()}\n"
                 f"acl_file {(out / 'mosquitto.acl').resolve()}\n", encoding="utf-8")
    written.append(p)

    lines = ["# icu-dashboard broker --config broker.toml", "port = 1883",
             "allow_anonymous = false", "", "[users]  # user = argon2 hash"]
    lines += [f"{_toml_str(a.user)} = {_toml_str(argon2_hash(a.password))}" for a in accounts]
    lines += ["", "[acl.publish]"]
    lines += [f"{_toml_str(a.user)} = [{', '.join(map(_toml_str, publish_rights(a)))}]"
              for a in accounts]
    lines += ["", "[acl.subscribe]"]
    lines += [f"{_toml_str(a.user)} = [{', '.join(map(_toml_str, subscribe_rights(a)))}]"
              for a in accounts]
    p = out / "broker.toml"
    _write_private(p, "\n".join(lines) + "\n")
    written.append(p)
    return written
