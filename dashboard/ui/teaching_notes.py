"""The scenario's teaching notes for the current moment, on the instructor's console:
the notes in force (with their basis), the last event (its source quote and note) and
the next one, so the instructor knows what the report says happened and what is assumed.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from replay_data.casetime import span_text
from replay_data.scenario import Scenario


def teaching_html(scenario: Scenario, t: float) -> str:
    """The notes at case time t as rich text."""
    sc = scenario
    notes = [n for n in sc.teaching if n.start <= t < n.end]
    past = [e for e in sc.events if e.t <= t]
    parts = []
    for n in notes:
        parts.append(f"<p><b>[{n.basis}]</b> {n.text}</p>")
    if past:
        e = past[-1]
        ago = span_text(t - e.t)
        src = e.provenance
        quote = f"<br><i>“{src.quote}”</i>" if src.quote else ""
        note = f"<br>{src.note}" if src.note else ""
        parts.append(f"<p><b>Last event</b> ({ago} ago, {src.basis}): "
                     f"{e.label}{quote}{note}</p>")
    upcoming = [e for e in sc.events if e.t > t]
    if upcoming:
        e = upcoming[0]
        parts.append(f"<p><b>Next</b> in {span_text(e.t - t)}: {e.label} "
                     f"[{e.provenance.basis}]</p>")
    return "".join(parts)


class TeachingNotes(QtWidgets.QLabel):
    """objectName `instructor.teaching`."""

    def __init__(self, scenario: Scenario, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("", parent)
        self.scenario = scenario
        self.setObjectName("instructor.teaching")
        self.setAccessibleName("Teaching notes for the current moment")
        self.setWordWrap(True)
        self.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                           QtWidgets.QSizePolicy.Policy.Expanding)

    def show_time(self, t: float) -> None:
        # At the whole second: the times in the notes ("4 min 32 s ago", "next in ...")
        # then change together once a second, and the rich text (costly to lay out and
        # paint) is set again only then, not at every refresh.
        html = teaching_html(self.scenario, math.floor(t))
        if self.text() != html:
            self.setText(html)
