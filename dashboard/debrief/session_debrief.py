"""The debrief of a running (or just ended) session: what the console's Debrief button
and End write. The controller records nothing itself; its recording says where the
session file is (being written, or complete once the session has ended)."""

from __future__ import annotations

from pathlib import Path

from dashboard.core.session_controller import SessionController
from dashboard.debrief import build_debrief
from replay_data.errors import ReplayDataError


def write_debrief(controller: SessionController, out: str | Path | None = None, *,
                  pdf: bool = False) -> Path:
    """Debrief report of the controller's session, next to its recording by default (and
    a PDF beside it with pdf=True). Works during the session and after it ended."""
    rec = controller.recorder
    path = rec.path if rec is not None else controller.recorded_path
    if path is None:
        raise ReplayDataError("this session is not recorded (start with --session-log)")
    target = Path(out) if out else path.with_suffix(".html")
    build_debrief(path, target, pdf=pdf)
    return target
