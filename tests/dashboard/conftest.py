"""The dashboard's tests, one folder per package: alarms, core, debrief, recording.

Helpers are imported by module name (pytest's prepend import mode puts a test's own
folder on sys.path): `alarm_support` beside the alarm tests, `record_session` in
recording/test_session_log.py. A test in another folder (the debrief's, the launch and
fuzz tests) imports them too, so every folder is on sys.path before any is collected,
whatever order pytest or an xdist worker collects them in."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for _folder in ("alarms", "core", "debrief", "recording"):
    if str(HERE / _folder) not in sys.path:
        sys.path.insert(0, str(HERE / _folder))
