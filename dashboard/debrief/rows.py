"""What the debrief report says, as plain data: its rows (timeline, time to acknowledge,
responses to injections, skipped events, notes, displays, expected responses), the report
that holds them, and the words and numbers they are written in. No Qt, nothing written:
the builders are timeline.py, responses.py and report.py; the files are files.py.

Every time is given twice: case time (the patient's day and clock, `Day 13 17:11:05`)
and wall-clock time (when it happened in the room, to line up with a video). Times to
acknowledge and to respond are wall seconds -- what the team took -- with the case
seconds beside them (at 5x, 12 s in the room are 60 s of the patient's time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dashboard.recording import (
    RecordedSession,
    ScenarioCheck,
)
from replay_data.casetime import case_clock, span_text
from replay_data.course import Course

# The row builders (timeline, responses, plots) take the labels from here.
from replay_data.perturbation_labels import perturbation_label as perturbation_label
from replay_data.perturbation_labels import value_text as value_text
from replay_data.perturbations import Perturbation

from .played import PlayedTime
from .scoring import (
    BY_INSTRUCTOR,
    DONE,
    LATE,
    MISSED,
    NOT_DUE,
    VERBAL,
    ScoredResponse,
)

DISCLAIMER = "Training simulator \u2014 not a medical device"
OVERVIEW_CHANNELS = ("hr", "spo2", "abp_mean", "ecmo_flow")
RESPONSE_WINDOW_S = 300.0  # after an injection ends: what the team did next still counts
EPISODE_BEFORE_S = 60.0  # a focused plot starts this long before what it shows
EPISODE_AFTER_S = 180.0  # ... and runs on this long after it ended
EPISODE_MAX_S = 1800.0  # a longer episode is plotted from its start over this much
EPISODE_ALARM_S = 300.0  # an alarm episode's panel covers at most its first 5 min
MIN_SPAN_S = 120.0  # a shorter session is plotted over this much, centred on it
MAX_EPISODE_PANELS = 8
# Notes are text: marked on the plots while they are few, else listed only (the notes
# table), as a 20,000-note session must not draw 20,000 lines on each row.
MAX_NOTE_MARKS = 100
# ... and listed on the page while they are at most this many, else the first and last
# halves of it with a count (every note stays in the CSV's timeline); past that count the
# page's timeline leaves them out too (they were 200,000 of its 200,010 rows).
MAX_LISTED_NOTES = 1000
NOTE_TYPES = ("note", "bookmark")  # the timeline rows of notes
SPO2 = "spo2"
NADIR_AFTER_S = 180.0  # the SpO2 nadir of an event: to this long after it ended (lived)
DISPLAY_WORDS = {"joined": "joined", "lost": "link lost", "back": "back"}
ALARM_ROW_EVENTS = ("raise", "escalate", "clear", "acknowledge")
CSV_COLUMNS = ("case_time_s", "case_time", "wall_clock", "wall_elapsed_s", "type", "what",
               "priority", "value", "limit", "alarm_id", "deadline", "result", "by")
SCORING_TYPE = "expected response"  # the CSV's rows for the scored expected responses
# Snapshots were computed one sample at a time, the replay on a grid: allow float noise.
REPLAY_TOLERANCE = 1e-6

INJECTION_COLOUR = "#e65100"
STOP_COLOUR = "#2e7d32"
EVENT_COLOUR = "#546e7a"
NOTE_COLOUR = "#6a1b9a"


class DebriefError(ValueError):
    """The report cannot be made (bad output path); one line for the CLI."""


def wall_text(wall: datetime | None) -> str:
    """Wall-clock time of day, local time of the machine making the report."""
    return "" if wall is None else wall.astimezone().strftime("%H:%M:%S")


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class TimelineRow:
    case_time: float
    type: str  # instructor, injection, injection stop, override, alarm raise, trainee, ...
    what: str
    priority: str = ""
    value: str = ""
    limit: str = ""
    # Line in the session file: keeps ties in the order they happened; not content.
    line: int = field(default=0, compare=False)
    wall: datetime | None = field(default=None, compare=False)
    wall_elapsed: float | None = field(default=None, compare=False)  # s since the start
    alarm_id: str = ""  # for alarm rows (the CSV keeps it; the page shows the message)
    # Expected-response rows (CSV only): due by (case clock), done | late | missed, who.
    deadline: str = ""
    result: str = ""
    # Who did it ("trainee at bed-1", "instructor at console", "scenario"); for the
    # expected-response rows what was set and where.
    by: str = ""

    @property
    def time_text(self) -> str:
        return case_clock(self.case_time, seconds=True)

    @property
    def wall_time_text(self) -> str:
        return wall_text(self.wall)

    def csv_row(self) -> list[str]:
        wall = "" if self.wall is None else self.wall.isoformat(timespec="milliseconds")
        elapsed = "" if self.wall_elapsed is None else f"{self.wall_elapsed:.3f}"
        return [f"{self.case_time:.3f}", self.time_text, wall, elapsed, self.type, self.what,
                self.priority, self.value, self.limit, self.alarm_id, self.deadline,
                self.result, self.by]


@dataclass(frozen=True)
class AcknowledgementRow:
    """One raised (or escalated) alarm and how long until someone acknowledged it."""

    raised_at: float
    event: str  # raise | escalate
    alarm_id: str
    message: str
    priority: str
    acknowledged_at: float | None
    via: str  # "this alarm", "acknowledge all", or "" when only the engine's record says so
    cleared_at: float | None
    raised_wall: datetime | None = None
    acknowledged_wall: datetime | None = None
    cleared_wall: datetime | None = None
    channel: str | None = None

    @property
    def time_to_acknowledge(self) -> float | None:
        """Case seconds."""
        return None if self.acknowledged_at is None else self.acknowledged_at - self.raised_at

    @property
    def wall_to_acknowledge(self) -> float | None:
        """Wall seconds: what the team took."""
        if self.raised_wall is None or self.acknowledged_wall is None:
            return None
        return (self.acknowledged_wall - self.raised_wall).total_seconds()

    @property
    def outcome(self) -> str:
        if self.acknowledged_at is not None:
            return both_spans(self.wall_to_acknowledge, self.time_to_acknowledge)
        if self.cleared_at is not None:
            lasted = None if self.cleared_wall is None or self.raised_wall is None else \
                (self.cleared_wall - self.raised_wall).total_seconds()
            return (f"not acknowledged (condition ended after "
                    f"{both_spans(lasted, self.cleared_at - self.raised_at)})")
        return "not acknowledged (still present at the end of the session)"


def both_spans(wall_s: float | None, case_s: float | None) -> str:
    """'12 s (case 1 min 0 s)': wall seconds first; the case's beside them when they
    differ (a replay faster or slower than real time)."""
    if wall_s is None:
        return "" if case_s is None else f"case {span_text(case_s)}"
    text = span_text(wall_s)
    if case_s is not None and span_text(case_s) != text:
        text += f" (case {span_text(case_s)})"
    return text


@dataclass(frozen=True)
class Response:
    case_time: float
    delay: float  # case seconds since the injection started
    actor: str  # trainee | instructor
    what: str
    wall_delay: float | None = None  # wall seconds since the injection started
    display: str = ""  # where, when `what` does not say it already

    @property
    def delay_text(self) -> str:
        return "+" + both_spans(self.wall_delay, self.delay)

    @property
    def text(self) -> str:
        """'+12 s trainee: acknowledge all (at bed-1)'."""
        where = f" (at {self.display})" if self.display else ""
        return f"{self.delay_text} {self.actor}: {self.what}{where}"


@dataclass(frozen=True)
class InjectionResponse:
    """An injection or override, and what was done from its start to its end + 5 min."""

    perturbation: Perturbation  # as it ran (cut where it was stopped)
    label: str
    source: str  # instructor | scheduled (by the scenario)
    window_end: float
    responses: tuple[Response, ...]
    wall: datetime | None = None  # when it started on the wall clock
    lasted_wall: float | None = None  # wall seconds from its start to its end (if seen)
    # As the patient lived it: when its values stopped being what it set (the team
    # restored the flow), and what did that (a setting, with who made it).
    lived_end: float | None = None
    ended_by: str = ""
    lived_wall: float | None = None  # wall seconds from its start to lived_end
    nadir: tuple[float, float] | None = None  # lowest SpO2 (value, case time) of the event

    @property
    def lasted_text(self) -> str:
        """How long the event lasted for the patient: to the moment its values were
        restored when that came before its nominal end, else to that end."""
        p = self.perturbation
        if self.lived_end is not None:
            text = both_spans(self.lived_wall, self.lived_end - p.start)
            return text + (f"; {self.ended_by}" if self.ended_by else "")
        if p.duration is None and not self.lasted_wall:
            return "until the end"
        return both_spans(self.lasted_wall, None if p.duration is None else p.end - p.start)


@dataclass(frozen=True)
class SkippedRow:
    """A scheduled injection or case event inside the session's span that the session
    never played (the instructor jumped over it)."""
    case_time: float
    type: str  # scheduled injection | case event
    what: str


@dataclass(frozen=True, slots=True)
class NoteRow:
    case_time: float
    wall: datetime | None
    text: str
    bookmark: bool
    line: int = 0

    @property
    def shown(self) -> str:
        """The note as the report prints it: a bookmark without words of its own (the
        console's Bookmark button with an empty field) is just "Bookmark"."""
        return note_text(self.text, self.bookmark)


def note_text(text: str, bookmark: bool) -> str:
    words = text.strip()
    if bookmark:
        return "Bookmark" if words.lower() in ("", "bookmark") else f"Bookmark: {words}"
    return words


@dataclass(frozen=True)
class DisplayRow:
    """One display of the room: when it joined, and each loss of its link and return
    (status, case time, wall clock)."""
    display: str
    joined_at: float
    joined_wall: datetime | None
    changes: tuple[tuple[str, float, datetime | None], ...] = ()


@dataclass(frozen=True)
class ExpectedResponseRow:
    """One expected response scored (when the scenario defines them)."""
    injection: str
    expected: str
    due: str  # e.g. "within 30 s"
    verdict: str  # done | late | missed
    when: str  # when it was done (both clocks) or ""


@dataclass
class DebriefReport:
    session: RecordedSession
    html_path: Path
    csv_path: Path
    span: tuple[float, float]  # the overview's case-time span
    timeline: list[TimelineRow]
    acknowledgements: list[AcknowledgementRow]
    injections: list[InjectionResponse]
    plotted: tuple[str, ...]  # channels of the overview plot
    snapshot_mismatches: int = 0  # recorded snapshots the recomputed course disagrees with
    warnings: list[str] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    notes: list[NoteRow] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    expected: list[ExpectedResponseRow] = field(default_factory=list)
    played: PlayedTime | None = None
    panels: list[tuple[str, float, float]] = field(default_factory=list)  # focused plots
    marks: list = field(default_factory=list)  # plots.Mark, numbered on the plots
    pdf_path: Path | None = None
    pdf_pages: int = 0
    scored: list[ScoredResponse] = field(default_factory=list)  # expected responses
    displays: list[DisplayRow] = field(default_factory=list)
    scenario_check: ScenarioCheck | None = None  # the recording's scenario hash vs now
    # What the plots and the page ask of the session's lines, taken while they are read
    # (build_debrief releases them before rendering: RecordedSession.header).
    session_end: float = 0.0  # case time of the last line
    speeds: list[float] = field(default_factory=list)  # every replay speed, ascending
    stops: list[tuple[float, Perturbation]] = field(default_factory=list)  # (when, what)
    video_paths: list[Path] = field(default_factory=list)  # --video: the films written
    room_error: str | None = None  # --room-video left out: why


def perturbation_what(course: Course, p: Perturbation) -> str:
    if p.kind == "injection":
        spec = course.scenario.injections.get(p.name)
        if spec is not None and not spec.graded:  # all or nothing: the variant says it
            return f"{perturbation_label(course, p)} ({span_text(p.duration)})"
        return (f"{perturbation_label(course, p)} (severity {p.severity:g}, "
                f"{span_text(p.duration)})")
    if p.kind == "control":  # a setting takes effect at once
        return perturbation_label(course, p)
    return f"{perturbation_label(course, p)} over {span_text(p.onset)}"



RESULT_TEXT = {DONE: "done", LATE: "late", MISSED: "missed", VERBAL: "done (verbal)",
               BY_INSTRUCTOR: "done by the instructor",
               NOT_DUE: "not due (the session ended first)"}
