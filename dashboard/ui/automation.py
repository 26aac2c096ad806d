"""The GUI automation hook: a test engineer drives a running `icu-dashboard` from outside
the process, finding widgets by objectName, as the in-process GUI tests do.

Off unless asked for: only when the environment variable ``ICU_DASHBOARD_AUTOMATION``
names a socket path does the app listen, on a Unix domain socket (QLocalServer) that only
this user can open (mode 0600) -- local to the machine, never on the network. Requests and
replies are JSON, one object per line; every request is answered on the Qt thread between
frames, so a request never sees a half-painted window. `docs/automation.md` lists the
operations and explains why this hook and not Qt's accessibility tree over AT-SPI.

    {"op": "find", "name": "alarm.entry", "within": "window.monitor"}
    -> {"ok": true, "widgets": [{"name": ..., "class": ..., "text": ..., "rect": [x, y, w, h],
                                  "screen": [x, y, w, h], "visible": true, ...}, ...]}
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui, QtNetwork, QtTest, QtWidgets

ENV = "ICU_DASHBOARD_AUTOMATION"
MAX_REQUEST = 64 * 1024  # one request line; anything longer is not ours

Reply = dict[str, Any]


class AutomationError(Exception):
    """A request that cannot be done: one line back to the client, the app carries on."""


def install_from_environment(app: QtWidgets.QApplication) -> AutomationServer | None:
    """Start listening when ICU_DASHBOARD_AUTOMATION names a socket path; else nothing."""
    path = os.environ.get(ENV)
    if not path:
        return None
    server = AutomationServer(app, Path(path))
    app.setProperty("icu_automation", path)
    _SERVERS.append(server)  # kept alive for the app's life
    return server


_SERVERS: list[AutomationServer] = []


class AutomationServer(QtCore.QObject):
    def __init__(self, app: QtWidgets.QApplication, path: Path) -> None:
        super().__init__(app)
        self.path = path
        if path.exists() or path.is_symlink():
            if not stat.S_ISSOCK(path.lstat().st_mode):
                raise OSError(f"{ENV}={path}: exists and is not a socket")
            path.unlink()  # a socket left by a killed run
        self.server = QtNetwork.QLocalServer(self)
        self.server.setSocketOptions(QtNetwork.QLocalServer.SocketOption.UserAccessOption)
        if not self.server.listen(str(path)):
            raise OSError(f"{ENV}={path}: cannot listen: {self.server.errorString()}")
        self.server.newConnection.connect(self._accept)
        self._buffers: dict[QtNetwork.QLocalSocket, bytes] = {}
        app.aboutToQuit.connect(self.close)

    def close(self) -> None:
        self.server.close()
        with contextlib.suppress(OSError):
            self.path.unlink()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            self._buffers[sock] = b""
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(lambda s=sock: self._buffers.pop(s, None))

    def _read(self, sock: QtNetwork.QLocalSocket) -> None:
        buf = self._buffers.get(sock, b"") + bytes(sock.readAll().data())
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            reply = self.answer(line)
            sock.write(json.dumps(reply).encode() + b"\n")
            sock.flush()
        if len(buf) > MAX_REQUEST:
            sock.abort()
            self._buffers.pop(sock, None)
            return
        self._buffers[sock] = buf

    def answer(self, line: bytes) -> Reply:
        try:
            request = json.loads(line)
            if not isinstance(request, dict) or not isinstance(request.get("op"), str):
                raise AutomationError('a request is {"op": NAME, ...}')
            handler = OPERATIONS.get(request["op"])
            if handler is None:
                raise AutomationError(f"unknown op {request['op']!r} "
                                      f"(ops: {', '.join(sorted(OPERATIONS))})")
            return {"ok": True, **handler(request)}
        except (AutomationError, ValueError, KeyError, TypeError) as exc:
            return {"ok": False, "error": str(exc)}
        except Exception as exc:  # a request must get an answer
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


# ------------------------------------------------------------------------------ finding


def _rect(r: QtCore.QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def _all_widgets() -> list[QtWidgets.QWidget]:
    out: list[QtWidgets.QWidget] = []
    for top in QtWidgets.QApplication.topLevelWidgets():
        out.append(top)
        out.extend(top.findChildren(QtWidgets.QWidget))
    return out


def _named_ancestor(w: QtWidgets.QWidget, name: str) -> bool:
    p: QtWidgets.QWidget | None = w
    while p is not None:
        if p.objectName() == name:
            return True
        p = p.parentWidget()
    return False


def _matches(req: Reply) -> list[QtWidgets.QWidget]:
    name = req.get("name")
    prefix = req.get("prefix")
    within = req.get("within")
    outside = req.get("outside")
    found = []
    for w in _all_widgets():
        n = w.objectName()
        if name is not None and n != name:
            continue
        if prefix is not None and not n.startswith(prefix):
            continue
        if name is None and prefix is None and not w.isWindow():
            continue
        if within is not None and not _named_ancestor(w, within):
            continue
        if outside is not None and w.parentWidget() is not None and \
                _named_ancestor(w.parentWidget(), outside):
            continue
        found.append(w)
    return found


def _shown_first(w: QtWidgets.QWidget) -> tuple[bool, bool]:
    return (not w.isVisible(), not w.window().isVisible())


def _one(req: Reply) -> QtWidgets.QWidget:
    found = _matches(req)
    if req.get("visible_only", True):
        # Shown first, then those on a shown window (a page not in front); a closed
        # window's widgets only when nothing else has the name.
        found.sort(key=_shown_first)
    index = int(req.get("index", 0))
    if not found:
        raise AutomationError(f"no widget named {req.get('name') or req.get('prefix')!r}"
                              + (f" within {req['within']!r}" if req.get("within") else ""))
    if index >= len(found):
        raise AutomationError(f"{len(found)} widgets named {req.get('name')!r}, "
                              f"no index {index}")
    return found[index]


def _text(w: QtWidgets.QWidget) -> str | None:
    if isinstance(w, QtWidgets.QLabel | QtWidgets.QAbstractButton | QtWidgets.QLineEdit):
        return w.text()
    if isinstance(w, QtWidgets.QPlainTextEdit | QtWidgets.QTextEdit):
        return w.toPlainText()
    if isinstance(w, QtWidgets.QComboBox):
        return w.currentText()
    if isinstance(w, QtWidgets.QAbstractSpinBox):
        return w.text()
    if isinstance(w, QtWidgets.QGroupBox):
        return w.title()
    if w.isWindow():
        return w.windowTitle()
    return None


def _items(w: QtWidgets.QWidget) -> list[str] | None:
    if isinstance(w, QtWidgets.QComboBox):
        return [w.itemText(i) for i in range(w.count())]
    if isinstance(w, QtWidgets.QListWidget):
        return [w.item(i).text() for i in range(w.count())]
    if isinstance(w, QtWidgets.QTabWidget):
        return [w.tabText(i) for i in range(w.count())]
    if isinstance(w, QtWidgets.QTableWidget):
        return ["\t".join((w.item(r, c).text() if w.item(r, c) else "")
                          for c in range(w.columnCount())) for r in range(w.rowCount())]
    return None


def _describe(w: QtWidgets.QWidget) -> Reply:
    top = w.window()
    screen = top.screen() if top is not None else None
    origin = w.mapToGlobal(QtCore.QPoint(0, 0))
    d: Reply = {
        "name": w.objectName(),
        "class": type(w).__name__,
        "text": _text(w),
        "visible": w.isVisible(),
        "enabled": w.isEnabled(),
        "rect": [origin.x(), origin.y(), w.width(), w.height()],
        # What of it is not covered by its parents' clipping (a scroll area's hidden part).
        "visible_rect": _rect(w.visibleRegion().boundingRect()),
        "window": top.objectName() if top is not None else None,
        "window_rect": _rect(top.frameGeometry()) if top is not None else None,
        "screen": _rect(screen.availableGeometry()) if screen is not None else None,
        "properties": _properties(w),
    }
    if isinstance(w, QtWidgets.QAbstractButton):
        d["checked"] = w.isChecked()
    if isinstance(w, QtWidgets.QAbstractSpinBox | QtWidgets.QAbstractSlider):
        d["value"] = w.value()
    if isinstance(w, QtWidgets.QLabel):
        d["elided"] = w.fontMetrics().horizontalAdvance(w.text()) > w.width() \
            and not w.wordWrap() and "<" not in w.text()
    items = _items(w)
    if items is not None:
        d["items"] = items
    if w.isWindow():
        d["is_window"] = True
        d["fullscreen"] = w.isFullScreen()
    return d


def _properties(w: QtWidgets.QWidget) -> dict[str, object]:
    out: dict[str, object] = {}
    for raw in w.dynamicPropertyNames():
        name = bytes(raw.data()).decode(errors="replace")
        if name.startswith("_q_"):
            continue  # Qt's own bookkeeping
        try:
            out[name] = _jsonable(w.property(name))
        except RuntimeError:  # a C++ type PySide cannot convert: named, not read
            out[name] = None
    return out


def _jsonable(v: object) -> object:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return str(v)


# ------------------------------------------------------------------------------ operations


def op_find(req: Reply) -> Reply:
    found = _matches(req)
    found.sort(key=_shown_first)
    if req.get("visible_only"):
        found = [w for w in found if w.isVisible()]
    return {"widgets": [_describe(w) for w in found]}


def op_windows(req: Reply) -> Reply:
    tops = [w for w in QtWidgets.QApplication.topLevelWidgets()
            if w.isVisible() and not isinstance(w, QtWidgets.QMenu)]
    screens = [_rect(s.availableGeometry()) for s in QtGui.QGuiApplication.screens()]
    return {"windows": [_describe(w) for w in tops], "screens": screens}


def _reveal(w: QtWidgets.QWidget) -> None:
    """As a user would: bring the widget's tab forward and scroll it into view."""
    p = w.parentWidget()
    child = w
    while p is not None:
        if isinstance(p, QtWidgets.QStackedWidget) and p.indexOf(child) >= 0:
            tabs = p.parentWidget()
            if isinstance(tabs, QtWidgets.QTabWidget):
                tabs.setCurrentWidget(child)
            else:
                p.setCurrentWidget(child)
        if isinstance(p, QtWidgets.QScrollArea):
            p.ensureWidgetVisible(w)
        child, p = p, p.parentWidget()
    QtWidgets.QApplication.processEvents()


def _usable(w: QtWidgets.QWidget) -> None:
    if not w.isEnabled():
        raise AutomationError(f"{w.objectName()!r} is disabled")
    _reveal(w)
    if not w.isVisible():
        raise AutomationError(f"{w.objectName()!r} is not shown")


def op_click(req: Reply) -> Reply:
    w = _one(req)
    _usable(w)
    QtTest.QTest.mouseClick(w, QtCore.Qt.MouseButton.LeftButton,
                            QtCore.Qt.KeyboardModifier.NoModifier, w.rect().center())
    return {"widget": _describe(w)}


def op_type(req: Reply) -> Reply:
    """Replace a line edit's (or text box's) text, typed as keys."""
    w = _one(req)
    _usable(w)
    if not isinstance(w, QtWidgets.QLineEdit | QtWidgets.QPlainTextEdit | QtWidgets.QTextEdit):
        raise AutomationError(f"{w.objectName()!r} is a {type(w).__name__}, not a text field")
    w.setFocus()
    w.clear()
    QtTest.QTest.keyClicks(w, str(req["text"]))
    return {"widget": _describe(w)}


def op_choose(req: Reply) -> Reply:
    """Pick a combo box item by its text (or its data), as a user's pick: the
    activated signals fire as well as currentIndexChanged."""
    w = _one(req)
    _usable(w)
    if not isinstance(w, QtWidgets.QComboBox):
        raise AutomationError(f"{w.objectName()!r} is a {type(w).__name__}, not a choice")
    i = w.findData(req["data"]) if "data" in req else w.findText(str(req["text"]))
    if i < 0:
        raise AutomationError(f"{w.objectName()!r} has no item "
                              f"{req.get('text', req.get('data'))!r}")
    w.setCurrentIndex(i)
    w.activated.emit(i)
    w.textActivated.emit(w.itemText(i))
    return {"widget": _describe(w)}


def op_set_value(req: Reply) -> Reply:
    """A spin box or slider set to a value, then editing finished (as Enter does)."""
    w = _one(req)
    _usable(w)
    if isinstance(w, QtWidgets.QAbstractSpinBox):
        w.setFocus()
        w.setValue(req["value"])
        w.editingFinished.emit()
    elif isinstance(w, QtWidgets.QAbstractSlider):
        w.setValue(int(req["value"]))
        w.sliderReleased.emit()
    else:
        raise AutomationError(f"{w.objectName()!r} is a {type(w).__name__}, not a value")
    return {"widget": _describe(w)}


_KEYS = {"Space": QtCore.Qt.Key.Key_Space, "Left": QtCore.Qt.Key.Key_Left,
         "Right": QtCore.Qt.Key.Key_Right, "Home": QtCore.Qt.Key.Key_Home,
         "End": QtCore.Qt.Key.Key_End, "Return": QtCore.Qt.Key.Key_Return,
         "Escape": QtCore.Qt.Key.Key_Escape, "F11": QtCore.Qt.Key.Key_F11}


def op_key(req: Reply) -> Reply:
    """A key pressed on the named widget's window, as the system delivers it: to the
    window, which hands it to whatever has the focus there (a trainee presses A wherever
    the focus happens to be). "focus": true gives the named widget the focus first."""
    w = _one(req)
    key = str(req["key"])
    code = _KEYS.get(key) or getattr(QtCore.Qt.Key, f"Key_{key.upper()}", None)
    if code is None:
        raise AutomationError(f"unknown key {key!r}")
    if req.get("focus"):
        w.setFocus()
        QtWidgets.QApplication.processEvents()
    top = w.window()
    top.activateWindow()
    handle = top.windowHandle()
    if handle is not None:
        QtTest.QTest.keyClick(handle, code)
    else:
        QtTest.QTest.keyClick(QtWidgets.QApplication.focusWidget() or w, code)
    focus = QtWidgets.QApplication.focusWidget()
    return {"widget": _describe(focus or w)}


def op_screenshot(req: Reply) -> Reply:
    w = _one(req)
    path = str(req["path"])
    if not path.endswith(".png") or not w.grab().save(path, "PNG"):
        raise AutomationError(f"cannot save {path}")
    return {"path": path}


def op_grab_screen(req: Reply) -> Reply:
    """The whole screen the app is on, as the X server shows it (windows of other
    processes included): what the people in the room see."""
    path = str(req["path"])
    screen = QtGui.QGuiApplication.primaryScreen()
    if not path.endswith(".png") or screen is None or \
            not screen.grabWindow(0).save(path, "PNG"):
        raise AutomationError(f"cannot save {path}")
    return {"path": path}


def op_session(req: Reply) -> Reply:
    """The sessions this process runs, as their controllers see them (the ground truth
    a test compares the screen with)."""
    from dashboard.ui.running import CURRENT

    out = []
    for s in list(CURRENT):
        c = s.controller
        sc = c.course.scenario
        out.append({
            "role": str(getattr(s.built.get("role"), "value", s.built.get("role"))),
            "display": c.display,
            "scenario": sc.id,
            "scenario_name": s.built.get("scenario_name"),
            "case_time": c.case_time(),
            "playing": c.clock.playing,
            "speed": c.clock.speed,
            "begun": c.begun,
            "ended": c.ended,
            "alarms": [{"id": a.alarm_id, "text": a.text, "state": a.state.name,
                        "priority": a.priority.name} for a in c.alarms.active_alarms()],
            "session_log": str(c.recorder.path) if c.recorder is not None else
            (str(c.recorded_path) if c.recorded_path else None),
        })
    return {"sessions": out}


def op_quit(req: Reply) -> Reply:
    QtCore.QTimer.singleShot(0, QtWidgets.QApplication.quit)
    return {}


OPERATIONS: dict[str, Callable[[Reply], Reply]] = {
    "find": op_find, "windows": op_windows, "click": op_click, "type": op_type,
    "choose": op_choose, "set_value": op_set_value, "key": op_key,
    "screenshot": op_screenshot, "grab_screen": op_grab_screen, "session": op_session,
    "quit": op_quit,
}
