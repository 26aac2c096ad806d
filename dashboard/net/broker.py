"""The embedded MQTT broker for labs without Mosquitto: ``icu-dashboard broker``.

It is amqtt (MQTT 3.1.1, pure Python on asyncio, maintained, on PyPI). Three ways to run:

- no options (the default): accounts required. The broker keeps the accounts of the
  machines paired with it in the user data folder (``broker/accounts.toml``, mode 0600 in
  a 0700 folder) and prints two pairing codes at each start (instructor, displays); a
  machine pairs once (``--pair CODE``) and has its own account from then on
  (:mod:`dashboard.net.broker_accounts`, :mod:`dashboard.net.pairing`).
- ``--config broker.toml`` (written by ``icu-dashboard room-access``)::

    port = 1883                 # --port overrides it
    bind = "0.0.0.0"
    allow_anonymous = false
    [users]                     # user = argon2 hash
    "sim1-instructor" = "$argon2id$..."
    [acl.publish]               # user = topics it may publish to (+ and # wildcards)
    "sim1-bed-1" = ["icu/sim1/request/bed-1", "icu/sim1/display/bed-1"]
    [acl.subscribe]
    "sim1-bed-1" = ["icu/sim1/#"]
    [tls]                       # mqtts: the listener then speaks TLS only
    certfile = "server.crt"
    keyfile = "server.key"

  Relative paths are taken from the config file's folder. The file is read through the
  one hardened reader (replay_data.toml_reader); any value it cannot use is refused in
  one line naming the file, line and key.
- ``--allow-anonymous``: anyone who reaches the port may connect and publish anything;
  bound to 127.0.0.1 unless ``--bind`` says otherwise.

Accounts and rights are checked in memory (no password file is ever written for amqtt,
so nothing with hashes is left in the temp folder when the broker is killed).
amqtt's packet logger is left out and its loggers are held at CRITICAL, so no password
ever reaches a log. amqtt's ``Broker`` must be created inside a running asyncio loop, so
:class:`EmbeddedBroker` runs one on a thread of its own (tests, benchmarks) and
:func:`serve` runs it in the foreground (the CLI).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard.net.access import broker_toml_lines, check_account, toml_str
from dashboard.net.broker_accounts import Account, AccountBook
from replay_data.input_file import InputFileError
from replay_data.toml_reader import BadValue, Table, locate, read_toml

KIND = "broker config"


class BrokerConfigError(ValueError):
    """A config file the broker cannot use; the text is one line."""


def _config_error(file: str, line: int | None, path: tuple, problem: str) -> Exception:
    return BrokerConfigError(f"{locate(file, line, path)}: {problem}")


def check_filter(topic: str) -> str:
    """An MQTT topic filter: '#' only as the last level, '+' only as a whole level."""
    levels = topic.split("/")
    if not topic or any(("#" in lv and (lv != "#" or i != len(levels) - 1)) or
                        ("+" in lv and lv != "+") for i, lv in enumerate(levels)):
        raise BadValue(f"{topic!r} is not an MQTT topic filter")
    return topic


def _topic_lists(t: Table, users: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for user in t.table:
        if user not in users:
            raise t.fail(user, "no such user in [users]")
        topics = t.texts(user)
        for i, topic in enumerate(topics):
            try:
                check_filter(topic)
            except BadValue as exc:
                raise t.fail((user, i), str(exc)) from None
        out[user] = list(topics)
    return out


def read_accounts(root: Table, *, store: bool = False) -> dict[str, Account]:
    """[users], [acl.publish], [acl.subscribe] (and, in the broker's own store,
    [paired]: user = [room, display]) as accounts; every value checked."""
    users_t = root.child("users")
    users: dict[str, str] = {}
    for user in users_t.table:
        h = users_t.text(user, nonempty=True)
        if not h.startswith("$argon2"):
            raise users_t.fail(user, "must be an Argon2 hash ($argon2id$...; "
                                     "icu-dashboard room-access writes them)")
        users[user] = h
    acl = root.child("acl")
    acl.check_keys(("publish", "subscribe"))
    publish = _topic_lists(acl.child("publish"), users)
    subscribe = _topic_lists(acl.child("subscribe"), users)
    accounts = {u: Account(h, publish.get(u, []), subscribe.get(u, []))
                for u, h in users.items()}
    if store:
        paired = root.child("paired")
        for user in paired.table:
            pair = paired.texts(user)
            if user not in accounts or len(pair) != 2:
                raise paired.fail(user, "must be [room, display] of a user in [users]")
            try:
                check_account(pair[0], pair[1] or None)
            except ValueError as exc:
                raise paired.fail(user, str(exc)) from None
            accounts[user].room, accounts[user].display = pair[0], pair[1] or None
    return accounts


@dataclass
class BrokerSettings:
    """What the broker runs with. The dataclass default is the open broker the tests
    use on 127.0.0.1; the CLI's default is :meth:`paired`."""
    port: int = 1883
    bind: str = "127.0.0.1"
    allow_anonymous: bool = True
    accounts: dict[str, Account] = field(default_factory=dict)
    store: Path | None = None        # pairing on: the accounts file of the paired machines
    certfile: Path | None = None
    keyfile: Path | None = None

    @property
    def secured(self) -> bool:
        return not self.allow_anonymous

    @classmethod
    def paired(cls, store: Path) -> BrokerSettings:
        """Accounts required, kept in `store`, new ones made by pairing."""
        s = cls(bind="0.0.0.0", allow_anonymous=False, store=Path(store))
        if s.store.exists() or s.store.is_symlink():
            doc = _read(s.store)
            root = doc.root(_config_error)
            root.check_keys(("users", "acl", "paired"))
            s.accounts = read_accounts(root, store=True)
        return s

    @classmethod
    def load(cls, path: str | Path) -> BrokerSettings:
        p = Path(path)
        root = _read(p).root(_config_error)
        root.check_keys(("port", "bind", "allow_anonymous", "users", "acl", "tls"))
        s = cls(bind="0.0.0.0")
        s.port = int(root.number("port", s.port, minimum=1, maximum=65535))
        if isinstance(root.raw("port", 1), float):
            raise root.fail("port", "must be a whole number")
        s.bind = root.text("bind", s.bind, nonempty=True).strip()
        s.accounts = read_accounts(root)
        s.allow_anonymous = root.boolean("allow_anonymous", not s.accounts)
        if not s.allow_anonymous and not s.accounts:
            raise root.fail("allow_anonymous", "false with no [users]: nobody could connect")
        if "tls" in root:
            tls = root.child("tls")
            tls.check_keys(("certfile", "keyfile"))
            for key in ("certfile", "keyfile"):
                f = p.parent / tls.text(key, nonempty=True)
                if not f.is_file():
                    raise tls.fail(key, f"{f} not found")
                setattr(s, key, f)
        return s

    def amqtt_config(self) -> dict[str, Any]:
        listener: dict[str, Any] = {"type": "tcp", "bind": f"{self.bind}:{self.port}"}
        if self.certfile is not None:
            listener.update(ssl=True, certfile=str(self.certfile), keyfile=str(self.keyfile))
        # No amqtt plugins: RoomBroker asks the AccountBook itself.
        return {"listeners": {"default": listener}, "plugins": {}}

    def book(self, announce: Callable[[str], None] = lambda _line: None) -> AccountBook:
        book = AccountBook(self.accounts, allow_anonymous=self.allow_anonymous)
        book.announce = announce
        if self.store is not None:
            store = self.store
            book.open_pairing(lambda b: save_store(b, store))
        return book


def _read(p: Path):
    try:
        return read_toml(p, KIND)
    except InputFileError as exc:
        raise BrokerConfigError(str(exc)) from None


def user_store() -> Path:
    """broker/accounts.toml in the user data folder ($XDG_DATA_HOME/icu-ecmo-replay)."""
    from replay_data.jsonl import user_data_file

    return user_data_file("broker").parent / "accounts.toml"


def private_folder(folder: Path) -> Path:
    """Make `folder` (and its parents) and keep it 0700: only this user may look in."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.is_symlink() or not folder.is_dir():
        raise OSError(0, f"{folder} is not a folder")
    os.chmod(folder, 0o700)
    return folder


def save_store(book: AccountBook, path: Path) -> None:
    """The paired accounts, written beside and renamed (never half a file)."""
    entries = [(u, a.password_hash, a.room, a.display) for u, a in book.accounts.items()
               if a.room is not None]
    lines = ["# accounts of the machines paired with this broker (icu-dashboard broker);",
             "# delete an account's lines (all four tables) and restart to pair it again", ""]
    lines += broker_toml_lines(entries)
    lines += ["", "[paired]  # user = [room, display] (\"\": the instructor)"]
    lines += [f"{toml_str(u)} = [{toml_str(r)}, {toml_str(d or '')}]" for u, _, r, d in entries]
    folder = private_folder(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".accounts-", dir=folder)   # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _quiet_amqtt() -> None:
    # amqtt logs every packet at DEBUG (CONNECT carries the password), and a failed start
    # as a traceback; the caller reports errors in one line, so amqtt stays quiet.
    for name in ("amqtt", "transitions"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


async def _run(settings: BrokerSettings, started: threading.Event | None,
               stop: asyncio.Event, announce: Callable[[str], None] = lambda _l: None,
               books: list[AccountBook] | None = None) -> None:
    from dashboard.net.broker_accounts import make_broker

    _quiet_amqtt()
    book = settings.book(announce)
    if books is not None:
        books.append(book)
    broker = make_broker(settings.amqtt_config(), book)  # inside the running loop
    await broker.start()
    if started is not None:
        started.set()
    await stop.wait()
    await broker.shutdown()


def pairing_lines(settings: BrokerSettings, book: AccountBook) -> list[str]:
    """What the broker prints at start: how to pair the instructor and the displays."""
    if book.instructor_code is None:
        return []
    host = settings.bind if settings.bind not in ("0.0.0.0", "::", "") else \
        socket.gethostname()
    url = f"{'mqtts' if settings.certfile else 'mqtt'}://{host}:{settings.port}"
    return [
        f"pair the instructor once: icu-dashboard instructor --broker {url} --room ROOM "
        f"--pair {book.instructor_code}",
        f"pair each display once:   icu-dashboard monitor --broker {url} --room ROOM "
        f"--display NAME --pair {book.display_code}",
        f"(new codes at every start; {len(book.accounts)} machine(s) paired so far, "
        f"kept in {settings.store})",
    ]


def serve(settings: BrokerSettings, *, announce: Callable[..., Any] = print) -> int:
    """Run the broker in the foreground until Ctrl-C / SIGTERM; returns the exit code."""
    import signal

    def say(line: str) -> None:
        announce(f"broker: {line}", flush=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        started = threading.Event()
        books: list[AccountBook] = []
        task = asyncio.create_task(_run(settings, started, stop, say, books))
        while not started.is_set() and not task.done():
            await asyncio.sleep(0.05)
        if task.done():
            await task   # raises the start-up error
        scheme = "mqtts" if settings.certfile else "mqtt"
        access = ("accounts required" if settings.secured else
                  "OPEN: anyone who reaches this port may connect and publish")
        say(f"{scheme}://{settings.bind}:{settings.port} ({access}); Ctrl-C stops it")
        for line in pairing_lines(settings, books[0]):
            say(line)
        await task

    asyncio.run(main())
    return 0


class EmbeddedBroker:
    """The broker on a background thread with its own event loop (tests, benchmarks)."""

    def __init__(self, settings: BrokerSettings | None = None, *, port: int | None = None,
                 bind: str = "127.0.0.1") -> None:
        self.settings = settings or BrokerSettings()
        self.settings.bind = bind
        self.book: AccountBook | None = None   # once started (pairing codes, accounts)
        self.said: list[str] = []
        self.loop_errors: list[str] = []
        if port is not None:
            self.settings.port = port
        if self.settings.port == 0:
            self.settings.port = free_port()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.error: BaseException | None = None

    @property
    def port(self) -> int:
        return self.settings.port

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.settings.certfile else 'mqtt'}://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> EmbeddedBroker:
        started = threading.Event()

        def run() -> None:
            async def main() -> None:
                self._loop = asyncio.get_running_loop()
                # What amqtt leaves unhandled (a dead session handler): kept for tests.
                self._loop.set_exception_handler(
                    lambda _loop, ctx: self.loop_errors.append(
                        repr(ctx.get("exception") or ctx.get("message"))))
                self._stop = asyncio.Event()
                books: list[AccountBook] = []
                self._books = books
                await _run(self.settings, started, self._stop, self.said.append, books)
            try:
                asyncio.run(main())
            except BaseException as exc:  # reported to the starter
                self.error = exc
                started.set()

        self._thread = threading.Thread(target=run, name="embedded-broker", daemon=True)
        self._thread.start()
        if not started.wait(timeout) or self.error is not None:
            raise RuntimeError(f"embedded broker did not start: {self.error}")
        self.book = self._books[0]
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
