"""The sessions this process runs, in the order they were made: dashboard.session adds
each MonitorSession and removes it when it closes; the automation hook reads them. Kept
here, below the sessions, so that the UI never imports the layer that builds it."""

from __future__ import annotations

from typing import Any

CURRENT: list[Any] = []  # MonitorSession objects (dashboard.session, the layer above)
