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
import tomllib
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
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise LinkError(f"broker {text!r}: bad port") from None
        if not parts.hostname or parts.path not in ("", "/"):
            raise LinkError(f"broker {text!r}: use mqtt://HOST[:PORT]")
        return cls(parts.scheme, parts.hostname, port)


@dataclass(frozen=True)
class Credentials:
    """A broker account, read from a small TOML file (``user``, ``password``, optional
    ``ca_file`` for a broker certificate not signed by a system CA)."""
    user: str
    password: str = field(repr=False)
    ca_file: str | None = None

    @classmethod
    def load(cls, path: str | Path) -> Credentials:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LinkError(f"{p}: credentials file not found") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise LinkError(f"{p}: cannot read credentials: {str(exc).splitlines()[0]}") from None
        user, password = data.get("user"), data.get("password")
        if not isinstance(user, str) or not user or not isinstance(password, str):
            raise LinkError(f"{p}: needs user = \"...\" and password = \"...\"")
        ca = data.get("ca_file")
        if ca is not None:
            if not isinstance(ca, str):
                raise LinkError(f"{p}: ca_file must be a path")
            ca_path = (p.parent / ca)
            if not ca_path.is_file():
                raise LinkError(f"{p}: ca_file {ca_path} not found")
            ca = str(ca_path)
        return cls(user, password, ca)


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
            self._client.username_pw_set(credentials.user, credentials.password)
            ca_file = ca_file or credentials.ca_file
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
