"""Disturbances layered on the scenario: injections (from the scenario's catalogue of
circuit and patient events) and instructor overrides (a channel towards a value).

A perturbation is plain data with a start and a duration, so the value of any channel
stays a pure function of (scenario, perturbations, seed, t) and a session can be
replayed exactly from its list of perturbations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

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

    @property
    def end(self) -> float:
        return math.inf if self.duration is None else self.start + self.duration

    @property
    def recovery(self) -> float:
        """Longest time any effect takes to wear off after the end."""
        return max([self.offset, *(e.offset for e in self.effects if e.offset is not None)])

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
              variant: str | None = None) -> Perturbation:
    """One of the scenario's injections from `start`. `injection_id` may name a variant
    ("pump_stop:clamped"). Graded injections take a severity (0, 1] whose physical meaning
    the scenario states; all-or-nothing ones take a variant instead."""
    iid, named = split_injection_name(injection_id)
    spec: InjectionSpec | None = scenario.injections.get(iid)
    if spec is None:
        known = ", ".join(scenario.injections) or "none"
        raise ReplayDataError(f"unknown injection {iid!r} (known: {known})")
    chosen = variant or named
    effects, flags, onset = spec.effects, spec.flags, spec.onset
    if spec.variants:
        chosen = chosen or spec.default_variant
        v = spec.variants.get(chosen)
        if v is None:
            raise ReplayDataError(f"injection {iid!r}: unknown variant {chosen!r} "
                                  f"(variants: {', '.join(spec.variants)})")
        effects, flags = effects + v.effects, flags + v.flags
        onset = spec.onset if v.onset is None else v.onset
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
    if dur < 0:
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
    # Stopped before fully on: fall from where the rise got to, not from 1.
    return np.minimum(rise, fall) * (t >= p.start)


def apply(channel: str, t: np.ndarray, base: np.ndarray, perturbations: tuple[Perturbation, ...],
          measured: bool) -> np.ndarray:
    """Layer every perturbation's effects on `channel` over its base values."""
    v = base
    # Skip perturbations wholly outside the times asked for; t need not be sorted.
    t_first, t_last = (float(t.min()), float(t.max())) if t.size else (math.inf, -math.inf)
    for p in perturbations:
        for eff in p.effects:
            if eff.channel != channel:
                continue
            if t_last < p.start or t_first >= p.end + p.recovery + 1e-9:
                continue
            e = envelope(p, t, eff.onset, eff.offset) * p.severity
            if eff.off:
                if measured:
                    v = np.where(e > 0, np.nan, v)
                continue
            if eff.set is not None:
                v = v + e * (eff.set - v)
            elif eff.add is not None:
                v = v + e * eff.add
            if eff.oscillate:
                v = v + e * eff.oscillate * np.sin(2 * np.pi * (t - p.start) / eff.period)
    return v


def active_flags(t: np.ndarray, perturbations: tuple[Perturbation, ...]) -> dict[str, np.ndarray]:
    """Flags (sensor off, air detected) raised while an injection is more than half on."""
    out: dict[str, np.ndarray] = {}
    for p in perturbations:
        if not p.flags:
            continue
        on = envelope(p, t) >= 0.5 if p.onset > 0 else (t >= p.start) & (t < p.end)
        for f in p.flags:
            out[f] = out.get(f, np.zeros(t.shape, bool)) | on
    return out
