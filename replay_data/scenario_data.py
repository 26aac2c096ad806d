"""A scenario as data: the case's events, keyframes, draws, injections and teaching.

Plain frozen dataclasses, built by replay_data.scenario_parse (a case file) and
replay_data.drill (a drill over a case); nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import ReplayDataError, ScenarioError, TimeExpressionError
from .timeexpr import resolve_time

# The scenario the tools open when none is named (the one place that names it).
DEFAULT_SCENARIO = "sle_dah_ecmo"
BASES = ("case", "assumed", "derived")  # where a fact comes from (Provenance.basis)
# The built-in SLE case's events that its own tests and case-fact checks rely on; no other
# scenario needs them (what the code needs of any scenario is its ROLES).
REQUIRED_EVENTS = (
    "admission", "sle_diagnosis", "intubation", "abg_pre_ecmo", "ecmo_start",
    "act_target_raised", "ecmo_end", "extubation",
)
# What the code needs to know of a scenario's events, whatever their ids: the [roles]
# table names the event of each (default: the event of that id, when there is one).
# "admission" is the origin of case time (t = 0) and must exist.
ROLES = ("admission", "intubation", "extubation", "cannulation", "ecmo_start", "ecmo_end")

@dataclass(frozen=True)
class Provenance:
    """Where a fact comes from: the case report (with quote), derived, or assumed."""
    basis: str
    quote: str = ""
    note: str = ""


@dataclass(frozen=True)
class Patient:
    """[patient]: who the patient is. Predicted body weight (every "per kg" number of the
    ventilator) comes from sex and height by the ARDSNet formula (ARDS Network, NEJM
    2000): 50 kg (men) or 45.5 kg (women) + 0.91 kg per cm above 152.4 cm."""
    age: float | None = None
    sex: str = "unknown"  # female | male | unknown
    height_cm: float | None = None
    weight_kg: float | None = None
    summary: str = ""
    history: str = ""
    provenance: Provenance = Provenance("assumed")

    @property
    def pbw_kg(self) -> float | None:
        """ARDSNet predicted body weight; None without a height or a sex to apply it to."""
        if self.height_cm is None or self.sex not in ("female", "male"):
            return None
        base = 50.0 if self.sex == "male" else 45.5
        return base + 0.91 * (self.height_cm - 152.4)


@dataclass(frozen=True)
class VentilatorLimits:
    """[ventilator]: the alarm limits the clinicians set on the ventilator. The
    high-pressure limit is `p_high_limit` where the scenario fixes one; else, in pressure
    control, `p_high_margin` above the set peak (PEEP + Pinsp: a pressure-controlled breath
    never exceeds it, so the alarm means something has changed), and in volume control
    `p_high_limit_vc` (replay_data.vent_alarms). Defaults assumed: usual bedside settings."""
    p_high_limit: float | None = None  # cmH2O
    p_high_margin: float = 10.0  # cmH2O above PEEP + Pinsp
    # Volume control: a little above the ARDSNet plateau ceiling of 30 cmH2O plus the
    # resistive pressure of the breath.
    p_high_limit_vc: float = 40.0  # cmH2O
    mv_low_limit: float = 2.0  # L/min
    apnoea_rr: float = 4.0  # /min: below the lowest settable rate, no mandatory breaths
    provenance: Provenance = Provenance("assumed")


@dataclass(frozen=True)
class Cannula:
    """One cannula: `role` drainage | return | dual_lumen (drains and returns), its size
    in French (outer diameter, 1 Fr = 1/3 mm), where it goes, and its make."""
    role: str
    size_fr: float
    site: str
    model: str = ""
    provenance: Provenance = Provenance("assumed")


@dataclass(frozen=True)
class Pump:
    """A centrifugal pump against this circuit: flow rises linearly with speed above the
    speed at which it starts to give flow (its curve at the patient's usual preload and
    afterload), up to what the drainage cannula and the vein give."""
    model: str
    zero_flow_rpm: float
    lpm_per_rpm: float
    drainage_limit_lpm: float
    provenance: Provenance = Provenance("assumed")

    def flow(self, rpm: float) -> float:
        return max(0.0, (rpm - self.zero_flow_rpm) * self.lpm_per_rpm)

    def rpm_for(self, flow: float) -> float:
        return self.zero_flow_rpm + max(flow, 0.0) / self.lpm_per_rpm


@dataclass(frozen=True)
class Circuit:
    """[circuit]: the patient's ECMO circuit (present only when they have one)."""
    mode: str  # "VV" (VA prepared for)
    pump: Pump
    oxygenator: str
    cannulae: tuple[Cannula, ...]
    summary: str = ""
    provenance: Provenance = Provenance("assumed")

    def cannula(self, role: str) -> Cannula | None:
        """The cannula that does `role` (drainage or return; a dual-lumen one does both)."""
        for c in self.cannulae:
            if c.role == role:
                return c
        for c in self.cannulae:
            if c.role == "dual_lumen":
                return c
        return None


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
    # Names it had in earlier versions: recorded actions and drill files naming them
    # still pick it ("pump_stop:clamped" -> drainage_clamped).
    formerly: tuple[str, ...] = ()


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
class EndCondition:
    """What ends an emergency (an injection's `ended_by`; any one of them does): the
    team's setting of a control (`channel` a control.* id: that control set to within the
    bounds), or the state any of the team's settings gives a model input the console
    sets (`channel` e.g. "ecmo_flow": the blood flow it restores, clamps and air taken
    into account). `above` is a strict lower bound (flow above 0)."""
    channel: str
    at_least: float | None = None
    at_most: float | None = None
    above: float | None = None

    @property
    def on_control(self) -> bool:
        return self.channel.startswith("control.")

    def met(self, value: float) -> bool:
        return ((self.at_least is None or value >= self.at_least - 1e-9)
                and (self.at_most is None or value <= self.at_most + 1e-9)
                and (self.above is None or value > self.above))


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
    default_duration: float | None  # None: until stopped (an all-or-nothing emergency)
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
    # What of the team's ends it, once it began (any one); () = only its duration or the
    # instructor.
    ended_by: tuple[EndCondition, ...] = ()

    @property
    def graded(self) -> bool:
        """Severity is a physical fraction (else the event is all-or-nothing)."""
        return bool(self.severity_meaning)


@dataclass(frozen=True)
class ScheduledInjection:
    injection: str
    t: float
    severity: float
    duration: float | None  # None: until the team's action or the instructor ends it
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
    patient: Patient
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
    circuit: Circuit | None = None
    roles: Mapping[str, str] = field(default_factory=dict)  # role -> event id (ROLES)
    ventilator: VentilatorLimits = field(default=VentilatorLimits())

    @property
    def event_times(self) -> dict[str, float]:
        return {e.id: e.t for e in self.events}

    def role_time(self, role: str) -> float | None:
        """The case time of the event that plays `role` (ROLES), None when none does."""
        eid = self.roles.get(role)
        return None if eid is None else self.event_times.get(eid)

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
