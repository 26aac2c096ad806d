"""Qt's own messages: everything Qt says reaches stderr, except the notices known to be
harmless for this program.

The offscreen platform (headless screenshots, the debrief's plots) says "This plugin does
not support propagateSizeHints()" whenever a widget's size hint changes; it means nothing
there. Any other message -- a missing font, a failed image write, a real Qt problem --
is what a user needs to see, so it is passed on unchanged.
"""

from __future__ import annotations

import sys

# Substrings of the messages that are dropped (each with the reason it is harmless above).
HARMLESS = ("does not support propagateSizeHints",)


def is_harmless(message: str) -> bool:
    return any(h in message for h in HARMLESS)


def install_filter() -> None:
    """Route Qt's messages to stderr, without the harmless ones (Qt must be importable)."""
    from PySide6 import QtCore

    def handler(mode, context, message: str) -> None:  # Qt's signature
        if is_harmless(message):
            return
        category = getattr(context, "category", None)
        prefix = f"{category}: " if category and category != "default" else ""
        sys.stderr.write(f"{prefix}{message}\n")
        sys.stderr.flush()

    QtCore.qInstallMessageHandler(handler)
