"""Who may connect to the embedded broker and what each account may publish and read,
held in memory (never in a file written for amqtt), and the pairing of new accounts.

:class:`AccountBook` answers amqtt's two questions -- may this user connect, may this
session publish / subscribe / receive on this topic -- from the accounts of a
``broker.toml`` (``room-access``) or of the broker's own store (first start without a
config, accounts made by pairing). :class:`RoomBroker` is amqtt's ``Broker`` asking the
book directly, with two workarounds for amqtt 0.12 (see its docstring).

Pairing (the default broker, docs/network.md): the broker prints two short codes at every
start, one for instructors and one for displays. A client pairs by connecting once with
its new account's user name and the password ``icu-pair:CODE:ROOM:DISPLAY:NEWPASS``
(DISPLAY empty for the instructor); NEWPASS is a password the client made itself. The
book checks the code (constant time), makes the account ``ROOM-DISPLAY`` (or
``ROOM-instructor``) with the rights of docs/network.md, stores its Argon2 hash and lets
the client in; the client keeps NEWPASS in its credentials file. A display name already
paired is refused (nobody takes over bed-1 with the display code), the instructor may pair
again (the instructor code is the lab's key). After :data:`MAX_BAD_CODES` wrong codes
pairing is off until the broker restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dashboard.net.access import (
    AccessError,
    account_user,
    argon2_hash,
    check_account,
    publish_rights,
    subscribe_rights,
)

PAIR_PREFIX = "icu-pair:"
MAX_BAD_CODES = 20
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"   # no 0/O, 1/I/L: read off a screen


@dataclass
class Account:
    password_hash: str
    publish: list[str]
    subscribe: list[str]
    room: str | None = None
    display: str | None = None   # None with a room: the instructor


def topic_allowed(topic: str, allowed: str) -> bool:
    """`topic` (a topic or, for a subscription, a filter) lies within the filter
    `allowed`. A wildcard in `topic` only matches the same wildcard in `allowed`."""
    want, have = topic.split("/"), allowed.split("/")
    for i, level in enumerate(have):
        if level == "#":
            return True
        if i >= len(want):
            return False
        if level != "+" and level != want[i]:
            return False
        if level == "+" and want[i] == "#":
            return False
    return len(want) == len(have)


def new_code() -> str:
    """8 characters (40 bits) in two groups, e.g. ``K7QF-M2XD``."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def _same_code(given: str, code: str) -> bool:
    norm = given.replace("-", "").replace(" ", "").upper().encode()
    return hmac.compare_digest(norm, code.replace("-", "").encode())


class AccountBook:
    """Accounts by user name; thread-safe (the broker's loop asks, the CLI prints)."""

    def __init__(self, accounts: dict[str, Account] | None = None, *,
                 allow_anonymous: bool = False) -> None:
        self.accounts = dict(accounts or {})
        self.allow_anonymous = allow_anonymous
        self.instructor_code: str | None = None
        self.display_code: str | None = None
        self.bad_codes = 0
        self.store: Callable[[AccountBook], None] | None = None
        self.announce: Callable[[str], None] = lambda _line: None
        self._lock = threading.Lock()
        self._verified: dict[str, bytes] = {}   # user -> sha256 of the last good password

    def open_pairing(self, store: Callable[[AccountBook], None]) -> None:
        """New codes for this start; `store` saves the book after each pairing."""
        self.instructor_code, self.display_code = new_code(), new_code()
        self.store = store

    # -- connect ----------------------------------------------------------------------
    def authenticate(self, user: str | None, password: str | None) -> bool:
        if self.allow_anonymous:
            return True
        if not user or password is None:
            return False
        if password.startswith(PAIR_PREFIX):
            return self._pair(user, password[len(PAIR_PREFIX):])
        with self._lock:
            account = self.accounts.get(user)
            seen = self._verified.get(user)
        if account is None:
            return False
        digest = hashlib.sha256(password.encode("utf-8", "replace")).digest()
        if seen is not None and hmac.compare_digest(seen, digest):
            return True   # Argon2 costs ~50 ms: not again on every reconnect
        from pwdlib.hashers.argon2 import Argon2Hasher

        try:
            ok = Argon2Hasher().verify(password, account.password_hash)
        except Exception:  # a hash pwdlib cannot read is a refusal, never a crash
            ok = False
        if ok:
            with self._lock:
                self._verified[user] = digest
        return ok

    def _pair(self, user: str, rest: str) -> bool:
        parts = rest.split(":", 3)
        if len(parts) != 4 or self.store is None:
            return False
        code, room, display, password = parts
        display_or_none = display or None
        try:
            check_account(room, display_or_none)
        except AccessError:
            return False
        if account_user(room, display_or_none) != user or len(password) < 16:
            return False
        with self._lock:
            wanted = self.instructor_code if display_or_none is None else self.display_code
            if self.bad_codes >= MAX_BAD_CODES or wanted is None:
                return False
            if not _same_code(code, wanted):
                self.bad_codes += 1
                if self.bad_codes == MAX_BAD_CODES:
                    self.announce(f"{MAX_BAD_CODES} wrong pairing codes: pairing is off "
                                  "until the broker restarts")
                return False
            old = self.accounts.get(user)
            if old is not None and (display_or_none is not None or old.room != room):
                self.announce(f"refused to pair {user}: that account exists already")
                return False
            self.accounts[user] = Account(argon2_hash(password),
                                          publish_rights(room, display_or_none),
                                          subscribe_rights(room, display_or_none),
                                          room, display_or_none)
            self._verified.pop(user, None)
            store = self.store
        store(self)
        who = "the instructor" if display_or_none is None else f"display {display}"
        self.announce(f"paired {who} of room {room} (account {user})")
        return True

    # -- topics -----------------------------------------------------------------------
    def may(self, user: str | None, topic: str, action: str) -> bool:
        """action: 'publish', 'subscribe' or 'receive' (amqtt's Action values)."""
        if self.allow_anonymous:
            return True
        with self._lock:
            account = self.accounts.get(user or "")
        if account is None:
            return False
        rights = account.publish if action == "publish" else account.subscribe
        return any(topic_allowed(topic, allowed) for allowed in rights)


# --------------------------------------------------------------------------- the broker

class _SnapshotDict(dict):
    """amqtt 0.12 iterates its subscriptions while awaiting (retained messages at connect,
    topic checks in a broadcast); a client subscribing meanwhile adds a key and the loop
    dies with "dictionary changed size during iteration" (the broadcast is lost). Iterate
    over a copy instead."""

    def __iter__(self) -> Iterator[Any]:
        return iter(list(super().keys()))

    def items(self) -> list[tuple[Any, Any]]:  # a list, not a live view
        return list(super().items())

    def keys(self) -> list[Any]:
        return list(super().keys())

    def values(self) -> list[Any]:
        return list(super().values())


def make_broker(config: dict[str, Any], book: AccountBook) -> Any:
    """amqtt's Broker, asking `book` (inside a running asyncio loop, as amqtt requires)."""
    from amqtt.broker import Broker

    class RoomBroker(Broker):
        """Authentication and topic rights from the book, without amqtt's plugin fan-out
        (it awaits a gather per check). Two amqtt 0.12 workarounds: the subscriptions are
        a _SnapshotDict, and at connect amqtt sends a new session the retained messages of
        every filter *any* session holds (to another room's account too, unchecked): we
        send only those of the session's own subscriptions."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._subscriptions = _SnapshotDict()

        async def _authenticate(self, session: Any, _listener: Any) -> bool:
            return book.authenticate(session.username, session.password)

        async def _topic_filtering(self, session: Any, topic: str, action: Any) -> bool:
            return book.may(session.username if session else None, topic, str(action))

        async def _publish_retained_messages_for_subscription(self, subscription: Any,
                                                              session: Any) -> None:
            mine = self._subscriptions.get(subscription[0], ())
            if any(s is session for s, _ in mine):
                await super()._publish_retained_messages_for_subscription(subscription,
                                                                          session)

    return RoomBroker(config)
