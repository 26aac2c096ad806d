"""Moved to dashboard.recording (format, writer, reader, checks, subscriber); this name
is kept only so that older imports (tests, scripts) go on working."""

from dashboard.recording import *  # noqa: F403
from dashboard.recording import __all__  # noqa: F401
