"""A scenario as data: the case's events, keyframes, draws, injections and teaching.

Plain frozen dataclasses, built by replay_data.scenario_parse (a case file) and
replay_data.drill (a drill over a case); nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import ReplayDataError, ScenarioError, TimeExpressionError
from .timeexpr import resolve_time

BASES = ("case", "assumed", "derived")  # where a fact comes from (Provenance.basis)
REQUIRED_EVENTS = (
    "admission", "sle_diagnosis", "intubation", "abg_pre_ecmo", "ecmo_start",
    "act_target_raised", "ecmo_end", "extubation",
)

@dataclass(frozen=True)
class Provenance:
    """Where a fact comes from: the case report (with quote), derived, or assumed."""
    basis: str
    quote: str = ""
    note: str = ""


@dataclass(frozen=True)
class Event:
    id: str
    t: float
    label: str
    kind: str
    provenance: Provenance


@dataclass(frozen=True)
class ChannelKeyframes:
    """One channel's keyframes in time order; NaN means not measured from there on."""
    times: tuple[float, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class ResultDraw:
    t: float
    test: str
    exact: float | None  # reported value (case fact) or None = sample the level
    provenance: Provenance


@dataclass(frozen=True)
class Effect:
    channel: str
    set: float | None = None
    add: float | None = None
    oscillate: float = 0.0
    period: float = 2.0
    off: bool = False
    onset: float | None = None  # overrides the injection's onset for this effect
    offset: float | None = None  # overrides the injection's offset (recovery) for this effect


@dataclass(frozen=True)
class InjectionVariant:
    """One named form of an all-or-nothing event (e.g. pump stop: power loss, clamped)."""
    id: str
    label: str
    effects: tuple[Effect, ...]
    flags: tuple[str, ...] = ()
    onset: float | None = None


@dataclass(frozen=True)
class ControlCondition:
    """A setting the team makes: `control` (a control.* channel) at least / at most /
    exactly a value."""
    control: str
    at_least: float | None = None
    at_most: float | None = None

    def met(self, value: float) -> bool:
        return ((self.at_least is None or value >= self.at_least - 1e-9)
                and (self.at_most is None or value <= self.at_most + 1e-9))


@dataclass(frozen=True)
class ExpectedResponse:
    """One thing the team should do after an injection, within `within` seconds of its
    start; any one of `any` counts."""
    id: str
    label: str
    within: float
    any: tuple[ControlCondition, ...]


@dataclass(frozen=True)
class InjectionSpec:
    id: str
    label: str
    category: str
    description: str
    default_severity: float
    default_duration: float
    onset: float
    offset: float
    flags: tuple[str, ...]
    effects: tuple[Effect, ...]
    provenance: Provenance
    # What severity 1.0 means physically; "" for all-or-nothing events with variants.
    severity_meaning: str = ""
    variants: Mapping[str, InjectionVariant] = field(default_factory=dict)
    default_variant: str = ""
    # What the bedside team is expected to do, scored by the debrief.
    expected: tuple[ExpectedResponse, ...] = ()

    @property
    def graded(self) -> bool:
        """Severity is a physical fraction (else the event is all-or-nothing)."""
        return bool(self.severity_meaning)


@dataclass(frozen=True)
class ScheduledInjection:
    injection: str
    t: float
    severity: float
    duration: float
    provenance: Provenance


@dataclass(frozen=True)
class FlagPeriod:
    flag: str
    start: float
    end: float


@dataclass(frozen=True)
class TeachingNote:
    start: float
    end: float
    text: str
    basis: str


@dataclass(frozen=True)
class Briefing:
    """The scenario's teaching material for a session: what the drill should teach, the
    case stem read out at the pre-brief, and questions for the debrief."""
    objectives: tuple[str, ...] = ()
    case_stem: str = ""
    debrief_prompts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    source: str
    path: str
    patient: Mapping[str, object]
    events: tuple[Event, ...]
    start: float
    end: float
    default_start: float
    monitoring_start: float
    alarm_profile: str
    numeric_keyframes: Mapping[str, ChannelKeyframes]
    result_levels: Mapping[str, ChannelKeyframes]
    modes: Mapping[str, tuple[tuple[float, str], ...]]
    draws: tuple[ResultDraw, ...]
    injections: Mapping[str, InjectionSpec]
    scheduled: tuple[ScheduledInjection, ...]
    flag_periods: tuple[FlagPeriod, ...]
    teaching: tuple[TeachingNote, ...]
    keyframe_provenance: tuple[tuple[float, str, Provenance], ...] = field(default=())
    briefing: Briefing = field(default=Briefing())
    base: str = ""  # a drill (replay_data.drill): the id of the case it overlays

    @property
    def event_times(self) -> dict[str, float]:
        return {e.id: e.t for e in self.events}

    def event(self, event_id: str) -> Event:
        for e in self.events:
            if e.id == event_id:
                return e
        raise ScenarioError(self.path, f"unknown event {event_id!r}")

    def resolve_option(self, option: str, text: str) -> float:
        """resolve() for a command-line option: the error names the option and its value."""
        try:
            return self.resolve(text)
        except ReplayDataError as exc:
            raise ReplayDataError(f"{option} {text}: {exc}") from None

    def resolve(self, text: str | float) -> float:
        """Resolve a time expression; raise TimeExpressionError when outside the course."""
        t = resolve_time(text, self.event_times)
        if not (self.start <= t <= self.end):
            raise TimeExpressionError(
                f"time {text!r} = {t:.0f} s is outside the scenario "
                f"({self.start:.0f} to {self.end:.0f} s)"
            )
        return t



def check_case_events(scenario: Scenario) -> None:
    """The built-in case must carry the events the dashboard and the trainers rely on."""
    have = scenario.event_times
    for eid in REQUIRED_EVENTS:
        if eid not in have:
            raise ScenarioError(scenario.path, f"required event {eid!r} is missing")
