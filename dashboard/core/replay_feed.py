"""ReplayFeed: a recorded session's actions, handed to the controller's dispatch when the
replay clock reaches their case times."""

from __future__ import annotations

from collections.abc import Iterable

from .actions import PAUSE, PLAY, SPEED, Action, ActionError


class ReplayFeed:
    """Recorded actions in file order, handed to the dispatch when their case time comes.

    Pauses only held the wall clock and play only released it: they are not replayed.
    Recorded speed changes are followed until the viewer chooses a speed of their own
    (`follow_speed` False), so a replay at a chosen speed stays at that speed."""

    def __init__(self, actions: Iterable[Action], *, follow_speed: bool = True) -> None:
        self.actions = [a for a in actions if a.kind not in (PLAY, PAUSE)]
        for a in self.actions:
            if a.case_t is None:
                raise ActionError(f"{a.origin or 'recorded action'}: no case time")
        self.index = 0
        self.follow_speed = follow_speed

    def due(self, t: float) -> Action | None:
        """The next action if its case time is <= t (taken off the feed), else None."""
        while self.index < len(self.actions):
            a = self.actions[self.index]
            if a.case_t > t:
                return None
            self.index += 1
            if a.kind == SPEED and not self.follow_speed:
                continue
            return a
        return None

    def skip_to(self, t: float) -> None:
        """The viewer jumped to t: recorded actions before t (up to the first one at or
        after it) are passed over, not applied late. A jump back replays nothing twice."""
        while self.index < len(self.actions) and self.actions[self.index].case_t < t:
            self.index += 1

    @property
    def done(self) -> bool:
        return self.index >= len(self.actions)
