"""Shared fixtures for the case-as-data tests: the built-in scenario, its course, its text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from case_support import case_course as shared_course
from case_support import scenario

from replay_data.course import Course
from replay_data.scenario import Scenario

REPO = Path(__file__).resolve().parents[2]
SCENARIO_FILE = REPO / "resources" / "scenarios" / "sle_dah_ecmo.toml"
# The published case report the scenario quotes (Choi & Kang). Not part of the repository;
# REPLAY_CASE_REPORT points elsewhere when the shared folder is not mounted.
# The team's shared folder sits beside the checkout (and beside CI's fresh clone).
_BESIDE_REPO = Path(__file__).resolve().parents[3] / "shared/seed/000_441095814e162a7d.txt"
CASE_REPORT = Path(os.environ.get("REPLAY_CASE_REPORT", str(_BESIDE_REPO)))


@pytest.fixture(scope="session")
def case_scenario() -> Scenario:
    return scenario("sle_dah_ecmo")


@pytest.fixture(scope="session")
def case_course() -> Course:
    return shared_course()  # the one the modules' constants use (case_support)


@pytest.fixture(scope="session")
def scenario_text() -> str:
    return SCENARIO_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def case_report_text() -> str:
    if not CASE_REPORT.is_file():
        pytest.skip(f"case report not found at {CASE_REPORT} (set REPLAY_CASE_REPORT)")
    return CASE_REPORT.read_text(encoding="utf-8")


def _single_line_error(text: str) -> str:
    """The one stderr line of a failed command; fails the test if there is not exactly one."""
    lines = text.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {text!r}"
    assert "Traceback" not in text
    return lines[0]


@pytest.fixture(scope="session")
def one_error_line():
    """Check that a command's stderr is exactly one line, no traceback; return the line."""
    return _single_line_error
