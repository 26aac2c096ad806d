"""`replay-data` as installed: replay_data.cli, with validate also checking the scenario's
alarm profile -- the dashboard refuses a scenario whose profile is missing or broken, so
validate does too. Here, not in replay_data, because the profile is the alarms' (the
data layer below knows nothing of alarms)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from replay_data import cli
from replay_data.errors import ReplayDataError

if TYPE_CHECKING:
    from replay_data.scenario import Scenario


def check_alarm_profile(sc: Scenario) -> None:
    # Imported here: only validate checks a profile, and the other commands start faster
    # without the alarm conditions (issue 19: a cold `replay-data waveform`).
    from dashboard.alarms.profile import ProfileError, load_profile

    try:
        load_profile(sc.alarm_profile)
    except (ProfileError, ReplayDataError) as exc:
        raise ReplayDataError(f"{sc.path}: scenario.alarm_profile: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, scenario_checks=(check_alarm_profile,))


if __name__ == "__main__":
    raise SystemExit(main())
