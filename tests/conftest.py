"""Test-wide settings: Qt always offscreen, so tests never need a display; default logs
and session files go to a throw-away data folder, not the user's."""

import os
import sys
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="icu-ecmo-tests-")


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: one worker more than the cores this process may use (at most 4, as
    --maxprocesses says). A good share of the suite waits on real processes -- brokers,
    apps, X servers, wall-clock replays -- with its cores idle: on 2 cores, 3 workers ran
    it in 197 s where 2 took 229-306 s."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
    return cores + 1


@pytest.fixture(autouse=True)
def no_window_left_showing():
    """Every test closes the windows it showed. One left open would answer the next
    test's searches by objectName (the automation hook's `find` took a stale monitor's
    clock for the new one's) and keep painting in the worker."""
    yield
    QtWidgets = sys.modules.get("PySide6.QtWidgets")  # not loaded: no windows
    if QtWidgets is None:
        return
    app = QtWidgets.QApplication.instance()
    if app is None:
        return
    shown = [f"{type(w).__name__} {w.objectName()!r}" for w in app.topLevelWidgets()
             if w.isVisible() and not isinstance(w, QtWidgets.QMenu)]
    for w in app.topLevelWidgets():
        if w.isVisible():
            w.close()  # not carried into the next test, whatever this one's verdict
    assert not shown, f"windows left showing: {', '.join(shown)}"
