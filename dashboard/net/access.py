"""Broker accounts and topic rights for the rooms of a lab: one account per display.

Only the instructor may change a session, and each display speaks only for itself; the
broker enforces both. Each room gets ``ROOM-instructor``, which may publish anywhere under
``icu/ROOM/``, and one account ``ROOM-NAME`` per display NAME, which may read
``icu/ROOM/#`` but publish only its own requests (``icu/ROOM/request/NAME``) and its own
presence (``icu/ROOM/display/NAME``). A display therefore cannot publish a session state,
an instructor action, a request or a presence of another display: the broker drops it.
:func:`write_room_access` writes, for the rooms and displays given:

- ``instructor-ROOM.toml`` / ``display-ROOM-NAME.toml``: the client credentials files
  (``--credentials``), mode 0600, to copy to the instructor and bedside PCs; a display's
  file names its room and display (``monitor --credentials F`` takes the name from it);
- ``mosquitto.passwd`` (PBKDF2-SHA512, the Mosquitto 2.x ``$7$`` format) and
  ``mosquitto.acl``, plus ``mosquitto.conf`` that uses them;
- ``broker.toml`` for the embedded broker (``icu-dashboard broker --config``), with
  Argon2 hashes and the same rights.

The files are written in a fresh folder beside ``out`` and renamed into place, so a
refusal or a full disk leaves nothing half-written. Passwords are random (24 url-safe
characters) and appear only in the credentials files.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dashboard.net.protocol import RoomTopics, check_name

MOSQUITTO_ITERATIONS = 101   # what mosquitto_passwd 2.x writes
INSTRUCTOR = "instructor"


class AccessError(ValueError):
    """Rooms or displays that cannot be given accounts; the text is one line."""


@dataclass(frozen=True)
class RoomAccount:
    room: str
    display: str | None       # None: the room's instructor
    password: str

    @property
    def role(self) -> str:
        return INSTRUCTOR if self.display is None else "display"

    @property
    def user(self) -> str:
        return account_user(self.room, self.display)


def account_user(room: str, display: str | None) -> str:
    """The broker user name: ``ROOM-instructor`` or ``ROOM-NAME``."""
    return f"{room}-{INSTRUCTOR if display is None else display}"


def check_account(room: str, display: str | None) -> None:
    """Names that make a valid, unambiguous account (one line otherwise)."""
    try:
        RoomTopics(room)
        if display is not None:
            check_name("display", display)
    except ValueError as exc:
        raise AccessError(str(exc)) from None
    if display == INSTRUCTOR:
        raise AccessError("display name 'instructor' is the room's instructor account; "
                          "choose another")


def publish_rights(room: str, display: str | None) -> list[str]:
    t = RoomTopics(room)
    if display is None:
        return [t.everything]
    return [t.request_from(display), t.display(display)]


def subscribe_rights(room: str, display: str | None) -> list[str]:
    return [RoomTopics(room).everything]


def mosquitto_hash(password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt,
                                 MOSQUITTO_ITERATIONS)
    b64 = base64.b64encode
    return f"$7${MOSQUITTO_ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"


def argon2_hash(password: str) -> str:
    from pwdlib.hashers.argon2 import Argon2Hasher  # comes with amqtt

    return Argon2Hasher().hash(password)


def new_password() -> str:
    return secrets.token_urlsafe(18)


def make_accounts(rooms: Sequence[str], displays: Sequence[str]) -> list[RoomAccount]:
    """The instructor of each room and each display in each room, with new passwords.
    Refuses bad names and two accounts that would share a user name (room ``a-b`` with
    display ``c`` and room ``a`` with display ``b-c``)."""
    if not rooms:
        raise AccessError("name a room: --room ROOM")
    if not displays:
        raise AccessError("name the room's displays: --display NAME (repeatable), "
                          "one broker account each")
    accounts: dict[str, RoomAccount] = {}
    for room in rooms:
        for display in (None, *displays):
            check_account(room, display)
            a = RoomAccount(room, display, new_password())
            other = accounts.get(a.user)
            if other is not None and (other.room, other.display) != (room, display):
                raise AccessError(f"account {a.user!r} would serve both room {other.room} "
                                  f"and room {room}: rename a room or a display")
            accounts.setdefault(a.user, a)
    return list(accounts.values())


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_private(path: Path, text: str) -> None:
    """A new file only its owner may read (O_EXCL: never through an existing file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def credentials_text(a: RoomAccount) -> str:
    who = (f"the instructor of room {a.room}" if a.display is None
           else f"display {a.display} of room {a.room}")
    lines = [f"# broker account for {who}", f"user = {toml_str(a.user)}",
             f"password = {toml_str(a.password)}", f"room = {toml_str(a.room)}"]
    if a.display is not None:
        lines.append(f"display = {toml_str(a.display)}")
    return "\n".join(lines) + "\n"


def broker_toml_lines(entries: Sequence[tuple[str, str, str, str | None]]) -> list[str]:
    """[users] and [acl.*] tables for (user, argon2 hash, room, display) entries."""
    lines = ["[users]  # user = argon2 hash"]
    lines += [f"{toml_str(u)} = {toml_str(h)}" for u, h, _, _ in entries]
    lines += ["", "[acl.publish]"]
    lines += [f"{toml_str(u)} = [{', '.join(map(toml_str, publish_rights(r, d)))}]"
              for u, _, r, d in entries]
    lines += ["", "[acl.subscribe]"]
    lines += [f"{toml_str(u)} = [{', '.join(map(toml_str, subscribe_rights(r, d)))}]"
              for u, _, r, d in entries]
    return lines


def _write_all(accounts: list[RoomAccount], out: Path, final: Path) -> list[str]:
    names: list[str] = []
    for a in accounts:
        name = (f"instructor-{a.room}.toml" if a.display is None
                else f"display-{a.room}-{a.display}.toml")
        write_private(out / name, credentials_text(a))
        names.append(name)
    write_private(out / "mosquitto.passwd",
                  "".join(f"{a.user}:{mosquitto_hash(a.password)}\n" for a in accounts))
    acl = []
    for a in accounts:
        acl.append(f"user {a.user}")
        acl += [f"topic read {t}" for t in subscribe_rights(a.room, a.display)]
        acl += [f"topic write {t}" for t in publish_rights(a.room, a.display)]
        acl.append("")
    (out / "mosquitto.acl").write_text("\n".join(acl), encoding="utf-8")
    (out / "mosquitto.conf").write_text(
        "# mosquitto -c mosquitto.conf\nlistener 1883\nallow_anonymous false\n"
        f"password_file {final / 'mosquitto.passwd'}\nacl_file {final / 'mosquitto.acl'}\n",
        encoding="utf-8")
    lines = ["# icu-dashboard broker --config broker.toml", "port = 1883",
             "allow_anonymous = false", ""]
    lines += broker_toml_lines([(a.user, argon2_hash(a.password), a.room, a.display)
                                for a in accounts])
    write_private(out / "broker.toml", "\n".join(lines) + "\n")
    return names + ["mosquitto.passwd", "mosquitto.acl", "mosquitto.conf", "broker.toml"]


def write_room_access(rooms: Sequence[str], out: Path,
                      displays: Sequence[str] = ()) -> list[Path]:
    """Write every file for the rooms' accounts into `out` (a new or empty folder).
    All or nothing: built in a private folder beside `out`, then renamed."""
    accounts = make_accounts(rooms, displays)
    out = Path(out)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise AccessError(f"{out}: not a folder (nothing written)")
    if out.exists() and any(out.iterdir()):
        raise AccessError(f"{out}: folder is not empty (nothing written)")
    parent = out.absolute().parent
    if not parent.is_dir():
        raise AccessError(f"{parent}: no such folder (nothing written)")
    final = out.absolute()
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=parent))  # mode 0700
    try:
        names = _write_all(accounts, work, final)
        os.chmod(work, 0o755)   # the secrets are 0600 each; mosquitto reads .acl/.conf
        if out.exists():
            out.rmdir()        # empty, checked above
        os.rename(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return [out / n for n in names]
