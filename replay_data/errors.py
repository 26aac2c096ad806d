"""Errors that carry where the bad input is, so every front end can print one line."""

from __future__ import annotations


class ReplayDataError(ValueError):
    """Bad input: a scenario, a time, a channel name. Message is one line, with location."""


class ScenarioError(ReplayDataError):
    """A scenario file that cannot be used; says which file and which key."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.detail = message
        super().__init__(f"{where}: {message}")


class TimeExpressionError(ReplayDataError):
    """A time like 'ecmo_start+2h' that cannot be parsed or resolved."""
