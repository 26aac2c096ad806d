"""The session recording: one JSON Lines file per training session, for replay and debrief.

    format      the file format (record types, their keys) and the names both sides share
    writer      SessionRecorder: writes the file line by line, flushed
    reader      read_session: the file read back (records: what it is read into;
                line_checks: each line checked)
    scenario_check  recorded_course: the recording against its scenario (limits, names,
                has the scenario changed since), for --replay and the debrief
    checks      what a file may hold against its scenario (limits, injections, alarms)
    snapshots   the snapshot lines as a table (columns), read by a fast path
    snapshot_runs  runs of the writer's own snapshot lines, read in bulk
    subscriber  SessionRecording: the recorder fed by a SessionController's events

A layer above dashboard.core: the controller knows nothing of this package; whoever builds
a recorded session builds the SessionRecording and hands it to the controller.
"""

from dashboard.recording.format import (
    DISPLAY_STATUSES,
    FORMAT_VERSION,
    INSTRUCTOR_ACTIONS,
    INSTRUCTOR_DISPLAYS,
    RECORD_TYPES,
    TRAINEE_ACTIONS,
)
from dashboard.recording.reader import (
    Action,
    DisplayRecord,
    Entry,
    PerturbationRecord,
    RecordedAction,
    RecordedSession,
    SessionLogError,
    Snapshot,
    inferred_role,
    read_session,
)
from dashboard.recording.scenario_check import (
    RecordedCourse,
    ScenarioCheck,
    course_for,
    recorded_course,
)
from dashboard.recording.subscriber import SessionRecording, recording_for
from dashboard.recording.writer import SessionRecorder, SessionRecorderError, default_session_path
from replay_data.perturbation_data import perturbation_from_data, perturbation_to_data

__all__ = [
    "DISPLAY_STATUSES", "FORMAT_VERSION", "INSTRUCTOR_ACTIONS", "INSTRUCTOR_DISPLAYS",
    "RECORD_TYPES", "TRAINEE_ACTIONS", "Action", "DisplayRecord", "Entry",
    "PerturbationRecord", "RecordedAction", "RecordedCourse", "RecordedSession",
    "ScenarioCheck", "SessionLogError",
    "SessionRecorder", "SessionRecorderError", "SessionRecording", "Snapshot", "course_for",
    "default_session_path", "inferred_role", "perturbation_from_data", "perturbation_to_data",
    "read_session", "recorded_course", "recording_for",
]
