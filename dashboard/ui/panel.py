"""What every panel of the monitor window answers to: `refresh(frame)`.

A panel (a numeric tile, the banner, the ECMO panel, the ventilator strip, the results, a
strip's status line) draws itself from one Frame -- the monitor's latest sample, the
course, the case time and the wall time of the frame -- so the window loops over its
panels instead of feeding each with its own arguments. A new panel is a class with a
`refresh` and one line where the window places it. Qt-free on purpose: the contract, not
the widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from replay_data.course import Course, Result, Sample


@dataclass
class Frame:
    """One numeric refresh of the monitor: what every panel may draw from."""

    sample: Sample
    course: Course
    t: float  # case time (s)
    wall: float  # the replay clock's wall time of this frame
    _results: dict[str, Result] | None = field(default=None, repr=False)

    @property
    def values(self) -> dict[str, float]:
        return self.sample.values

    @property
    def flags(self) -> frozenset[str]:
        return self.sample.flags

    @property
    def latest_results(self) -> dict[str, Result]:
        """The latest result of each lab test by t (looked up once for all panels)."""
        if self._results is None:
            self._results = self.course.latest_results(self.t)
        return self._results


class Panel(Protocol):
    def refresh(self, frame: Frame) -> None:
        """Draw what this panel shows at `frame` (only what changed, where that is cheap)."""
