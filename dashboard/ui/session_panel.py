"""The drill's own course on the instructor console: pre-brief (the case stem and the
objectives; the trainees' monitor shows the patient alive, no case time passes), Start
(participants optional), notes and bookmarks on the way, End session (the session file
closes) and the debrief.

Every button is an Action for the controller (begin, note, end: dashboard.core.actions);
the panel only shows the controller's state.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from dashboard.core.actions import BEGIN, END, NOTE, Action
from dashboard.core.session_controller import SessionController
from replay_data.scenario import Scenario, builtin_scenarios, scenario_title
from replay_data.timeexpr import format_case_time

from .report_path import ReportPath

# The session's notes and bookmarks listed under the note field, newest first.
NOTES_SHOWN = 5

Request = Callable[..., Action | None]


class WrappedLabel(QtWidgets.QLabel):
    """A word-wrapped label that keeps the height its lines need at its width: inside
    the tools' scroll area the box layout squeezed the case stem below it (its last line
    was cut off)."""

    def __init__(self, text: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:  # Qt's name
        super().setText(text)
        # A shorter text needs fewer lines (no empty band under it); before the label is
        # laid out its width means nothing: the first resize fits it.
        self.setMinimumHeight(0)
        if self.isVisible():
            self._fit()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        need = self.heightForWidth(self.width()) if self.width() > 0 else 0
        if need > 0 and self.minimumHeight() != need:
            self.setMinimumHeight(need)


class SessionPanel(QtWidgets.QFrame):
    """objectName `instructor.session`."""

    def __init__(self, controller: SessionController, request: Request,
                 debrief: Callable[[], None], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("instructor.session")
        self.controller = controller
        self._request = request
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.state = WrappedLabel("", self)
        self.state.setObjectName("instructor.session_state")
        self.state.setStyleSheet("font-weight: bold; color: #ffb74d;")
        self.state.setWordWrap(True)
        lay.addWidget(self.state)
        self.report = ReportPath(self)  # shown once the debrief report is written
        lay.addWidget(self.report)
        # Plain text under a heading: the height of a wrapped rich-text label is
        # misjudged in the scroll area and its last line was cut off.
        self.brief_title = QtWidgets.QLabel("Case stem", self)
        self.brief_title.setStyleSheet("font-weight: bold;")
        lay.addWidget(self.brief_title)
        self.brief = WrappedLabel("", self)
        self.brief.setObjectName("instructor.case_stem")
        self.brief.setAccessibleName("Case stem to read aloud in the pre-brief")
        self.brief.setWordWrap(True)
        self.brief.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.brief.setText(briefing_text(controller.course.scenario))
        lay.addWidget(self.brief)
        # The objectives stay in view during the drill (the case stem is read once).
        # Plain text, one bullet a line: a rich-text list's height is misjudged when it
        # wraps, and its last lines were cut off under the scenario box.
        self.objectives_title = QtWidgets.QLabel("Learning objectives", self)
        self.objectives_title.setStyleSheet("font-weight: bold;")
        lay.addWidget(self.objectives_title)
        self.objectives = WrappedLabel("", self)
        self.objectives.setObjectName("instructor.objectives")
        self.objectives.setAccessibleName("Learning objectives")
        self.objectives.setWordWrap(True)
        self.objectives.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.objectives.setText(objectives_text(controller.course.scenario))
        lay.addWidget(self.objectives)
        pick = QtWidgets.QHBoxLayout()
        self.scenario = QtWidgets.QComboBox(self)
        # As wide as the column allows (a drill's long title made the tools wider than
        # the window); the list shows whole titles.
        self.scenario.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scenario.setMinimumContentsLength(14)
        self.scenario.setObjectName("instructor.scenario")
        self.scenario.setAccessibleName("Scenario (choose before Start)")
        sc = controller.course.scenario
        for name in builtin_scenarios():  # the case and the drills built on it
            title = scenario_title(name)
            self.scenario.addItem(f"{title} ({name})" if title else name, name)
        here = self.scenario.findData(sc.id)
        if here < 0:  # a scenario file: listed by its path
            self.scenario.addItem(sc.path or sc.id, sc.path or sc.id)
            here = self.scenario.count() - 1
        self.scenario.setCurrentIndex(here)
        self.scenario.activated.connect(
            lambda i: self.choose_scenario(str(self.scenario.itemData(i))))
        pick.addWidget(self.scenario, 1)
        self.scenario_file = QtWidgets.QPushButton("Open file…", self)
        self.scenario_file.setObjectName("instructor.scenario_file")
        self.scenario_file.setAccessibleName("Load a scenario file (.toml)")
        self.scenario_file.clicked.connect(self._open_file)
        pick.addWidget(self.scenario_file)
        lay.addLayout(pick)
        # The console sets this to the assembler's change_scenario (pre-brief only).
        self.scenario_chooser: Callable[[str], None] | None = None
        self.on_error: Callable[[str], None] = lambda _text: None
        row = QtWidgets.QHBoxLayout()
        self.participants = QtWidgets.QLineEdit(self)
        self.participants.setObjectName("instructor.participants")
        self.participants.setPlaceholderText("Participants (optional): names or roles")
        self.participants.setMaxLength(200)
        row.addWidget(self.participants, 1)
        self.start = QtWidgets.QPushButton("Start", self)
        self.start.setObjectName("instructor.start")
        self.start.setAccessibleName("Start the drill: case time runs from here")
        self.start.clicked.connect(self._begin)
        row.addWidget(self.start)
        self.end = QtWidgets.QPushButton("End session", self)
        self.end.setObjectName("instructor.end")
        self.end.setAccessibleName("End the session: the session file closes")
        self.end.clicked.connect(self._end)
        row.addWidget(self.end)
        # The films of the debrief (the bedside as the trainees saw it), rendered in the
        # background after End: minutes for a long drill, the console usable meanwhile.
        self.with_video = QtWidgets.QCheckBox("with video", self)
        self.with_video.setObjectName("instructor.end_video")
        self.with_video.setAccessibleName("At End, also render the debrief's video")
        self.with_video.setToolTip("At End session, also render the bedside monitor as a "
                                   "film beside the report (in the background)")
        row.addWidget(self.with_video)
        self.film: Callable[[], None] | None = None  # the console's: render the films
        lay.addLayout(row)
        notes = QtWidgets.QHBoxLayout()
        self.note_text = QtWidgets.QLineEdit(self)
        self.note_text.setObjectName("instructor.note_text")
        self.note_text.setPlaceholderText("Note (Enter) -- or Ctrl+B for a bookmark")
        self.note_text.setMaxLength(200)
        self.note_text.returnPressed.connect(lambda: self.add_note(bookmark=False))
        notes.addWidget(self.note_text, 1)
        self.note = QtWidgets.QPushButton("Note", self)
        self.note.setObjectName("instructor.note")
        self.note.clicked.connect(lambda: self.add_note(bookmark=False))
        notes.addWidget(self.note)
        self.bookmark = QtWidgets.QPushButton("Bookmark", self)
        self.bookmark.setObjectName("instructor.bookmark")
        self.bookmark.setToolTip("Mark this moment for the debrief (Ctrl+B)")
        self.bookmark.clicked.connect(lambda: self.add_note(bookmark=True))
        notes.addWidget(self.bookmark)
        lay.addLayout(notes)
        self.note_feedback = QtWidgets.QLabel("", self)
        self.note_feedback.setObjectName("instructor.note_feedback")
        self.note_feedback.setStyleSheet("color: #9aa7b4;")
        self.note_feedback.setWordWrap(True)
        self.note_feedback.setVisible(False)
        lay.addWidget(self.note_feedback)
        self.notes = QtWidgets.QListWidget(self)
        self.notes.setObjectName("instructor.notes")
        self.notes.setAccessibleName("This session's notes and bookmarks, newest first")
        self.notes.setWordWrap(True)
        self.notes.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.notes.setVisible(False)
        lay.addWidget(self.notes)
        self._notes: list[str] = []
        self.report_path: Path | None = None
        shortcut = QtGui.QShortcut(QtGui.QKeySequence("Ctrl+B"), self)
        shortcut.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(lambda: self.add_note(bookmark=True))
        self.debrief = debrief
        self.show_state()

    def _open_file(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open a scenario", "", "Scenario files (*.toml)")
        if path:
            self.choose_scenario(path)

    def choose_scenario(self, name_or_path: str) -> None:
        """Rebuild the session on that scenario (pre-brief only); an error is one line
        on the console and the current scenario stays."""
        from replay_data.errors import ReplayDataError

        if self.scenario_chooser is None or self.controller.begun:
            return
        current = self.controller.course.scenario
        if name_or_path in (current.id, current.path):
            return
        try:
            self.scenario_chooser(name_or_path)
        except (ReplayDataError, ValueError, OSError) as exc:
            self.on_error(f"Scenario not changed: {' '.join(str(exc).split())}")
            self.scenario.setCurrentIndex(max(0, self.scenario.findData(
                current.id if self.scenario.findData(current.id) >= 0 else current.path)))

    def _begin(self) -> None:
        who = self.participants.text().strip() or None
        if self._request(BEGIN, participants=who) is not None:
            self.participants.setEnabled(False)
        self.show_state()

    def _end(self) -> None:
        if self._request(END) is not None:
            self.show_state()
            self.debrief()  # offered at once: the report of the closed session file
            if self.with_video.isChecked() and self.film is not None:
                self.film()

    def add_note(self, *, bookmark: bool) -> None:
        text = self.note_text.text().strip() or ("bookmark" if bookmark else "")
        if not text:
            return
        if self._request(NOTE, text=text, bookmark=bookmark) is not None:
            self.note_text.clear()

    def note_applied(self, action: Action) -> None:
        """A note or bookmark was taken (here or at another instructor display): say so,
        with the case time it carries, and list it."""
        bookmark = bool(action.arg("bookmark"))
        when = format_case_time(action.case_t) if action.case_t is not None else "now"
        what = "Bookmark" if bookmark else "Note"
        kept = "saved" if self.controller.recorder is not None else \
            "taken (this session is not being recorded)"
        self.note_feedback.setText(f"{what} {kept} at {when}")
        self.note_feedback.setVisible(True)
        text = str(action.arg("text"))
        line = f"{when} · {'bookmark' if bookmark else 'note'}" + \
            ("" if bookmark and text == "bookmark" else f": {text}")
        self._notes.insert(0, line)
        self.notes.clear()
        self.notes.addItems(self._notes[:NOTES_SHOWN])
        rows_h = sum(max(18, self.notes.sizeHintForRow(i)) for i in range(self.notes.count()))
        self.notes.setFixedHeight(min(84, rows_h + 2 * self.notes.frameWidth() + 4))
        self.notes.setVisible(True)

    def report_written(self, path: Path) -> None:
        self.report_path = Path(path)
        self.show_state()

    def show_state(self) -> None:
        c = self.controller
        if c.ended and self.report_path is not None:
            text = ("Session ended: the session file is closed and the debrief report was "
                    "written:")
        elif c.ended:
            text = "Session ended: the session file is closed. Write the debrief report."
        elif not c.begun:
            text = ("Pre-brief: read the case stem; the trainees' monitor shows the patient, "
                    "no case time passes until Start.")
        elif not c.clock.playing:
            text = "Paused: the trainees' monitor keeps the patient alive; no case time passes."
        else:
            text = "Running."
        if self.state.text() != text:
            self.state.setText(text)
        self.start.setEnabled(not c.begun and not c.ended)
        self.scenario.setEnabled(not c.begun and not c.ended)
        self.scenario_file.setEnabled(not c.begun and not c.ended)
        self.end.setEnabled(c.begun and not c.ended)
        for w in (self.note, self.bookmark, self.note_text):
            w.setEnabled(not c.ended)
        self.brief.setVisible(not c.begun)
        self.brief_title.setVisible(not c.begun and bool(c.course.scenario.briefing.case_stem))
        has = bool(c.course.scenario.briefing.objectives)
        self.objectives.setVisible(has)
        self.objectives_title.setVisible(has)


def briefing_text(sc: Scenario) -> str:
    """The case stem to read aloud in the pre-brief (the objectives are shown apart)."""
    b = sc.briefing
    if not b.case_stem and not b.objectives:
        return "This scenario has no briefing."
    return b.case_stem


def objectives_text(sc: Scenario) -> str:
    """'• Recognise a pump stop ...', one objective a line."""
    return "\n".join(f"• {o}" for o in sc.briefing.objectives)
