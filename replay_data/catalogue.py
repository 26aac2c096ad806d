"""The channel catalogue: what each numeric, timed result and waveform is (id, label, unit,
precision, normal range, colour, standard code). Loaded from resources, never hard-coded."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

from .errors import ScenarioError
from .toml_reader import BadValue, Table, TomlDocument, read_toml_resource

CATALOGUE_FILE = "channels.toml"
# Results a sample carries as the latest value drawn (replay_data.course: ACT_LATEST), so
# an alarm can watch them (ACT against its target band).
SAMPLED_RESULTS = ("act",)


@dataclass(frozen=True)
class NoiseSpec:
    sd: float = 0.0
    tau: float = 30.0
    # or "headroom": noise scales with distance below `ceiling`; or "proportional": with
    # the value itself (a fraction of the reading, for values spanning decades)
    mode: str = "additive"
    ceiling: float = 100.0
    group: str | None = None
    share: float = 0.0


@dataclass(frozen=True)
class NumericChannel:
    id: str
    label: str
    unit: str
    precision: int
    normal: tuple[float, float]
    colour: str
    code: str
    group: str
    interpolation: str = "smooth"
    noise: NoiseSpec = field(default_factory=NoiseSpec)
    limits: tuple[float, float] = (-math.inf, math.inf)
    derived: str | None = None
    trend: tuple[float, float] | None = None  # y range of the trend view
    # The widest range the quantity can take (input files are checked against it).
    physical: tuple[float, float] = (-math.inf, math.inf)
    model: bool = False  # computed by replay_data.physiology from the input channels
    # The value an input has where the scenario gives none (not keyframed, or NaN there):
    # the patient always has one (a lung has a compliance). None: no value (not measured,
    # not connected), which is what NaN means for the other channels.
    default: float | None = None

    @property
    def keyframed(self) -> bool:
        """An input the scenario sets (neither derived nor a model output)."""
        return not (self.derived or self.model)

    def format(self, value: float) -> str:
        """Text a monitor shows: fixed precision, '---' when not measured."""
        if value is None or not math.isfinite(value):
            return "---"
        return f"{value:.{self.precision}f}"


@dataclass(frozen=True)
class ResultTest:
    id: str
    label: str
    unit: str
    precision: int
    normal: tuple[float, float]
    code: str
    panel: str
    scatter_sd: float
    limits: tuple[float, float] = (-math.inf, math.inf)  # what the analyser can report
    physical: tuple[float, float] = (-math.inf, math.inf)  # widest possible value
    channel: str | None = None  # numeric channel a draw reads (model output or input)
    target: tuple[str, ...] = ()  # (low, high) channels of a target band flagged against

    def format(self, value: float) -> str:
        return f"{value:.{self.precision}f}"


@dataclass(frozen=True)
class WaveformSignal:
    id: str
    label: str
    unit: str
    rate: float
    colour: str
    code: str
    sweep_mm_s: float
    range: tuple[float, float]


@dataclass(frozen=True)
class Catalogue:
    numerics: dict[str, NumericChannel]
    results: dict[str, ResultTest]
    waveforms: dict[str, WaveformSignal]
    flags: dict[str, str] = field(default_factory=dict)  # flag id -> label

    def numeric(self, channel_id: str) -> NumericChannel:
        try:
            return self.numerics[channel_id]
        except KeyError:
            raise ScenarioError(
                "channels", f"unknown channel {channel_id!r} (known: {', '.join(self.numerics)})"
            ) from None

    def waveform(self, signal_id: str) -> WaveformSignal:
        try:
            return self.waveforms[signal_id]
        except KeyError:
            raise ScenarioError(
                "waveforms", f"unknown signal {signal_id!r} (known: {', '.join(self.waveforms)})"
            ) from None

    @property
    def measured_numerics(self) -> list[str]:
        """Every channel the patient or the monitor has (the team's settings excluded)."""
        return [c for c, ch in self.numerics.items() if ch.group != "controls"]

    @property
    def sampled_channels(self) -> frozenset[str]:
        """Every channel id a sample carries: the measured numerics and SAMPLED_RESULTS."""
        return frozenset(self.measured_numerics) | frozenset(SAMPLED_RESULTS)

    @property
    def displayed_numerics(self) -> list[str]:
        """Channels shown to the user (hidden target and console-setting channels excluded)."""
        return [c for c, ch in self.numerics.items() if ch.group not in ("targets", "controls")]


def _pair(value: object) -> tuple[float, float]:
    numbers = isinstance(value, list) and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    if not (numbers and len(value) == 2):
        raise BadValue("must be a list of two numbers")
    return float(value[0]), float(value[1])


def _ordered_pair(value: object) -> tuple[float, float]:
    lo, hi = _pair(value)
    if not lo < hi:
        raise BadValue("the first number must be the lower")
    return lo, hi


def _physical(t: Table) -> tuple[float, float]:
    """`physical`, else `limits`, else unbounded (input files are checked against it)."""
    for key in ("physical", "limits"):
        if key in t:
            return t.check(key, _ordered_pair)
    return -math.inf, math.inf


_UNBOUNDED = (-math.inf, math.inf)


def _numeric(cid: str, t: Table) -> NumericChannel:
    n = t.child("noise")
    noise = NoiseSpec(
        sd=n.number("sd", 0.0), tau=n.number("tau", 30.0),
        mode=n.choice("mode", ("additive", "headroom", "proportional"), "additive"),
        ceiling=n.number("ceiling", 100.0), group=n.text("group", None),
        share=n.number("share", 0.0))
    n.done()
    channel = NumericChannel(
        id=cid, label=t.text("label"), unit=t.text("unit"), precision=t.get("precision", int),
        normal=t.check("normal", _pair), colour=t.text("colour"), code=t.text("code", ""),
        group=t.text("group", ""), interpolation=t.text("interpolation", "smooth"),
        noise=noise, limits=t.check("limits", _pair, _UNBOUNDED), derived=t.text("derived", None),
        trend=t.check("trend", _pair, None), physical=_physical(t),
        model=t.choice("source", ("model",), "") == "model",
        default=t.optional_number("default"))
    t.done()
    if channel.default is not None and not (
            channel.keyframed and channel.physical[0] <= channel.default <= channel.physical[1]):
        raise t.fail("default", "a default is for an input channel, within its physical range")
    return channel


def _result(rid: str, t: Table, numerics: dict[str, NumericChannel]) -> ResultTest:
    n = t.child("noise")
    result = ResultTest(
        id=rid, label=t.text("label"), unit=t.text("unit"), precision=t.get("precision", int),
        normal=t.check("normal", _pair), code=t.text("code", ""), panel=t.text("panel"),
        scatter_sd=n.number("sd", 0.0), limits=t.check("limits", _pair, _UNBOUNDED),
        physical=_physical(t), channel=t.text("channel", None),
        target=tuple(t.texts("target", [])))
    n.done()
    t.done()
    if result.channel is not None and result.channel not in numerics:
        raise t.fail("channel", f"unknown channel {result.channel!r}")
    return result


def _waveform(wid: str, t: Table) -> WaveformSignal:
    signal = WaveformSignal(
        id=wid, label=t.text("label"), unit=t.text("unit"), rate=t.number("rate", positive=True),
        colour=t.text("colour"), code=t.text("code", ""),
        sweep_mm_s=t.number("sweep_mm_s", positive=True), range=t.check("range", _pair))
    t.done()
    return signal


def parse_catalogue(doc: dict | TomlDocument, source: str = CATALOGUE_FILE) -> Catalogue:
    """The catalogue from a parsed channels file; a problem names file, line and key."""
    if not isinstance(doc, TomlDocument):
        doc = TomlDocument(doc, source)
    root = doc.root()
    root.check_keys({"numeric", "result", "waveform", "flag"})
    numerics = {cid: _numeric(cid, t) for cid, t in root.child("numeric").tables().items()}
    results = {rid: _result(rid, t, numerics)
               for rid, t in root.child("result").tables().items()}
    waveforms = {wid: _waveform(wid, t) for wid, t in root.child("waveform").tables().items()}
    flags = {}
    for fid, t in root.child("flag").tables().items():
        flags[fid] = t.text("label", fid)
        t.done()
    return Catalogue(numerics, results, waveforms, flags)


@cache
def load_catalogue() -> Catalogue:
    """The built-in catalogue (resources/catalogue/channels.toml)."""
    return parse_catalogue(read_toml_resource("resources.catalogue", CATALOGUE_FILE,
                                              "catalogue"))
