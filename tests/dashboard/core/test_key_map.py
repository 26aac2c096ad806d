"""The monitor's keys as data (dashboard.core.key_map), and the frame throttle, without Qt."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dashboard.core import key_map
from dashboard.core.actions import (
    ACKNOWLEDGE,
    ACTION_KINDS,
    ALARM_PAUSE,
    AUDIO_PAUSE,
    TRAINEE,
    Action,
    Actor,
)
from dashboard.core.throttle import Throttle


def test_bedside_monitor_has_the_alarm_keys_and_no_replay_keys():
    assert key_map.binding_for("monitor", "A").command == ACKNOWLEDGE
    assert key_map.binding_for("monitor", "S").command == AUDIO_PAUSE
    assert key_map.binding_for("monitor", "P").command == ALARM_PAUSE
    assert key_map.binding_for("monitor", "T").command == key_map.TRENDS
    for replay_key in ("Space", "Left", "Right", "Shift+Left", "Shift+Right", "[", "]",
                       "Home", "End"):
        assert key_map.binding_for("monitor", replay_key) is None, replay_key


def test_demo_window_runs_the_case_from_its_keys():
    step = key_map.binding_for("demo", "Shift+Right")
    assert (step.command, dict(step.args)) == (key_map.STEP, {"seconds": 600.0})
    assert dict(key_map.binding_for("demo", "Left").args) == {"seconds": -10.0}
    assert key_map.binding_for("demo", "Space").command == key_map.PLAY_PAUSE
    assert key_map.binding_for("demo", "End").command == key_map.SEEK_END
    assert key_map.binding_for("demo", "A").command == ACKNOWLEDGE


def test_instructors_copy_has_no_keys():
    assert key_map.keys_for("mirror") == {}
    assert key_map.binding_for("mirror", "A") is None
    assert key_map.keys_for("no such role") == {}


def test_shift_with_a_key_without_a_shift_binding_does_what_the_key_does():
    assert key_map.binding_for("monitor", "Shift+A") == key_map.binding_for("monitor", "A")
    assert key_map.key_name("Right", shift=True) == "Shift+Right"
    assert key_map.base_key("Shift+Right") == "Right" and key_map.base_key("A") == "A"


@pytest.mark.parametrize("role", sorted(key_map.KEY_MAPS))
def test_every_key_is_a_valid_action_or_a_view_command(role):
    for name, b in key_map.keys_for(role).items():
        if b.is_action:
            assert b.command in ACTION_KINDS, name
            # The controller would accept it: Action.make validates kind and arguments.
            Action.make(b.command, dict(b.args), Actor(TRAINEE, "test"))
        else:
            assert b.command in key_map.VIEW_COMMANDS, name
        assert b.help, f"{name} has no help text"


def test_the_trend_review_keeps_its_cursor_keys():
    assert {"Left", "Right", "End"} <= key_map.TREND_REVIEW_KEYS
    assert "A" not in key_map.TREND_REVIEW_KEYS  # acknowledging works from the trends


def test_key_map_and_throttle_import_without_qt():
    code = ("import sys; import dashboard.core.key_map, dashboard.core.throttle; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


def test_throttle_lets_through_at_most_once_per_interval():
    th = Throttle.per_second(4)  # every 0.25 s of wall time
    passed = [w for w in (0.0, 0.1, 0.2, 0.25, 0.3, 0.49, 0.5, 0.9) if th.take(w)]
    assert passed == [0.0, 0.25, 0.5, 0.9]


def test_throttle_force_reset_mark_and_a_clock_set_back():
    th = Throttle(0.5)
    assert th.take(10.0)
    assert not th.take(10.2)
    assert th.take(10.2, force=True)
    th.mark(11.0)  # drawn for another reason: the next one waits from here
    assert not th.due(11.4) and th.due(11.5)
    assert th.due(3.0)  # the wall clock was set back: never wait for it to come back
    th.reset()
    assert th.take(11.1)
    assert Throttle(0.0).take(5.0) and Throttle(0.0).take(5.0)
