"""What the monitor's keys and buttons do: each becomes an Action for the controller.

The clock and the case are the instructor's (a demo window is the instructor's too);
the alarm keys and limits are the trainees'. The window holds no session logic: it asks
the controller (SessionController.request), which applies or refuses and says so in its
events.
"""

from __future__ import annotations

from dashboard.core.actions import (
    ACKNOWLEDGE,
    ALARM_PAUSE,
    AUDIO_OFF,
    AUDIO_PAUSE,
    INSTRUCTOR,
    INSTRUCTOR_ONLY,
    PAUSE,
    PLAY,
    SEEK,
    SPEED,
    TRAINEE,
    Action,
    Actor,
)
from dashboard.core.clock import SPEEDS
from dashboard.core.session_controller import ActionRefused, SessionController, SessionEvent

from .limits_dialog import LimitsDialog
from .monitor_role import Role


class MonitorCommands:
    """Mixed into MonitorWindow (a QWidget with `controller`, `role`, `display` and
    `limits_dialog`): the commands its keys and buttons call."""

    controller: SessionController
    role: Role
    display: str
    limits_dialog: LimitsDialog | None

    def request(self, kind: str, **args: object) -> Action | None:
        """Turn user input into an action for the controller: the clock and the case are
        the instructor's (a demo window is the instructor's too), alarm keys are the
        trainees'."""
        role = INSTRUCTOR if kind in INSTRUCTOR_ONLY else TRAINEE
        return self.controller.request(Action.make(kind, args, Actor(role, self.display)))

    def toggle_play(self) -> None:
        self.request(PAUSE if self.controller.clock.playing else PLAY)

    def set_speed(self, speed: float) -> None:
        self.request(SPEED, value=float(speed))

    def faster(self) -> None:
        bigger = [s for s in SPEEDS if s > self.controller.clock.speed]
        if bigger:
            self.set_speed(bigger[0])

    def slower(self) -> None:
        smaller = [s for s in SPEEDS if s < self.controller.clock.speed]
        if smaller:
            self.set_speed(smaller[-1])

    def seek(self, t: float) -> None:
        self.request(SEEK, target=float(t))

    def step(self, seconds: float) -> None:
        self.seek(self.controller.case_time() + seconds)

    # alarm keys

    def acknowledge(self) -> None:
        self.request(ACKNOWLEDGE, alarm_id=None)

    def audio_pause(self) -> None:
        self.request(AUDIO_PAUSE, on=True)

    def alarm_pause(self) -> None:
        self.request(ALARM_PAUSE, on=True)

    def audio_off(self, on: bool) -> None:
        self.request(AUDIO_OFF, on=bool(on))

    def open_limits(self, parameter: str | None = None) -> LimitsDialog | None:
        """The limits dialog for one parameter (non-modal, so the monitor keeps running);
        what it applies goes to the controller as alarm_off and limits actions."""
        if self.role is Role.MIRROR:
            return None
        c = self.controller
        dlg = LimitsDialog(c.alarms, c.course.catalogue, list(c.profile.parameters), parameter,
                           self, submit=self._submit_limits)
        self.limits_dialog = dlg
        dlg.show()
        return dlg

    def _submit_limits(self, requests: list[tuple[str, dict]]) -> str | None:
        """Apply the dialog's actions in order; the first refusal stops and is returned."""
        refused: list[str] = []

        def watch(ev: SessionEvent) -> None:
            if isinstance(ev, ActionRefused):
                refused.append(ev.reason)

        unsubscribe = self.controller.subscribe(watch)
        try:
            for kind, args in requests:
                self.request(kind, **args)
                if refused:
                    return refused[0]
        finally:
            unsubscribe()
        return None
