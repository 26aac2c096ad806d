"""Errors that carry where the bad input is, so every front end can print one line."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def one_line(text: str) -> str:
    """Escape line breaks and other control characters (from a key or a file name in the
    input) so that a message stays one line on a terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ReplayDataError(ValueError):
    """Bad input: a scenario, a time, a channel name. Message is one line, with location."""


class ScenarioError(ReplayDataError):
    """A scenario file that cannot be used; says which file and which key. `line` is the
    line the problem is on when known (so several problems can be listed in file order)."""

    def __init__(self, where: str, message: str, *, line: int | None = None) -> None:
        self.where = one_line(where)
        self.detail = one_line(message)
        self.line = line
        super().__init__(f"{self.where}: {self.detail}")


class ScenarioProblems(ScenarioError):
    """Several independent problems of one file.

    Its message is the first problem found, in the order the reader checks the file:
    exactly the one line a loader raised before problems were collected, so the app, the
    data commands and every message test see what they always saw. `problems` holds all
    of them (in the order found) for `replay-data validate`, which lists them by line."""

    def __init__(self, problems: Sequence[ScenarioError]) -> None:
        first = problems[0]
        super().__init__(first.where, first.detail, line=first.line)
        self.problems = tuple(problems)

    def by_line(self) -> list[ScenarioError]:
        """The problems in file order (a problem with no line first; ties keep the order
        they were found in)."""
        return sorted(self.problems, key=lambda p: p.line or 0)


def problems_of(exc: ScenarioError) -> tuple[ScenarioError, ...]:
    """Every problem an error stands for (one, unless it is ScenarioProblems)."""
    return exc.problems if isinstance(exc, ScenarioProblems) else (exc,)


class Problems:
    """Collects the independent problems of one file, so that checking goes on after one.

    A reader wraps each independent part (one event, one keyframe value, one draw...) in
    `part()` or `attempt()`: a ScenarioError there is recorded and the reader moves on to
    the next part. A problem that makes later checks meaningless (event times that do not
    resolve) is not caught there: it ends the reading, and the reader adds it as the last
    one. `raise_any()` then raises them all as one ScenarioProblems."""

    def __init__(self) -> None:
        self.found: list[ScenarioError] = []

    def add(self, exc: ScenarioError) -> None:
        self.found.extend(problems_of(exc))

    @contextmanager
    def part(self) -> Iterator[None]:
        """`with problems.part():` -- a problem in the block is recorded, not raised."""
        try:
            yield
        except ScenarioError as exc:
            self.add(exc)

    def attempt(self, check: Callable[[], T], default: T) -> T:
        """check()'s value, or `default` when it reports a problem (recorded)."""
        try:
            return check()
        except ScenarioError as exc:
            self.add(exc)
            return default

    def raise_any(self) -> None:
        if self.found:
            raise ScenarioProblems(self.found)


class TimeExpressionError(ReplayDataError):
    """A time like 'ecmo_start+2h' that cannot be parsed or resolved."""
