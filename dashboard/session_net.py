"""A Qt session (MonitorSession) in network mode: the bridge pumped before each tick,
the bedside made again when the instructor's session changes, and what the link does
shown on the screen.

The networked bedside monitor (`attach_monitor`): the frame timer pumps the bridge,
then ticks the controller once in step. A state it cannot follow (a scenario file it
does not have, another version) is refused in a banner of its own across the monitor
(objectName `monitor.refused`) and on stderr; the alarm log is kept and the next good
state is taken. A small status line (`linkStatus`) says when the instructor's link is
lost.

The instructor (`attach_instructor`): the frame timer pumps the bridge; a scenario
chosen in the pre-brief goes on in a new controller, which the bridge then publishes;
which displays are connected goes to the controller (the console's Displays list and
the session log), stderr and the console's window title.
"""

from __future__ import annotations

import sys

import shiboken6
from PySide6 import QtCore, QtWidgets

from dashboard.net.bridge import (
    InstructorBridge,
    MonitorBridge,
    instructor_subscriptions,
    monitor_subscriptions,
)
from dashboard.net.link import MqttLink
from dashboard.session import MonitorSession


def _say(message: str) -> None:
    print(f"icu-dashboard: {message}", file=sys.stderr, flush=True)


class RefusalBanner(QtWidgets.QLabel):
    """Across the top of the bedside's waveforms: why this bedside does not follow the
    instructor, in words a trainee or technician can act on. Kept on top and as wide
    as the monitor whenever it is resized."""

    OBJECT_NAME = "monitor.refused"
    BACKGROUND = "#b71c1c"

    def __init__(self, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self.setObjectName(self.OBJECT_NAME)
        self.setWordWrap(True)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet(f"background: {self.BACKGROUND}; color: #ffffff; font-size: 18px;"
                           " font-weight: bold; padding: 10px; border: 2px solid #ffffff;")
        self.setVisible(False)
        window.installEventFilter(self)

    def show_refusal(self, line: str) -> None:
        self.show_text("NOT IN STEP WITH THE INSTRUCTOR \u2014 " + line.removeprefix(
            "REFUSED: ") + "\nThis bedside keeps waiting for a session it can follow."
            if line else "")

    def show_text(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))
        self._fit()
        self.raise_()

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize and self.isVisible():
            self._fit()
        return False

    def _fit(self) -> None:
        w = self.parentWidget()
        if w is None:
            return
        width = max(200, w.width() - 40)
        self.setFixedWidth(width)
        self.setFixedHeight(self.heightForWidth(width) if self.hasHeightForWidth()
                            else self.sizeHint().height())
        self.move(20, max(0, w.height() // 4))


class WaitingBanner(RefusalBanner):
    """Before the first session state arrives the bedside shows the scenario's opening
    moment, frozen: without a word across it a trainee could take those numbers and
    alarms for the session's. Said as plainly as a refusal, in a calmer colour."""

    OBJECT_NAME = "monitor.waiting"
    BACKGROUND = "#1a3a5c"


def waiting_text(room: str, display: str, status: str) -> str:
    link = "" if not status or status.startswith("waiting for the instructor") else \
        f"\n({status})"
    return (f"WAITING FOR THE INSTRUCTOR \u2014 room {room}, display {display}\n"
            "The values behind are not a session yet: this bedside follows the "
            f"instructor as soon as a session state arrives.{link}")


class _MonitorOverlays:
    """The status line and the refusal banner of the session's current window (made
    again on the new window when the bedside is made again)."""

    def __init__(self, session: MonitorSession) -> None:
        self.session = session
        self.window: QtWidgets.QWidget | None = None
        self.status: QtWidgets.QLabel | None = None
        self.banner: RefusalBanner | None = None
        self.waiting: WaitingBanner | None = None

    def show(self, status: str, refused: str, waiting: str = "") -> None:
        w = self.session.window
        if w is not self.window or self.status is None or not shiboken6.isValid(self.status):
            self.window = w
            self.status = QtWidgets.QLabel(w)
            self.status.setObjectName("linkStatus")
            self.status.setStyleSheet("color: #a0a0a0; font-size: 11px;"
                                      " background: transparent;")
            self.status.setVisible(False)
            self.banner = RefusalBanner(w)
            self.waiting = WaitingBanner(w)
        text = "" if refused or waiting else status
        if self.status.text() != text or self.status.isVisible() != bool(text):
            self.status.setText(text)
            self.status.adjustSize()
            self.status.move(8, w.height() - self.status.height() - 4)
            self.status.setVisible(bool(text))
            self.status.raise_()
        assert self.banner is not None
        if self.banner.isVisible() != bool(refused) or (refused and refused not in
                                                         self.banner.text()):
            self.banner.show_refusal(refused)
        assert self.waiting is not None
        waiting = "" if refused else waiting
        if self.waiting.text() != waiting or self.waiting.isVisible() != bool(waiting):
            self.waiting.show_text(waiting)


def attach_monitor(session: MonitorSession, net: dict) -> MonitorBridge:
    link = MqttLink(net["url"], credentials=net["credentials"],
                    subscriptions=monitor_subscriptions(net["room"]))
    bridge = MonitorBridge(session.controller, link, net["room"], net["display"],
                           on_refused=_say, rebuild=session.follow)
    overlays = _MonitorOverlays(session)
    said: list[str | None] = [None]
    ever_synced = [False]

    def frame() -> None:
        bridge.pump()
        c = bridge.controller
        if bridge.synced and not bridge.refused:
            ever_synced[0] = True
            c.tick()
        status = bridge.status
        if status != said[0] and not bridge.refused:
            said[0] = status
            _say(status or "in step with the instructor")
        # Once in step, a lost link is the status line's (the case clock runs on); before
        # the first state nothing on screen is the session's.
        waiting = "" if ever_synced[0] else waiting_text(net["room"], net["display"],
                                                         status)
        overlays.show(status, bridge.refused, waiting)

    session.frame_step = frame
    bridge.start()
    return bridge


def attach_instructor(session: MonitorSession, net: dict) -> InstructorBridge:
    link = MqttLink(net["url"], credentials=net["credentials"],
                    subscriptions=instructor_subscriptions(net["room"]))
    bridge = InstructorBridge(session.controller, link, net["room"])
    session.controller_listeners.append(bridge.rebind)
    seen: dict[str, bool] = {}
    titles: dict[int, str] = {}
    warned: dict[int, QtWidgets.QLabel | None] = {}

    def frame() -> None:
        bridge.pump()
        session.controller.tick()
        if link.connected and link.user is None:
            _warn_open_broker(session.console, warned)
        changed = False
        for name, d in bridge.displays.items():
            if seen.get(name) != d.online:
                seen[name] = d.online
                changed = True
                _say(f"display {name} {'connected' if d.online else 'gone'}")
        console = session.console
        if console is not None and shiboken6.isValid(console):
            title = titles.setdefault(id(console), console.windowTitle())
            if changed or console.windowTitle() == title:
                lines = bridge.presence_lines()
                if lines:
                    console.setWindowTitle(f"{title} - room {net['room']}: "
                                           + "; ".join(lines))

    session.frame_step = frame
    bridge.start()
    return bridge


class OpenBrokerNote(QtWidgets.QLabel):
    """Bottom left on the instructor's console, kept there on resize: the broker let the
    instructor in without an account, so anyone on its network could forge the room."""

    def __init__(self, console: QtWidgets.QWidget) -> None:
        super().__init__("OPEN BROKER \u2014 anyone on its network can join this room and "
                         "forge the session. Run the broker with accounts (without "
                         "--allow-anonymous) and pair the displays.", console)
        self.setObjectName("console.openBroker")
        self.setWordWrap(True)
        self.setStyleSheet("background: #b71c1c; color: #ffffff; font-weight: bold;"
                           " padding: 4px 8px;")
        console.installEventFilter(self)
        self._fit()
        self.show()

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize:
            self._fit()
        return False

    def _fit(self) -> None:
        w = self.parentWidget()
        width = max(240, min(620, w.width() // 2 - 24))
        self.setFixedWidth(width)
        self.setFixedHeight(self.heightForWidth(width))
        self.move(8, max(0, w.height() - self.height() - 8))
        self.raise_()


def _warn_open_broker(console: QtWidgets.QWidget | None,
                      warned: dict[int, QtWidgets.QLabel | None]) -> None:
    """Said once on stderr and kept on every console window (OpenBrokerNote)."""
    from dashboard.net.roles import OPEN_BROKER_WARNING

    if not warned:
        _say(OPEN_BROKER_WARNING)
        warned[0] = None  # stderr said
    if console is None or not shiboken6.isValid(console) or id(console) in warned:
        return
    warned[id(console)] = OpenBrokerNote(console)
