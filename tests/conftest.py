"""Test-wide settings: Qt always offscreen, so tests never need a display; default logs
and session files go to a throw-away data folder, not the user's."""

import os
import tempfile

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
