"""The embedded MQTT broker for labs without Mosquitto: ``icu-dashboard broker``.

It is amqtt (MQTT 3.1.1, pure Python on asyncio, maintained, on PyPI), configured from a
small TOML file::

    port = 1883                 # --port overrides it
    bind = "0.0.0.0"
    allow_anonymous = false     # default true when no [users] are given
    [users]                     # user = argon2 hash (icu-dashboard room-access writes these)
    "sim1-instructor" = "$argon2id$..."
    [acl.publish]               # user = topics it may publish to (+ and # wildcards)
    "sim1-display" = ["icu/sim1/request", "icu/sim1/display/+"]
    [acl.subscribe]
    "sim1-display" = ["icu/sim1/#"]
    [tls]                       # mqtts: the listener then speaks TLS only
    certfile = "server.crt"
    keyfile = "server.key"

Relative paths are taken from the config file's folder. Without ``--config`` the broker
accepts anyone on the given port (a closed lab network; it says so on start).
amqtt's packet logger is left out and its loggers are held at WARNING, so no password
ever reaches a log. amqtt's ``Broker`` must be created inside a running asyncio loop, so
:class:`EmbeddedBroker` runs one on a thread of its own (tests, benchmarks) and
:func:`serve` runs it in the foreground (the CLI).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import tempfile
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class BrokerConfigError(ValueError):
    """A config file the broker cannot use; the text is one line."""


@dataclass
class BrokerSettings:
    port: int = 1883
    bind: str = "0.0.0.0"
    allow_anonymous: bool = True
    users: dict[str, str] = field(default_factory=dict)
    publish_acl: dict[str, list[str]] | None = None
    subscribe_acl: dict[str, list[str]] | None = None
    certfile: Path | None = None
    keyfile: Path | None = None

    @property
    def secured(self) -> bool:
        return not self.allow_anonymous

    @classmethod
    def load(cls, path: str | Path) -> BrokerSettings:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BrokerConfigError(f"{p}: broker config not found") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise BrokerConfigError(f"{p}: {str(exc).splitlines()[0]}") from None
        known = {"port", "bind", "allow_anonymous", "users", "acl", "tls"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise BrokerConfigError(f"{p}: unknown setting {unknown[0]!r}")
        s = cls()
        port = data.get("port", s.port)
        if type(port) is not int or not 0 <= port <= 65535:
            raise BrokerConfigError(f"{p}: port must be 0..65535")
        s.port = port
        s.bind = str(data.get("bind", s.bind))
        users = data.get("users", {})
        if not isinstance(users, dict) or not all(isinstance(v, str) for v in users.values()):
            raise BrokerConfigError(f"{p}: [users] must map user names to password hashes")
        s.users = dict(users)
        anon = data.get("allow_anonymous", not users)
        if not isinstance(anon, bool):
            raise BrokerConfigError(f"{p}: allow_anonymous must be true or false")
        s.allow_anonymous = anon
        acl = data.get("acl", {})
        for kind in ("publish", "subscribe"):
            table = acl.get(kind) if isinstance(acl, dict) else None
            if table is None:
                continue
            if not isinstance(table, dict) or not all(
                    isinstance(v, list) and all(isinstance(t, str) for t in v)
                    for v in table.values()):
                raise BrokerConfigError(f"{p}: [acl.{kind}] must map users to topic lists")
            setattr(s, f"{kind}_acl", {k: list(v) for k, v in table.items()})
        tls = data.get("tls")
        if tls is not None:
            if not isinstance(tls, dict) or not {"certfile", "keyfile"} <= set(tls):
                raise BrokerConfigError(f"{p}: [tls] needs certfile and keyfile")
            for key in ("certfile", "keyfile"):
                f = p.parent / str(tls[key])
                if not f.is_file():
                    raise BrokerConfigError(f"{p}: tls {key} {f} not found")
                setattr(s, key, f)
        return s

    def amqtt_config(self, password_file: Path | None) -> dict[str, Any]:
        listener: dict[str, Any] = {"type": "tcp", "bind": f"{self.bind}:{self.port}"}
        if self.certfile is not None:
            listener.update(ssl=True, certfile=str(self.certfile), keyfile=str(self.keyfile))
        plugins: dict[str, Any] = {
            "amqtt.plugins.authentication.AnonymousAuthPlugin":
                {"allow_anonymous": self.allow_anonymous},
        }
        if password_file is not None:
            plugins["amqtt.plugins.authentication.FileAuthPlugin"] = {
                "password_file": str(password_file)}
        if self.publish_acl is not None or self.subscribe_acl is not None:
            plugins["amqtt.plugins.topic_checking.TopicAccessControlListPlugin"] = {
                "publish_acl": self.publish_acl or {}, "acl": self.subscribe_acl or {}}
        return {"listeners": {"default": listener}, "plugins": plugins}


def _quiet_amqtt() -> None:
    # amqtt logs every packet at DEBUG (CONNECT carries the password), and a failed start
    # as a traceback; the caller reports errors in one line, so amqtt stays quiet.
    for name in ("amqtt", "transitions"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


class _Running:
    """Config files written for amqtt (a password file it reads) live only while it runs."""

    def __init__(self, settings: BrokerSettings) -> None:
        self.settings = settings
        self._dir: Path | None = None

    def config(self) -> dict[str, Any]:
        password_file = None
        if self.settings.users:
            self._dir = Path(tempfile.mkdtemp(prefix="icu-broker-"))
            password_file = self._dir / "passwd"
            password_file.write_text("".join(f"{u}:{h}\n" for u, h in
                                             self.settings.users.items()), encoding="utf-8")
            password_file.chmod(0o600)
        return self.settings.amqtt_config(password_file)

    def cleanup(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


async def _run(settings: BrokerSettings, started: threading.Event | None,
               stop: asyncio.Event) -> None:
    from amqtt.broker import Broker

    _quiet_amqtt()
    running = _Running(settings)
    try:
        broker = Broker(running.config())   # inside the running loop, as amqtt requires
        await broker.start()
        if started is not None:
            started.set()
        await stop.wait()
        await broker.shutdown()
    finally:
        running.cleanup()


def serve(settings: BrokerSettings, *, announce=print) -> int:
    """Run the broker in the foreground until Ctrl-C / SIGTERM; returns the exit code."""
    import signal

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        started = threading.Event()
        task = asyncio.create_task(_run(settings, started, stop))
        while not started.is_set() and not task.done():
            await asyncio.sleep(0.05)
        if task.done():
            await task   # raises the start-up error
        scheme = "mqtts" if settings.certfile else "mqtt"
        access = ("user name and password required" if settings.secured else
                  "ANYONE on the network may connect (no --config)")
        announce(f"broker: {scheme}://{settings.bind}:{settings.port} ({access}); "
                 "Ctrl-C stops it", flush=True)
        await task

    asyncio.run(main())
    return 0


class EmbeddedBroker:
    """The broker on a background thread with its own event loop (tests, benchmarks)."""

    def __init__(self, settings: BrokerSettings | None = None, *, port: int | None = None,
                 bind: str = "127.0.0.1") -> None:
        self.settings = settings or BrokerSettings()
        self.settings.bind = bind
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
                self._stop = asyncio.Event()
                await _run(self.settings, started, self._stop)
            try:
                asyncio.run(main())
            except BaseException as exc:  # reported to the starter
                self.error = exc
                started.set()

        self._thread = threading.Thread(target=run, name="embedded-broker", daemon=True)
        self._thread.start()
        if not started.wait(timeout) or self.error is not None:
            raise RuntimeError(f"embedded broker did not start: {self.error}")
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
