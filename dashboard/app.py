"""`icu-dashboard`: the bedside monitor on the case, in one of three roles.

    icu-dashboard [options]                  demo: one window with the replay controls
    icu-dashboard instructor [options]       the instructor console and the bedside monitor
    icu-dashboard monitor [options]          the trainees' bedside monitor only
    icu-dashboard --replay SESSION.jsonl     play a recorded session back (demo window)
    icu-dashboard debrief SESSION.jsonl --out REPORT.html

`python -m dashboard.app` starts here (the console script: dashboard.entry, which catches
signals before these imports); the command line itself is
the dashboard.cli package (parsers, options, headless runner, Qt launch, roles).
"""

from __future__ import annotations

import sys

from dashboard.cli.main import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
