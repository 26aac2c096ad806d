"""What the alarm engine reports: the changes it makes (one line of the alarm log each),
snapshots of the signals to show, the inactivation status for the status bar, and the
errors an operator's request can meet. Plain data, shared by the engine, the log, the
recording and the screens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .kinds import AlarmKind, AlarmState, Category, Priority


class AlarmOffRefused(ValueError):
    """ALARM OFF asked for an alarm that cannot be switched off (Desat, apnea, ...)."""


class LimitError(ValueError):
    """set_limits() with an unknown parameter or a limit that cannot be used."""


@dataclass(frozen=True)
class AlarmChange:
    """One thing that happened; also one line of the alarm log.

    event: raise, escalate, clear (alarm conditions); member_raise, member_escalate,
    member_clear (one member of a folded alarm crossing its limit or back, alarm_id the
    member's; the folded alarm itself raises and clears under its group id); present
    (already on after a jump); acknowledge; audio_paused,
    audio_resumed, audio_off, audio_on, alarm_paused, alarm_resumed, alarm_off,
    alarm_on, limits_changed (operator and system inactivation).
    """

    case_time: float
    event: str
    alarm_id: str | None = None
    channel: str | None = None
    value: float | None = None
    limit: float | None = None
    priority: Priority | None = None
    message: str = ""
    kind: AlarmKind | None = None
    category: Category | None = None


@dataclass(frozen=True)
class MemberReading:
    """One member of a folded alarm whose condition is present: its value against its
    limit ('sys 72 < 90')."""

    alarm_id: str
    label: str  # short name beside the value: 'sys', 'mean'
    channel: str | None
    direction: str | None  # 'low' / 'high' for a limit rule, else None
    value: float | None
    limit: float | None


@dataclass(frozen=True)
class AlarmSignal:
    """Snapshot of one alarm signal as the screen should show it."""

    alarm_id: str
    channel: str | None
    kind: AlarmKind
    category: Category
    priority: Priority
    state: AlarmState
    message: str
    value: float | None  # latest value while the condition lasts; the last one after
    limit: float | None
    raised_at: float
    condition_active: bool
    # A folded alarm (alarm_id a group id): its members whose condition is present, in
    # the group's order; () for a single rule's alarm.
    members: tuple[MemberReading, ...] = ()

    @property
    def text(self) -> str:
        """'*** Desat', '** HR high' ..."""
        return f"{self.priority.prefix} {self.message}"

    @property
    def technical(self) -> bool:
        return self.kind is AlarmKind.TECHNICAL


@dataclass(frozen=True)
class InactivationStatus:
    """What the status bar shows; remaining times count down from the last case time."""

    audio_paused_remaining_s: float | None
    audio_off: bool
    alarm_paused_remaining_s: float | None
    alarms_off: frozenset[str]  # alarm ids with at least one level switched off


class AlarmSink(Protocol):
    def write(self, change: AlarmChange) -> None: ...
