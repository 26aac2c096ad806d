"""One MQTT connection (paho-mqtt 2.x) that never touches the session.

The paho network thread (``loop_start``) only moves bytes: incoming messages go into a
thread-safe inbox that the owner drains on its own thread (the Qt frame timer or the
headless tick loop), and connection changes are flags read there too. The last will is
set before connecting; paho reconnects by itself after a lost link, and on every
(re)connect the link subscribes again and re-sends the retained messages it owns (the
instructor's session state, presence), so a restarted broker is repopulated.

Secrets: the password comes from a credentials file, is handed to paho and nowhere
else; ``repr`` and log lines show the user name only.
"""

from __future__ import annotations

import queue
import ssl
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
KEEPALIVE_S = 5   # a dead broker is noticed within 1.5 x this, a closed socket at once


class LinkError(ValueError):
    """A bad broker address or credentials file; the text is one line."""


@dataclass(frozen=True)
class BrokerUrl:
    scheme: str
    host: str
    port: int

    @property
    def tls(self) -> bool:
        return self.scheme == "mqtts"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> BrokerUrl:
        parts = urlsplit(text if "://" in text else f"mqtt://{text}")
        if parts.scheme not in DEFAULT_PORTS:
            raise LinkError(f"broker {text!r}: use mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")
        if parts.username or parts.password:
            raise LinkError(f"broker {parts.hostname}: put the user name and password in "
                            "--credentials FILE, not in the address")
        try:
            port = parts.port
        except ValueError:
            raise LinkError(f"broker {text!r}: bad port (use 1..65535)") from None
        if port is None:
            port = DEFAULT_PORTS[parts.scheme]
        elif not 0 < port <= 65535:  # urllib accepts :0, which no broker listens on
            raise LinkError(f"broker {text!r}: bad port {port} (use 1..65535)")
        if not parts.hostname or parts.path not in ("", "/"):
            raise LinkError(f"broker {text!r}: use mqtt://HOST[:PORT]")
        return cls(parts.scheme, parts.hostname, port)


MAX_FIELD_BYTES = 65535   # MQTT 3.1.1: a user name or password is at most 65,535 bytes


def check_login(user: str, password: str, where: str) -> None:
    for name, value in (("user", user), ("password", password)):
        size = len(value.encode("utf-8"))
        if size > MAX_FIELD_BYTES:
            raise LinkError(f"{where}: {name} is {size} bytes; MQTT allows at most "
                            f"{MAX_FIELD_BYTES}")


@dataclass(frozen=True)
class Credentials:
    """A broker account, read from a small TOML file: ``user``, ``password``, optional
    ``ca_file`` (a broker certificate not signed by a system CA), and, for a display's
    account, ``room`` and ``display`` (the display it is; ``room-access`` and pairing
    write them). Read through the one hardened reader (size, kind, depth limits)."""
    user: str
    password: str = field(repr=False)
    ca_file: str | None = None
    room: str | None = None
    display: str | None = None

    @classmethod
    def load(cls, path: str | Path) -> Credentials:
        from dashboard.net.protocol import check_name
        from replay_data.input_file import InputFileError
        from replay_data.toml_reader import locate, read_toml

        p = Path(path)

        def error(file: str, line: int | None, key: tuple, problem: str) -> Exception:
            return LinkError(f"{locate(file, line, key)}: {problem}")

        try:
            doc = read_toml(p, "credentials")
        except InputFileError as exc:
            raise LinkError(str(exc)) from None
        root = doc.root(error)
        root.check_keys(("user", "password", "ca_file", "room", "display"))
        user = root.text("user", nonempty=True)
        password = root.text("password")
        check_login(user, password, str(p))
        names: dict[str, str | None] = {}
        for key in ("room", "display"):
            names[key] = root.text(key, None, nonempty=True)
            if names[key] is not None:
                try:
                    check_name(key, names[key])
                except ValueError as exc:
                    raise root.fail(key, str(exc)) from None
        ca = root.text("ca_file", None, nonempty=True)
        if ca is not None:
            ca_path = p.parent / ca
            if not ca_path.is_file():
                raise root.fail("ca_file", f"{ca_path} not found")
            ca = str(ca_path)
        return cls(user, password, ca, names["room"], names["display"])


def tls_problem(url: BrokerUrl, ca_file: str | None, timeout: float = 5.0) -> str | None:
    """Why a TLS handshake with the broker fails, or None (it works, or the broker is not
    reachable at all: that is for the reconnecting link to wait out). paho retries a
    failed handshake silently forever, so the roles ask this when the link stays down."""
    import socket

    ctx = ssl.create_default_context(cafile=ca_file)
    try:
        raw = socket.create_connection((url.host, url.port), timeout=timeout)
    except OSError:
        return None
    try:
        with ctx.wrap_socket(raw, server_hostname=url.host):
            return None
    except ssl.SSLCertVerificationError as exc:
        return f"the broker's certificate is not trusted ({exc.verify_message})"
    except ssl.SSLError as exc:
        return f"no TLS handshake ({exc.reason or exc})"
    except TimeoutError:
        return f"no TLS handshake within {timeout:g} s (is it a plain mqtt:// broker?)"
    except OSError as exc:
        return f"the broker closed the connection during the TLS handshake " \
               f"({exc.strerror or type(exc).__name__}; is it a plain mqtt:// broker?)"
    finally:
        raw.close()


@dataclass(frozen=True)
class Incoming:
    topic: str
    payload: bytes
    retain: bool


class MqttLink:
    def __init__(self, url: BrokerUrl, *, client_id: str | None = None,
                 credentials: Credentials | None = None,
                 will: tuple[str, bytes] | None = None,
                 subscriptions: Iterable[str] = (),
                 ca_file: str | None = None) -> None:
        self.url = url
        self.inbox: queue.SimpleQueue[Incoming] = queue.SimpleQueue()
        self._subscriptions = list(subscriptions)
        self._retained: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._refused = ""          # why the broker refused us (bad login, ...)
        self.connects = 0           # successful connections so far (1 + reconnects)
        self.bytes_out = 0          # payload + topic bytes sent (for the benchmark)
        self.bytes_in = 0
        self.user = credentials.user if credentials else None
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                   client_id=client_id or f"icu-{uuid.uuid4().hex[:12]}",
                                   protocol=mqtt.MQTTv311, clean_session=True)
        if credentials is not None:
            check_login(credentials.user, credentials.password, "credentials")
            self._client.username_pw_set(credentials.user, credentials.password)
            ca_file = ca_file or credentials.ca_file
        self.ca_file = ca_file
        if url.tls:
            self._client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
        if will is not None:
            self._client.will_set(will[0], will[1], qos=1, retain=True)
        self._client.reconnect_delay_set(min_delay=1, max_delay=2)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._started = False

    def __repr__(self) -> str:
        return f"MqttLink({self.url}, user={self.user!r})"

    # -- owner thread ---------------------------------------------------------------
    def set_will(self, topic: str, payload: bytes) -> None:
        """Before start(): what the broker publishes (retained) if we vanish."""
        self._client.will_set(topic, payload, qos=1, retain=True)

    def start(self) -> None:
        self._client.connect_async(self.url.host, self.url.port, keepalive=KEEPALIVE_S)
        self._client.loop_start()
        self._started = True

    def stop(self, farewell: tuple[str, bytes] | None = None, timeout: float = 2.0) -> None:
        """Disconnect cleanly (the broker then does not send the will, so a farewell
        presence message is published first)."""
        if not self._started:
            return
        if farewell is not None and self.connected:
            info = self._client.publish(farewell[0], farewell[1], qos=1, retain=True)
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                pass
        self._client.disconnect()
        self._client.loop_stop()
        self._started = False

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def refused(self) -> str:
        return self._refused

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        """Send at QoS 1. Retained messages are remembered and sent again after every
        reconnect; others published while the link is down are queued by paho."""
        if retain:
            with self._lock:
                self._retained[topic] = payload
        self.bytes_out += len(payload) + len(topic)
        self._client.publish(topic, payload, qos=1, retain=retain)

    def drain(self, limit: int = 1000) -> list[Incoming]:
        out: list[Incoming] = []
        while len(out) < limit:
            try:
                out.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return out

    # -- paho network thread: only flags, queues and re-sending cached bytes -----------
    def _on_connect(self, client: mqtt.Client, _userdata: object, _flags: object,
                    reason_code: mqtt.ReasonCode, _properties: object) -> None:
        if reason_code.is_failure:
            self._refused = str(reason_code)
            return
        self._refused = ""
        for topic in self._subscriptions:
            client.subscribe(topic, qos=1)
        with self._lock:
            retained = list(self._retained.items())
        for topic, payload in retained:
            client.publish(topic, payload, qos=1, retain=True)
        self.connects += 1
        self._connected.set()

    def _on_disconnect(self, _client: mqtt.Client, _userdata: object, _flags: object,
                       _reason_code: object, _properties: object) -> None:
        self._connected.clear()

    def _on_message(self, _client: mqtt.Client, _userdata: object,
                    message: mqtt.MQTTMessage) -> None:
        self.bytes_in += len(message.payload) + len(message.topic)
        self.inbox.put(Incoming(message.topic, bytes(message.payload), bool(message.retain)))
