"""Disturbances layered on the scenario: injections (from the scenario's catalogue of
circuit and patient events) and instructor overrides (a channel towards a value).

A perturbation is plain data with a start and a duration, so the value of any channel
stays a pure function of (scenario, perturbations, seed, t) and a session can be
replayed exactly from its list of perturbations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from .errors import ReplayDataError
from .scenario import Effect, InjectionSpec, Scenario


@dataclass(frozen=True)
class Perturbation:
    id: str
    kind: str  # "injection" | "override"
    name: str  # injection id, or the overridden channel
    start: float
    duration: float | None  # None: until stopped
    severity: float
    onset: float
    offset: float
    flags: tuple[str, ...]
    effects: tuple[Effect, ...]
    variant: str = ""  # the named form of an all-or-nothing injection ("" otherwise)

    def __hash__(self) -> int:
        # Computed once: waveform caches key on the perturbations acting on a stretch of
        # time, and with thousands of them hashing every field each time was the cost.
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", h)
        return h

    def __getstate__(self) -> dict:
        # str hashes differ between processes: a copy computes its own.
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    @property
    def end(self) -> float:
        return math.inf if self.duration is None else self.start + self.duration

    @property
    def recovery(self) -> float:
        """Longest time any effect takes to wear off after the end. Computed once, like
        the hash: the index asks it for each effect, which with 10,000 effects was 10**8
        steps."""
        r = self.__dict__.get("_recovery")
        if r is None:
            r = max([self.offset, *(e.offset for e in self.effects if e.offset is not None)])
            object.__setattr__(self, "_recovery", r)
        return r

    def stopped_at(self, t: float) -> Perturbation:
        """The same perturbation ended at case time t (ramping off from there); stopping
        one that has already run its course changes nothing."""
        cut = max(0.0, t - self.start)
        return replace(self, duration=cut if self.duration is None else min(self.duration, cut))

    def active_at(self, t: float) -> bool:
        return self.start <= t < self.end + self.recovery


def split_injection_name(name: str) -> tuple[str, str]:
    """'pump_stop:clamped' -> ('pump_stop', 'clamped'); 'pump_stop' -> ('pump_stop', '')."""
    iid, _, variant = name.partition(":")
    return iid, variant


def injection(scenario: Scenario, injection_id: str, start: float, *, severity: float | None = None,
              duration: float | None = None, pid: str | None = None,
              variant: str | None = None, until_stopped: bool = False) -> Perturbation:
    """One of the scenario's injections from `start`. `injection_id` may name a variant
    ("pump_stop:clamped"). Graded injections take a severity (0, 1] whose physical meaning
    the scenario states; all-or-nothing ones take a variant instead. Without a duration
    the injection's default (None for an emergency: until stopped); `until_stopped`
    (a schedule saying so, whatever the default) makes it last until stopped."""
    iid, named = split_injection_name(injection_id)
    spec: InjectionSpec | None = scenario.injections.get(iid)
    if spec is None:
        known = ", ".join(scenario.injections) or "none"
        raise ReplayDataError(f"unknown injection {iid!r} (known: {known})")
    chosen = variant or named
    effects, flags, onset = spec.effects, spec.flags, spec.onset
    if spec.variants:
        chosen = chosen or spec.default_variant
        v = spec.variants.get(chosen) or next(
            (w for w in spec.variants.values() if chosen in w.formerly), None)
        if v is None:
            raise ReplayDataError(f"injection {iid!r}: unknown variant {chosen!r} "
                                  f"(variants: {', '.join(spec.variants)})")
        effects, flags = effects + v.effects, flags + v.flags
        onset = spec.onset if v.onset is None else v.onset
        chosen = v.id  # an earlier name is recorded as the variant's own
    elif chosen:
        raise ReplayDataError(f"injection {iid!r} has no variants (asked for {chosen!r})")
    if not spec.graded:
        if severity is not None and float(severity) != 1.0:
            raise ReplayDataError(
                f"injection {iid!r} is all or nothing: choose a variant"
                + (f" ({', '.join(spec.variants)})" if spec.variants else "")
                + ", not a severity")
        sev = 1.0
    else:
        sev = spec.default_severity if severity is None else float(severity)
    if not 0 < sev <= 1:
        raise ReplayDataError(f"injection {iid!r}: severity {sev} must be in (0, 1]")
    dur = spec.default_duration if duration is None else float(duration)
    if until_stopped:
        dur = None
    if dur is not None and dur < 0:
        raise ReplayDataError(f"injection {iid!r}: duration must not be negative")
    return Perturbation(pid or f"{iid}@{start:.0f}", "injection", iid,
                        float(start), dur, sev, onset, spec.offset, flags, effects,
                        chosen if spec.variants else "")


def override(channel: str, target: float, start: float, transition: float,
             duration: float | None = None, pid: str | None = None) -> Perturbation:
    """Drive a channel towards `target` over `transition` seconds (and back after)."""
    if transition < 0:
        raise ReplayDataError("override transition must not be negative")
    if not math.isfinite(target):
        raise ReplayDataError(f"override target for {channel!r} must be a number")
    effect = Effect(channel=channel, set=float(target))
    return Perturbation(pid or f"override:{channel}@{start:.0f}", "override", channel,
                        float(start), duration, 1.0, float(transition), float(transition), (),
                        (effect,))


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def envelope(p: Perturbation, t: np.ndarray, onset: float | None = None,
             offset: float | None = None) -> np.ndarray:
    """0 before start, ramps to 1 over onset, holds, ramps back to 0 over offset (each
    effect may have its own onset and offset)."""
    on = p.onset if onset is None else onset
    off = p.offset if offset is None else offset
    rise = _smoothstep((t - p.start) / on) if on > 0 else (t >= p.start).astype(float)
    if p.duration is None:
        return rise
    end = p.start + p.duration
    fall = 1.0 - (_smoothstep((t - end) / off) if off > 0 else (t >= end).astype(float))
    # Stopped before fully on: fall from where the rise got to, not from 1, and rise no
    # further (a bleed stopped early keeps what it took, however slow its recovery).
    reached = float(_smoothstep(np.array(p.duration / on))) if on > 0 else 1.0
    return np.where(t < end, rise, reached * fall) * (t >= p.start)


def _layer(v: np.ndarray, p: Perturbation, eff: Effect, t: np.ndarray,
           measured: bool) -> np.ndarray:
    """One effect of one perturbation layered on values v at times t (same shape)."""
    e = envelope(p, t, eff.onset, eff.offset) * p.severity
    if eff.off:
        return np.where(e > 0, np.nan, v) if measured else v
    if eff.set is not None:
        v = v + e * (eff.set - v)
    elif eff.add is not None:
        v = v + e * eff.add
    if eff.oscillate:
        v = v + e * eff.oscillate * np.sin(2 * np.pi * (t - p.start) / eff.period)
    return v


def _span_end(p: Perturbation) -> float:
    """Where a perturbation has worn off: from here on its envelope is exactly 0 (the
    margin covers rounding in start + duration + offset)."""
    return p.end + p.recovery + 1e-9


def apply_each(channel: str, t: np.ndarray, base: np.ndarray,
               perturbations: tuple[Perturbation, ...], measured: bool) -> np.ndarray:
    """Layer every perturbation's effects on `channel` over its base values, the
    straightforward way: each one over all of t. The reference PerturbationIndex.apply
    must match value for value (tests compare them)."""
    v = base
    # Skip perturbations wholly outside the times asked for; t need not be sorted.
    t_first, t_last = (float(t.min()), float(t.max())) if t.size else (math.inf, -math.inf)
    for p in perturbations:
        for eff in p.effects:
            if eff.channel != channel:
                continue
            if t_last < p.start or t_first >= _span_end(p):
                continue
            v = _layer(v, p, eff, t, measured)
    return v


def active_flags_each(t: np.ndarray, perturbations: tuple[Perturbation, ...]
                      ) -> dict[str, np.ndarray]:
    """Flags (sensor off, air detected) raised while an injection is more than half on;
    the straightforward way, the reference for PerturbationIndex.flags."""
    out: dict[str, np.ndarray] = {}
    for p in perturbations:
        if not p.flags:
            continue
        on = _flag_on(p, t)
        for f in p.flags:
            out[f] = out.get(f, np.zeros(t.shape, bool)) | on
    return out


def _flag_on(p: Perturbation, t: np.ndarray) -> np.ndarray:
    return envelope(p, t) >= 0.5 if p.onset > 0 else (t >= p.start) & (t < p.end)


@dataclass(frozen=True)
class _Layers:
    """The (perturbation, effect) pairs acting on one channel, in layering order, with
    where each starts and wears off as arrays (searched, not looped over)."""
    pairs: tuple[tuple[Perturbation, Effect], ...]
    starts: np.ndarray
    ends: np.ndarray  # end + recovery
    stops: np.ndarray  # _span_end: the envelope is 0 from here on

    @classmethod
    def of(cls, pairs: list[tuple[Perturbation, Effect]]) -> _Layers:
        return cls(tuple(pairs), np.array([p.start for p, _ in pairs], dtype=np.float64),
                   np.array([p.end + p.recovery for p, _ in pairs], dtype=np.float64),
                   np.array([_span_end(p) for p, _ in pairs], dtype=np.float64))


class PerturbationIndex:
    """A course's perturbations arranged for evaluation.

    Thousands of overlapping disturbances (5,000 start-up injections) made every value
    cost a Python loop over all of them. Here each channel has its (perturbation, effect)
    pairs in layering order with their spans as arrays: a call finds the ones active
    within its times with one vectorised comparison, and (on sorted times, the usual
    grid) layers each only over the samples inside its span. Outside its span an
    effect's envelope is exactly 0, so skipping it there changes no value: the result
    equals `apply_each` (tests compare them on random perturbation sets).
    """

    def __init__(self, perturbations: tuple[Perturbation, ...]) -> None:
        self.perturbations = tuple(perturbations)
        by_channel: dict[str, list[tuple[Perturbation, Effect]]] = {}
        for p in self.perturbations:
            for eff in p.effects:
                by_channel.setdefault(eff.channel, []).append((p, eff))
        self._layers = {c: _Layers.of(pairs) for c, pairs in by_channel.items()}
        flagged = [p for p in self.perturbations if p.flags]
        self._flagged = _Layers.of([(p, Effect(channel="")) for p in flagged])
        # Flag names in the order apply_each's dict has them.
        self._flag_names = tuple(dict.fromkeys(f for p in flagged for f in p.flags))
        self.controls = tuple(p for p in self.perturbations if p.kind == "control")
        order = sorted(range(len(self.perturbations)),
                       key=lambda i: self.perturbations[i].start)
        self._by_start = tuple(self.perturbations[i] for i in order)
        self._starts = np.array([p.start for p in self._by_start], dtype=np.float64)

    def started_by(self, hi: float) -> tuple[Perturbation, ...]:
        """Every perturbation that starts by `hi`, in order of start: what may have
        changed the patient's state at hi through the physiology (a hypoxic heart stays
        slow, or arrested, long after the disturbance that caused it)."""
        return self._by_start[:int(np.searchsorted(self._starts, hi, side="right"))]

    def _active(self, layers: _Layers, t_first: float, t_last: float) -> np.ndarray:
        return np.flatnonzero((layers.starts <= t_last) & (layers.stops > t_first))

    def apply(self, channel: str, t: np.ndarray, base: np.ndarray,
              measured: bool) -> np.ndarray:
        """`apply_each(channel, t, base, perturbations, measured)`, touching only the
        perturbations (and samples) where they act."""
        layers = self._layers.get(channel)
        if layers is None or t.size == 0:
            return base
        if t.ndim != 1:
            return apply_each(channel, t, base, self.perturbations, measured)
        t_first, t_last = float(t.min()), float(t.max())
        active = self._active(layers, t_first, t_last)
        if active.size == 0:
            return base
        v = np.array(base, dtype=np.float64)  # a copy: layered in place, slice by slice
        if v.shape != t.shape:
            return apply_each(channel, t, base, self.perturbations, measured)
        ordered = t.size < 2 or bool(np.all(t[:-1] <= t[1:]))
        if ordered:
            lo = np.searchsorted(t, layers.starts[active], side="left")
            hi = np.searchsorted(t, layers.stops[active], side="left")
        for k, i in enumerate(active):
            p, eff = layers.pairs[i]
            if ordered:
                part: slice | np.ndarray = slice(int(lo[k]), int(hi[k]))
            else:
                part = np.flatnonzero((t >= p.start) & (t < layers.stops[i]))
            v[part] = _layer(v[part], p, eff, t[part], measured)
        return v

    def flags(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """`active_flags_each(t, perturbations)`, touching only the injections active."""
        out = {f: np.zeros(t.shape, bool) for f in self._flag_names}
        if not self._flag_names or t.size == 0:
            return out
        layers = self._flagged
        for i in self._active(layers, float(t.min()), float(t.max())):
            p = layers.pairs[i][0]
            on = _flag_on(p, t)
            for f in p.flags:
                out[f] |= on
        return out

    def touching(self, channel: str, lo: float, hi: float, *,
                 off: bool = True) -> tuple[Perturbation, ...]:
        """Perturbations with an effect on `channel` (switching it off too, unless
        off=False) that start by `hi` and have not worn off before `lo`, in order."""
        layers = self._layers.get(channel)
        if layers is None:
            return ()
        found = np.flatnonzero((layers.starts <= hi) & (layers.ends >= lo))
        out: dict[int, Perturbation] = {}
        for i in found:
            p, eff = layers.pairs[i]
            if off or not eff.off:
                out.setdefault(id(p), p)
        return tuple(out.values())

    def controls_of(self, channel: str) -> list[tuple[Perturbation, Effect]]:
        """The team's settings of one control (control perturbations), in order."""
        layers = self._layers.get(channel)
        if layers is None:
            return []
        return [(p, e) for p, e in layers.pairs if p.kind == "control"]

    def with_flag(self, flag: str) -> list[Perturbation]:
        return [p for p, _ in self._flagged.pairs if flag in p.flags]
