"""Session recording: one JSON Lines file per training session, for replay and debrief.

The course is a pure function of (scenario, perturbations, seed, t), so a
session is fully described by its header (scenario, seed) plus what people did: the
instructor's clock actions and perturbations, the alarm engine's changes and the
trainee's actions. Snapshots of the numerics are kept as a cross-check only.

Every line is one JSON object, written with one write() call and flushed before the
caller goes on (fsync=True also forces it to disk), so a crash loses nothing already
recorded. Keys in order: type, case_time, wall_time (ISO 8601, UTC), then the
type's own keys; non-finite numbers are written as null.

    session_start         format, scenario, scenario_id, seed, start, speed,
                          scenario_hash (sha256 of the scenario's content,
                          dashboard.core.scenario_hash; absent in older files)
    instructor            action (play, pause, speed, seek, jump, freeze_screen) + its
                          fields, display
    perturbation          perturbation: every Perturbation field, effects included;
                          display, role (who: instructor, trainee, script, replay)
    perturbation_stopped  id (stopped at case_time), display, role
    alarm                 event, alarm_id, channel, value, limit, priority, message,
                          kind, category (one AlarmChange)
    trainee               action (acknowledge, audio_pause, audio_off, alarm_pause,
                          alarm_off, limits) + its fields, display
    snapshot              values (finite numerics only), flags
    display               display, status (joined | lost | back), wall (the network
                          bridge's wall time, s): a display of the room came or went

Action names and their fields are those of dashboard.core.actions; a recorded action is
read back through Action.make, so every field is checked (type, finite, range) with the
file and line in the message. `display` names the screen the action came from ("console",
"bed-1", "demo"); files written before it existed read with display "". A
perturbation's `role` says who made it -- a control by the bedside team (trainee) or the
instructor's override of the same setting; files written before it existed read as the
instructor's when the display is "console" or "script" (or for an injection, which only
the instructor gives), else as the team's. The instructor's "done (verbal)" ticks are
instructor records (action response_done, injection, response).

Case time is not monotonic in a file: the instructor may seek back. File order is
the order things happened.
"""

from __future__ import annotations

from dashboard.core.actions import RECORD_TYPE

FORMAT_VERSION = 1

# Recorded actions by record type (from dashboard.core.actions, the one list of names).
INSTRUCTOR_ACTIONS = tuple(k for k, v in RECORD_TYPE.items() if v == "instructor")
TRAINEE_ACTIONS = tuple(k for k, v in RECORD_TYPE.items() if v == "trainee")
RECORD_TYPES = (
    "session_start", "instructor", "perturbation", "perturbation_stopped", "alarm", "trainee",
    "snapshot", "display",
)  # fmt: skip
DISPLAY_STATUSES = ("joined", "lost", "back")
# Displays that are the instructor's own (older files recorded no role).
INSTRUCTOR_DISPLAYS = frozenset({"console", "script"})
_COMMON_KEYS = ("type", "case_time", "wall_time")
