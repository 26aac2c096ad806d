"""A progress bar on the terminal for a long render (a 20-minute drill is 30,000 frames):
redrawn at most a few times a second, only when stderr is a terminal. `lines=True`
(`--progress lines`, what the instructor console reads from the render it runs in the
background) prints "progress DONE/TOTAL" lines instead, one per percent."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, what: str, stream: TextIO | None = None, *, lines: bool = False
                 ) -> None:
        self.what = what
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.lines = lines
        self._percent = -1
        # The bar's own pace only (how often to redraw, time left): no value of the
        # session depends on it.
        self._t0 = time.monotonic()
        self._shown = -1.0

    def __call__(self, done: int, total: int) -> None:
        if self.lines:
            percent = done * 100 // max(1, total)
            if percent != self._percent:
                self._percent = percent
                print(f"progress {done}/{total}", file=self.stream, flush=True)
            return
        if not self.tty:
            return
        now = time.monotonic()
        if done < total and now - self._shown < 0.25:
            return
        self._shown = now
        frac = done / max(1, total)
        bar = "\u2588" * round(WIDTH * frac) + "\u2591" * (WIDTH - round(WIDTH * frac))
        spent = now - self._t0
        left = spent / frac - spent if frac > 0 else 0.0
        self.stream.write(f"\r{self.what} {bar} {frac:4.0%} {done}/{total} frames, "
                          f"{left:4.0f} s left ")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
