"""Driving real `icu-dashboard` processes from outside, as a GUI test engineer would: a
real X server per machine (Xvfb), the app started with its automation hook
(ICU_DASHBOARD_AUTOMATION, dashboard/ui/automation.py), widgets found by objectName over
that local socket, and the X server's own window list (xwininfo) as a second witness.

Waiting is for a condition with a deadline, never a sleep and then an assertion: the
processes run on the wall clock, the test only observes them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEADLINE_S = 60.0  # generous: two shared cores run two X servers, a broker and two apps
POLL_S = 0.05
CLI = [sys.executable, "-m", "dashboard.app"]


def have_xvfb() -> bool:
    return shutil.which("Xvfb") is not None


def wait_for(cond: Callable[[], Any], what: str, timeout: float = DEADLINE_S,
             alive: Callable[[], None] | None = None) -> Any:
    """Poll `cond` until it returns something true (that value is returned)."""
    end = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < end:
        if alive is not None:
            alive()
        try:
            got = cond()
            if got:
                return got
        except (OSError, AutomationFailed) as exc:
            last_exc = exc
        time.sleep(POLL_S)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}"
                         + (f" (last error: {last_exc})" if last_exc else ""))


class AutomationFailed(Exception):
    pass


@dataclass
class XServer:
    """One machine's screen: an Xvfb server of the given size."""
    width: int
    height: int
    proc: subprocess.Popen | None = None
    display: str = ""

    def start(self) -> XServer:
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", f"{self.width}x{self.height}x24",
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        number = b""
        with os.fdopen(r, "rb") as f:
            while not number.endswith(b"\n"):
                ch = f.read(1)
                if not ch:
                    raise RuntimeError("Xvfb did not start")
                number += ch
        self.display = f":{number.decode().strip()}"
        return self

    def windows(self) -> list[dict]:
        """The X server's mapped top-level windows: name and geometry (xwininfo)."""
        out = subprocess.run(["xwininfo", "-root", "-children", "-display", self.display],
                             capture_output=True, text=True, timeout=20).stdout
        found = []
        for line in out.splitlines():
            line = line.strip()
            if not line.startswith("0x") or '"' not in line:
                continue
            name = line.split('"')[1]
            wid = line.split()[0]
            info = subprocess.run(["xwininfo", "-id", wid, "-display", self.display],
                                  capture_output=True, text=True, timeout=20).stdout
            if "Map State: IsViewable" in info:
                found.append({"id": wid, "name": name, "info": info})
        return found

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@dataclass
class App:
    """One `icu-dashboard` process on an X server, with its automation socket."""
    name: str
    args: list[str]
    x: XServer
    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None

    @property
    def socket_path(self) -> Path:
        return self.folder / f"{self.name}.sock"

    def start(self) -> App:
        env = {**os.environ, "DISPLAY": self.x.display, "QT_QPA_PLATFORM": "xcb",
               "ICU_DASHBOARD_AUTOMATION": str(self.socket_path), **self.env}
        env.pop("WAYLAND_DISPLAY", None)
        self.out = open(self.folder / f"{self.name}.out", "w")
        self.err = open(self.folder / f"{self.name}.err", "w")
        self.proc = subprocess.Popen(CLI + self.args, env=env, stdout=self.out,
                                     stderr=self.err, stdin=subprocess.DEVNULL)
        wait_for(lambda: self.socket_path.exists(), f"{self.name}'s automation socket",
                 alive=self.check_alive)
        return self

    def stderr(self) -> str:
        self.err.flush()
        return (self.folder / f"{self.name}.err").read_text()

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited {self.proc.returncode}: "
                                 f"{self.stderr()[-2000:]}")

    def call(self, op: str, **kw: Any) -> dict:
        self.check_alive()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(str(self.socket_path))
            s.sendall(json.dumps({"op": op, **kw}).encode() + b"\n")
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    raise AutomationFailed(f"{self.name}: connection closed")
                buf += chunk
        reply = json.loads(buf)
        if not reply.get("ok"):
            raise AutomationFailed(f"{self.name} {op} {kw}: {reply.get('error')}")
        return reply

    # shorthand
    def find(self, name: str, **kw: Any) -> list[dict]:
        return self.call("find", name=name, **kw)["widgets"]

    def one(self, name: str, **kw: Any) -> dict:
        found = [w for w in self.find(name, **kw) if w["visible"]] or self.find(name, **kw)
        assert found, f"{self.name}: no widget {name!r}"
        return found[0]

    def session(self) -> dict:
        sessions = self.call("session")["sessions"]
        assert sessions, f"{self.name}: no session running"
        return sessions[0]

    def quit(self, timeout: float = 30) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            try:
                self.call("quit")
            except (OSError, AutomationFailed):
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.out.close()
        self.err.close()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def inside(rect: list[int], area: list[int]) -> bool:
    x, y, w, h = rect
    ax, ay, aw, ah = area
    return x >= ax and y >= ay and x + w <= ax + aw and y + h <= ay + ah


def overlap(a: list[int], b: list[int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def windows_fit(app: App) -> list[dict]:
    """Every shown top-level window lies inside its screen, none covers another."""
    shown = [w for w in app.call("windows")["windows"] if w["visible"]]
    assert shown, f"{app.name}: no window shown"
    for w in shown:
        assert inside(w["window_rect"], w["screen"]), \
            f"{app.name}: window {w['name'] or w['class']} at {w['window_rect']} leaves " \
            f"its screen {w['screen']}"
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            assert not overlap(a["window_rect"], b["window_rect"]), \
                f"{app.name}: {a['name']} {a['window_rect']} covers {b['name']} " \
                f"{b['window_rect']}"
    return shown


class LabRoom:
    """A simulation lab as the README sets it up: the room's accounts from `room-access`,
    a broker with them, the control room's screen (the instructor, recording the session)
    and the sim room's (the bedside monitor `bed-1` with the team's ECMO and ventilator
    consoles, the README's bedside line: no --scenario), each on its own X server. A
    context manager: everything started is stopped on the way out, pass or fail."""

    def __init__(self, folder: Path, control_room: tuple[int, int] = (1920, 1080),
                 sim_room: tuple[int, int] = (1366, 768), room: str = "sim1") -> None:
        self.folder, self.room = folder, room
        self.control_room, self.sim_room = control_room, sim_room
        self.session_log = folder / "session.jsonl"
        self.apps: list[App] = []
        self.xservers: list[XServer] = []
        self.broker: subprocess.Popen | None = None

    def __enter__(self) -> LabRoom:
        try:
            self._start()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _start(self) -> None:
        access, room = self.folder / "access", self.room
        subprocess.run(CLI + ["room-access", "--room", room, "--display", "bed-1", "--out",
                              str(access)], check=True, capture_output=True, timeout=60)
        port = free_port()
        url = f"mqtt://127.0.0.1:{port}"
        xi = XServer(*self.control_room).start()
        self.xservers.append(xi)
        xb = XServer(*self.sim_room).start()
        self.xservers.append(xb)
        self.broker = subprocess.Popen(
            CLI + ["broker", "--config", str(access / "broker.toml"), "--port", str(port),
                   "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(port), "the broker")
        self.instructor = App("instructor", [
            "instructor", "--broker", url, "--room", room,
            "--credentials", str(access / f"instructor-{room}.toml"),
            "--session-log", str(self.session_log),
            "--alarm-log", str(self.folder / "console-alarms.jsonl"), "--mute"],
            xi, self.folder)
        self.apps.append(self.instructor.start())
        self.bedside = App("bedside", [
            "monitor", "--broker", url, "--room", room, "--display", "bed-1",
            "--credentials", str(access / f"display-{room}-bed-1.toml"),
            "--console", "ecmo", "--console", "vent",
            "--alarm-log", str(self.folder / "bed-1-alarms.jsonl"), "--mute"],
            xb, self.folder)
        self.apps.append(self.bedside.start())
        self.bedside_x = xb

    def quit_all(self) -> None:
        """Quit each app as a user would; each exits 0."""
        for app in self.apps:
            assert app.quit() == 0, app.stderr()[-2000:]

    def _stop(self) -> None:
        for app in self.apps:
            app.kill()
        if self.broker is not None:
            self.broker.terminate()
            try:
                self.broker.wait(10)
            except subprocess.TimeoutExpired:
                self.broker.kill()
        for x in self.xservers:
            x.stop()
