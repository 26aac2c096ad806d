"""Which broker account a role connects with: a credentials file, a pairing code, or the
account this machine paired with that broker before.

``--pair CODE`` (the code the default broker prints at its start) makes this machine's
own account on the broker: the client makes a password, connects once with
``icu-pair:CODE:ROOM:DISPLAY:PASSWORD`` (see :mod:`dashboard.net.broker_accounts`), and
on success keeps ``user``/``password``/``room``/``display`` in a credentials file of the
user data folder (``paired/HOST-PORT/ROOM-NAME.toml``, mode 0600 in a 0700 folder). Later
runs with the same broker, room and display find it there: ``--pair`` is needed once.

``--credentials FILE`` names the account explicitly (``room-access`` files). A display's
file says which display it is: without ``--display`` the monitor takes that name; a
different ``--display`` or ``--room`` is refused, and so is an instructor given a
display's account.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

from dashboard.net.access import (
    AccessError,
    RoomAccount,
    account_user,
    check_account,
    credentials_text,
    new_password,
)
from dashboard.net.broker import private_folder
from dashboard.net.broker_accounts import PAIR_PREFIX
from dashboard.net.link import BrokerUrl, Credentials, LinkError, MqttLink

PAIR_WAIT_S = 15.0
_CODE = re.compile(r"^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$")


def paired_file(url: BrokerUrl, room: str, display: str | None) -> Path:
    from replay_data.jsonl import user_data_file

    host = re.sub(r"[^A-Za-z0-9_.-]", "_", url.host)
    return (user_data_file("paired").parent / f"{host}-{url.port}"
            / f"{account_user(room, display)}.toml")


def _say(message: str) -> None:
    print(f"icu-dashboard: {message}", file=sys.stderr, flush=True)


def pair(url: BrokerUrl, room: str, display: str | None, code: str,
         ca_file: str | None = None, wait_s: float = PAIR_WAIT_S) -> Credentials:
    """Make this machine's account on the broker with the pairing code; keep it in
    :func:`paired_file` and return it. Raises LinkError (one line); nothing is written
    unless the broker took the account."""
    if not _CODE.match(code.strip()):
        raise LinkError(f"--pair {code!r}: a pairing code looks like K7QF-M2XD (the broker "
                        "prints it at its start)")
    try:
        check_account(room, display)
    except AccessError as exc:
        raise LinkError(str(exc)) from None
    target = paired_file(url, room, display)
    account = RoomAccount(room, display, new_password())
    ticket = Credentials(account.user, f"{PAIR_PREFIX}{code.strip().upper()}:{room}:"
                                       f"{display or ''}:{account.password}", ca_file)
    link = MqttLink(url, credentials=ticket)
    link.start()
    try:
        end = time.monotonic() + wait_s
        while time.monotonic() < end and not link.connected and not link.refused:
            time.sleep(0.02)
        ok, refused = link.connected, link.refused
    finally:
        link.stop()
    who = "the instructor" if display is None else f"display {display}"
    if refused:
        raise LinkError(f"broker {url} refused to pair {who} of room {room}: a wrong or "
                        "old code (the broker prints new ones at every start)"
                        + ("" if display is None else f", or {display} is paired already"))
    if not ok:
        raise LinkError(f"broker {url} not reachable within {wait_s:g} s: cannot pair")
    folder = private_folder(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=".pair-", dir=folder)   # 0600
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(credentials_text(account))
        if ca_file:
            f.write(f'ca_file = "{Path(ca_file).absolute()}"\n')
    os.replace(tmp, target)
    _say(f"paired {who} of room {room} with {url} (account {account.user}, kept in "
         f"{target})")
    return Credentials.load(target)


def account_for(extra: dict, role: str, url: BrokerUrl, room: str,
                default_display: str | None = None) -> tuple[Credentials | None, str | None]:
    """(credentials, display name) for a role from --credentials / --pair / a paired
    account. The display is --display, else the credentials file's, else
    `default_display` (the host name); None for the instructor. Raises LinkError."""
    display = extra.get("display") if role == "monitor" else None
    path, code = extra.get("credentials"), extra.get("pair")
    if path and code:
        raise LinkError("give --credentials FILE or --pair CODE, not both")
    if path:
        creds = Credentials.load(path)
        if creds.room is not None and creds.room != room:
            raise LinkError(f"{path}: an account of room {creds.room}, not of --room {room}")
        if role == "instructor":
            if creds.display is not None:
                raise LinkError(f"{path}: the account of display {creds.display}, not an "
                                "instructor's")
            return creds, None
        if creds.display is not None:
            if display is not None and display != creds.display:
                raise LinkError(f"--display {display}: {path} is the account of display "
                                f"{creds.display}")
            return creds, creds.display
        return creds, display
    if role == "monitor" and display is None:
        display = default_display
    stored = paired_file(url, room, display)
    if stored.exists():
        if code:
            _say(f"already paired with {url} ({stored}); --pair is needed only once")
        return Credentials.load(stored), display
    if code:
        creds = pair(url, room, display, code)
        # A code is spent once paired: the run's later look-ups (the login check, then the
        # role) find the stored account instead of saying "already paired".
        extra["pair"] = None
        return creds, display
    return None, display
