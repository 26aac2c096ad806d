"""After-action debrief of a recorded session (dashboard.recording).

Lowest first (each imports only those above it; no cycle):

played     which stretches of case time the session played, and when in the room
scoring    the scenario's expected responses, scored
rows       the report's rows and the report, as plain data (no Qt)
timeline   the timeline rows, skipped events, notes, participants, displays
responses  time to acknowledge, responses to injections, expected responses scored
report     build_report: the rows of one session (no Qt, nothing written)
page       the HTML page from the rows (no Qt)
plots      trend plots rendered offscreen with pyqtgraph (Qt)
pdf        the page and plots as an A4 PDF (Qt)
files      build_debrief: OUT.html, OUT.csv, OUT.pdf written whole (Qt imported late)
cli        `icu-dashboard debrief SESSION.jsonl --out REPORT.html`
"""

from .cli import debrief_main
from .files import build_debrief
from .rows import (
    AcknowledgementRow,
    DebriefError,
    DebriefReport,
    InjectionResponse,
    Response,
    TimelineRow,
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
