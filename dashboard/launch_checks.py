"""Checks of an `icu-dashboard` launch that must happen before any window or file exists.

- outputs: each output (alarm log, session file, screenshot) allowed by the output rules
  (replay_data.output_path: no link, no input of the run, no FIFO for the screenshot, nothing
  in /proc), in an existing folder, and no two of them on one file (the second would
  silently destroy the first); the screenshot, written when the run ends, in a folder that
  can be written into;
- the Qt platform: without a usable one Qt aborts the process (exit 134) inside
  QApplication(); it is probed in a child process first so the user gets one line.
"""

from __future__ import annotations

import os
import subprocess
import sys

from replay_data.errors import ReplayDataError, one_line
from replay_data.output_file import check_writable
from replay_data.output_path import check_outputs as check_output_paths

# Platforms that need no display server and are always built into PySide6.
_NO_DISPLAY_PLATFORMS = ("offscreen", "minimal")
PROBE_TIMEOUT_S = 30.0


# Outputs written only when the run ends: tried at the start (output_file.check_writable).
WRITTEN_AT_THE_END = ("--screenshot",)
# Written line by line: may go into a FIFO already there (a reader tailing the alarms).
LINE_LOGS = ("--alarm-log", "--session-log")


def check_outputs(outputs: dict[str, str | None],
                  inputs: dict[str, str | None] | None = None) -> None:
    """`inputs`: option -> file the run reads (a scenario file, a recording), which no
    output may overwrite."""
    check_output_paths(outputs, inputs=inputs, pipes=LINE_LOGS)
    for option in WRITTEN_AT_THE_END:
        if outputs.get(option):
            check_writable(outputs[option], option)


def _platform_name() -> str:
    return os.environ.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip()


def check_qt_platform() -> None:
    """Raise ReplayDataError (one line) when Qt could not open its platform plugin."""
    if _platform_name() in _NO_DISPLAY_PLATFORMS:
        return
    code = ("import sys\nfrom PySide6.QtGui import QGuiApplication\n"
            "QGuiApplication(sys.argv[:1])\n")
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return  # cannot tell; let Qt itself try
    if proc.returncode == 0:
        return
    lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
    said = next((ln for ln in lines if "platform plugin" in ln or "display" in ln.lower()),
                lines[0] if lines else f"exit code {proc.returncode}")
    name = _platform_name() or "the default"
    raise ReplayDataError(one_line(
        f"no usable Qt platform ({name}): {said[:200]} -- run with a display, or use "
        "--headless (offscreen)"))
