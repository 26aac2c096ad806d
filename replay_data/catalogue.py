"""The channel catalogue: what each numeric, timed result and waveform is (id, label, unit,
precision, normal range, colour, standard code). Loaded from resources, never hard-coded."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from .errors import ScenarioError

CATALOGUE_FILE = "channels.toml"


@dataclass(frozen=True)
class NoiseSpec:
    sd: float = 0.0
    tau: float = 30.0
    mode: str = "additive"  # or "headroom": noise scales with distance below `ceiling`
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
    def displayed_numerics(self) -> list[str]:
        """Channels shown to the user (hidden target and console-setting channels excluded)."""
        return [c for c, ch in self.numerics.items() if ch.group not in ("targets", "controls")]


def _pair(where: str, raw: object) -> tuple[float, float]:
    numbers = isinstance(raw, list) and all(isinstance(x, int | float) for x in raw)
    if not (numbers and len(raw) == 2):
        raise ScenarioError(where, "must be a list of two numbers")
    return float(raw[0]), float(raw[1])


def _physical(where: str, raw: dict) -> tuple[float, float]:
    """`physical`, else `limits`, else unbounded."""
    for key in ("physical", "limits"):
        if key in raw:
            lo, hi = _pair(f"{where}.{key}", raw[key])
            if not lo < hi:
                raise ScenarioError(f"{where}.{key}", "the first number must be the lower")
            return lo, hi
    return -math.inf, math.inf


def _parse(doc: dict, source: str) -> Catalogue:
    numerics: dict[str, NumericChannel] = {}
    for cid, raw in doc.get("numeric", {}).items():
        where = f"{source}: numeric.{cid}"
        try:
            n = raw.get("noise", {})
            numerics[cid] = NumericChannel(
                id=cid,
                label=str(raw["label"]),
                unit=str(raw["unit"]),
                precision=int(raw["precision"]),
                normal=_pair(f"{where}.normal", raw["normal"]),
                colour=str(raw["colour"]),
                code=str(raw.get("code", "")),
                group=str(raw.get("group", "")),
                interpolation=str(raw.get("interpolation", "smooth")),
                noise=NoiseSpec(
                    sd=float(n.get("sd", 0.0)),
                    tau=float(n.get("tau", 30.0)),
                    mode=str(n.get("mode", "additive")),
                    ceiling=float(n.get("ceiling", 100.0)),
                    group=n.get("group"),
                    share=float(n.get("share", 0.0)),
                ),
                limits=_pair(f"{where}.limits", raw["limits"]) if "limits" in raw else (
                    -math.inf, math.inf),
                derived=raw.get("derived"),
                trend=_pair(f"{where}.trend", raw["trend"]) if "trend" in raw else None,
                physical=_physical(where, raw),
                model=raw.get("source") == "model",
            )
        except KeyError as exc:
            raise ScenarioError(where, f"missing key {exc.args[0]!r}") from None
    results: dict[str, ResultTest] = {}
    for rid, raw in doc.get("result", {}).items():
        where = f"{source}: result.{rid}"
        try:
            results[rid] = ResultTest(
                id=rid,
                label=str(raw["label"]),
                unit=str(raw["unit"]),
                precision=int(raw["precision"]),
                normal=_pair(f"{where}.normal", raw["normal"]),
                code=str(raw.get("code", "")),
                panel=str(raw["panel"]),
                scatter_sd=float(raw.get("noise", {}).get("sd", 0.0)),
                limits=_pair(f"{where}.limits", raw["limits"]) if "limits" in raw else (
                    -math.inf, math.inf),
                physical=_physical(where, raw),
                channel=raw.get("channel"),
                target=tuple(raw.get("target", ())),
            )
        except KeyError as exc:
            raise ScenarioError(where, f"missing key {exc.args[0]!r}") from None
        if results[rid].channel is not None and results[rid].channel not in numerics:
            raise ScenarioError(f"{where}.channel", f"unknown channel {results[rid].channel!r}")
    waveforms: dict[str, WaveformSignal] = {}
    for wid, raw in doc.get("waveform", {}).items():
        where = f"{source}: waveform.{wid}"
        try:
            waveforms[wid] = WaveformSignal(
                id=wid,
                label=str(raw["label"]),
                unit=str(raw["unit"]),
                rate=float(raw["rate"]),
                colour=str(raw["colour"]),
                code=str(raw.get("code", "")),
                sweep_mm_s=float(raw["sweep_mm_s"]),
                range=_pair(f"{where}.range", raw["range"]),
            )
        except KeyError as exc:
            raise ScenarioError(where, f"missing key {exc.args[0]!r}") from None
    flags = {fid: str(raw.get("label", fid)) for fid, raw in doc.get("flag", {}).items()}
    return Catalogue(numerics, results, waveforms, flags)


@cache
def load_catalogue() -> Catalogue:
    """The built-in catalogue (resources/catalogue/channels.toml)."""
    ref = resources.files("resources.catalogue").joinpath(CATALOGUE_FILE)
    with ref.open("rb") as fh:
        doc = tomllib.load(fh)
    return _parse(doc, CATALOGUE_FILE)
