"""The monitor's alarm presentation: the alarm bar, the flashing tiles and ECMO values in
their alarm's priority colour, the burst that sounds, and the limits beside each tile.

What to show comes from the controller's alarm engine (active alarms, inactivation
status, the audible one); the flashing follows the wall time handed in (2 Hz for high,
as the profile says), never the case time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashboard.alarms import AlarmSignal
from dashboard.core.session_controller import SessionController
from dashboard.core.throttle import Throttle

from .alarm_audio import AlarmAudio
from .alarm_bar import PRIORITY_COLOURS, AlarmBar, flash_on, next_flash_edge
from .ecmo_panel import EcmoPanel
from .tiles import NumericTile

if TYPE_CHECKING:  # made on first use (MonitorWindow.trends): pyqtgraph is imported then
    from .trend_view import TrendView

# The alarm state is shown again at the next flash edge, and at least this often (an
# audio pause ending, a note); while a countdown runs, at this rate (it shows seconds
# of case time, which at 60x pass 60 times a wall second).
ALARM_REFRESH_MAX_S = 0.5
ALARM_COUNTDOWN_S = 0.05

class MonitorAlarms:
    """Mixed into MonitorWindow: shows the alarm state on its bar, tiles and ECMO panel,
    and plays it on its audio."""

    controller: SessionController
    system_notes: list[str]
    audio: AlarmAudio
    alarm_bar: AlarmBar
    ecmo: EcmoPanel | None  # None: the patient has no circuit
    tiles: dict[str, NumericTile]
    trends: TrendView
    _trends: TrendView | None  # the trend review if made yet (MainWindow.trends)
    _alarm_throttle: Throttle  # last shown at _alarm_throttle.last_wall
    _alarm_next_wall: float  # shown again from this wall time on

    def show_system_problem(self, message: str) -> None:
        """A technical problem of the simulator itself (e.g. the alarm log cannot be
        written): shown on the alarm bar for as long as the session runs."""
        self.system_notes.append(message)
        self._show_alarms(self.controller.clock.wall_time())

    def _show_limits(self) -> None:
        alarms = self.controller.alarms
        for cid, tile in self.tiles.items():
            if cid in alarms.profile.parameters:
                low, high = alarms.limits(cid)
                precision = self.controller.course.catalogue.numerics[cid].precision
                tile.show_limits(low, high, precision)
        if self._trends is not None:  # made later with the limits of then
            self._trends.refresh_limits()

    def _show_alarms(self, wall: float) -> None:
        self._alarm_throttle.mark(wall)
        alarms = self.controller.alarms
        active = alarms.active_alarms()
        profile = alarms.profile
        note = " · ".join([*self.system_notes, self.audio.note] if self.system_notes
                          else [self.audio.note])
        self.alarm_bar.show_state(active, alarms.status(), wall, note, profile)
        # The offending tile flashes in the colour of its highest-priority alarm.
        by_channel: dict[str, AlarmSignal] = {}
        for a in active:
            if a.channel and a.channel not in by_channel:
                by_channel[a.channel] = a
        colours: dict[str, str | None] = {}
        for cid, a in by_channel.items():
            lit = a.state.value != "acknowledged" and flash_on(a.priority, wall, profile)
            colours[cid] = PRIORITY_COLOURS[a.priority] if lit else None
        if self.ecmo is not None:
            self.ecmo.set_alarms(colours)
        for tile in self.tiles.values():
            alarm = next((by_channel[c.id] for c in tile.channels if c.id in by_channel), None)
            if alarm is None or alarm.state.value == "acknowledged":
                tile.set_alarm(None)
            else:
                lit = flash_on(alarm.priority, wall, profile)
                tile.set_alarm(PRIORITY_COLOURS[alarm.priority] if lit else None)
        self.audio.play(alarms.audible_alarm())
        status = alarms.status()
        if status.audio_paused_remaining_s is not None \
                or status.alarm_paused_remaining_s is not None:
            self._alarm_next_wall = wall + ALARM_COUNTDOWN_S
        else:
            flashing = {a.priority for a in active if a.state.value != "acknowledged"}
            self._alarm_next_wall = min(wall + ALARM_REFRESH_MAX_S,
                                        next_flash_edge(flashing, wall, profile))

    def _alarms_due(self, wall: float) -> bool:
        """Whether the alarm state may look different at `wall` (a flash edge, a
        countdown, the clock reset to an earlier wall time)."""
        return wall >= self._alarm_next_wall or wall < self._alarm_throttle.last_wall
