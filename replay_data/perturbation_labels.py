"""What a perturbation is called on screen and in the debrief: 'Pump stop (clamped)',
'SpO2 -> 85 % (override)', 'Pump speed 3700 rpm'. One wording for the instructor's
console, the replay viewer's markers and the debrief's rows, beside the perturbations so
that every layer above can use it."""

from __future__ import annotations

import math

from replay_data.controls import CONTROLS
from replay_data.course import Course
from replay_data.perturbations import Perturbation


def control_setting(p: Perturbation) -> float:
    """The value a control perturbation sets its channel to (NaN if it sets none)."""
    return next((float(e.set) for e in p.effects if e.channel == p.name), math.nan)


def control_label(p: Perturbation) -> str:
    """'Pump speed 3700 rpm', 'Drainage clamp on' for a team's control perturbation."""
    spec = CONTROLS.get(p.name)
    v = control_setting(p)
    if spec is None:
        return f"{p.name} {v:g}"
    if spec.id == "control.vent.mode":
        return f"Vent mode {'AC' if v >= 0.5 else 'PC'}"
    if spec.high == 1 and spec.step == 1:
        return f"{spec.label} {'on' if v >= 0.5 else 'off'}"
    if spec.id == "control.ecmo.hand_crank" and v == 0:
        return "Hand crank off"
    return f"{spec.label} {v:g} {spec.unit}".rstrip()


def value_text(course: Course, channel: str | None, value: float | None) -> str:
    """A channel's value as its numeric shows it, with the unit ('' for no value)."""
    if value is None or not math.isfinite(value):
        return ""
    ch = course.catalogue.numerics.get(channel) if channel else None
    if ch is None:
        return f"{value:g}"
    return f"{ch.format(value)} {ch.unit}"


def perturbation_label(course: Course, p: Perturbation) -> str:
    if p.kind == "control":
        return control_label(p)
    if p.kind == "injection":
        spec = course.scenario.injections.get(p.name)
        if spec is None:
            return p.name
        variant = spec.variants.get(p.variant)
        return f"{spec.label} ({variant.label})" if variant is not None else spec.label
    ch = course.catalogue.numerics.get(p.name)
    target = next((e.set for e in p.effects if e.set is not None), None)
    label = ch.label if ch is not None else p.name
    return f"{label} \u2192 {value_text(course, p.name, target) or target} (override)"
