"""The room's displays as the instructor's network bridge sees them (network mode).

Kept apart from the session itself: who is connected changes nothing in the case, it is
what the console's display list and the debrief's "link lost" rows show. The bridge
reports presence; this turns it into DisplayChanged events only when something changed,
so a repeated presence message is not a new "joined".
"""

from __future__ import annotations

from dataclasses import dataclass

from .events import DisplayChanged


@dataclass
class DisplayStatus:
    """One display of the room: connected since (wall time of its first join), online
    now, when that last changed, and how often its link was lost."""
    name: str
    online: bool
    since: float
    changed: float
    lost: int = 0


class RoomDisplays(dict[str, DisplayStatus]):
    """The displays by name (a dict, as the console reads it), updated from presence."""

    def presence(self, name: str, online: bool, wall: float, case_t: float
                 ) -> DisplayChanged | None:
        """Display `name` came online or went at wall time `wall`: the event to publish
        ("joined" the first time, then "lost" and "back"), None when nothing changed."""
        d = self.get(name)
        if d is not None and d.online == online:
            return None
        if d is None:
            if not online:
                return None  # a display never seen online has nothing to lose
            d = self[name] = DisplayStatus(name, True, since=wall, changed=wall)
            status = "joined"
        else:
            d.online, d.changed = online, wall
            d.lost += 0 if online else 1
            status = "back" if online else "lost"
        return DisplayChanged(name, status, wall, case_t)
