"""Errors that carry where the bad input is, so every front end can print one line."""

from __future__ import annotations


def one_line(text: str) -> str:
    """Escape line breaks and other control characters (from a key or a file name in the
    input) so that a message stays one line on a terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ReplayDataError(ValueError):
    """Bad input: a scenario, a time, a channel name. Message is one line, with location."""


class ScenarioError(ReplayDataError):
    """A scenario file that cannot be used; says which file and which key."""

    def __init__(self, where: str, message: str) -> None:
        self.where = one_line(where)
        self.detail = one_line(message)
        super().__init__(f"{self.where}: {self.detail}")


class TimeExpressionError(ReplayDataError):
    """A time like 'ecmo_start+2h' that cannot be parsed or resolved."""
