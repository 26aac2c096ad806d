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
