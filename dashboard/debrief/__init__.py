"""After-action debrief of a recorded session (dashboard.recording).

report  rows (timeline, time to acknowledge, responses to injections) and the HTML/CSV
plots   trend plots rendered offscreen with pyqtgraph (the only Qt part, imported late)
cli     `icu-dashboard debrief SESSION.jsonl --out REPORT.html`
"""

from .cli import debrief_main
from .report import (
    AcknowledgementRow,
    DebriefError,
    DebriefReport,
    InjectionResponse,
    Response,
    TimelineRow,
    build_debrief,
)

__all__ = [
    "AcknowledgementRow",
    "DebriefError",
    "DebriefReport",
    "InjectionResponse",
    "Response",
    "TimelineRow",
    "build_debrief",
    "debrief_main",
]
