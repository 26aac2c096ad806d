"""The monitor's stylesheet, with font sizes scaled to the window so the numbers stay
readable at 1366x768 and fill the tiles at 1920x1080."""

from __future__ import annotations

from importlib import resources


def stylesheet(window_height: int) -> str:
    text = resources.files("resources.theme").joinpath("monitor.qss").read_text("utf-8")
    k = max(0.6, min(1.6, window_height / 1000.0))
    sizes = {
        "base": 13, "value": 46, "value_small": 20, "title": 16, "small": 12,
        "ecmo_value": 24, "banner": 14, "banner_clock": 20,
    }
    # QSS has braces of its own: replace only our placeholders.
    for name, px in sizes.items():
        text = text.replace("{" + name + "}", str(max(9, round(px * k))))
    return text
