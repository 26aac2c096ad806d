"""Before a networked instructor or monitor creates its first file: does the broker let
this account in? A wrong or empty password, or an anonymous client on a secured broker,
is refused here in one line (exit 2) -- not after "recording the session to ..." with a
session file and an alarm log left behind.

A broker that does not answer within LOGIN_WAIT_S is not an error: the run starts and
keeps trying in the background, as it always has (a room may start the broker last)."""

from __future__ import annotations

import time

from dashboard.net.link import MqttLink
from dashboard.net.roles import NetworkOptionError

LOGIN_WAIT_S = 5.0
_POLL_S = 0.02


def check_broker_login(net: dict, wait_s: float = LOGIN_WAIT_S) -> None:
    """Connect once with the run's URL and credentials (no subscriptions, nothing
    published) and raise NetworkOptionError when the broker refuses the login."""
    link = MqttLink(net["url"], credentials=net["credentials"])
    link.start()
    try:
        end = time.monotonic() + wait_s
        # Polled: the refusal arrives as a CONNACK on paho's thread, not as an event.
        while time.monotonic() < end and not link.connected and not link.refused:
            time.sleep(_POLL_S)
        if link.refused:
            raise NetworkOptionError(f"broker {link.url} refused the connection: "
                                     f"{link.refused} (nothing written)")
    finally:
        link.stop()
