"""What a monitor window is for: the demo, the trainees' bedside, or the instructor's copy."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a window is for. DEMO: one window with the replay controls (a laptop demo).
    MONITOR: the trainees' bedside monitor -- numerics, waveforms, trends, alarm keys and
    limits, nothing that runs the case. MIRROR: the instructor's live copy of the
    bedside screen (read-only, silent)."""
    DEMO = "demo"
    MONITOR = "monitor"
    MIRROR = "mirror"
