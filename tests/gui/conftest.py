"""Fixtures that build the real monitor on a hand-driven clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from case_support import case_course as shared_course

from dashboard.session import MonitorSession
from replay_data.course import Course


@pytest.fixture(scope="session")
def case_course() -> Course:
    return shared_course()  # the one the modules' constants use (case_support)


@pytest.fixture
def make_session(qtbot, case_course) -> Iterator[Callable[..., MonitorSession]]:
    made: list[MonitorSession] = []

    def make(start: str | float | None = None, *, speed: float = 1.0,
             size: tuple[int, int] = (1600, 1000), course: Course | None = None,
             **kwargs) -> MonitorSession:
        c = course or case_course
        t = None if start is None else c.scenario.resolve(start)
        s = MonitorSession.create(c, start=t, speed=speed, virtual_clock=True, mute=True,
                                  **kwargs)
        qtbot.addWidget(s.window)
        s.window.resize(*size)
        s.window.show()
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()
