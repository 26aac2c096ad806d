"""The console scripts `icu-dashboard` and `replay-data` (pyproject [project.scripts]).

Signals first, imports second: Ctrl-C or SIGTERM in the first second of a command (while
numpy, the scenario code or Qt are imported) ends it at once and cleanly
(replay_data.interrupts.run_command), instead of a KeyboardInterrupt traceback out of an
import, or -- when the process inherited SIGINT ignored -- a lost signal and a run that
went on to its end. Nothing else lives here: this module must stay cheap to import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from replay_data.interrupts import run_command

Main = Callable[[Sequence[str] | None], int]


def _icu_dashboard() -> Main:
    from dashboard.cli.main import main

    return main


def _replay_data() -> Main:
    from dashboard.alarms.replay_data_cli import main

    return main


def icu_dashboard(argv: Sequence[str] | None = None) -> int:
    return run_command(lambda: _icu_dashboard()(argv))


def replay_data(argv: Sequence[str] | None = None) -> int:
    return run_command(lambda: _replay_data()(argv))
