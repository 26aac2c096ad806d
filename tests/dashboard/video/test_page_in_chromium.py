"""The debrief page with its films in a real browser engine (Debian's Chromium, headless,
driven by Selenium through chromedriver), as a faculty member uses it: the page opened
from its folder with no server, the bedside film and the room camera loaded, a click on
the pump stop in the timeline showing that moment on both, the two players in step while
they play, the chapters in the film's track, and the print layout with the stills in
place of the players.

scripts/setup.sh installs chromium and chromium-driver (root on Debian); without them the
module is skipped with the reason."""

from __future__ import annotations

import base64
import shutil
from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import pytest
from video_support import Drill, record_drill, room_video

from dashboard.cli.main import main
from dashboard.debrief.report import build_report
from dashboard.debrief.video_time import VideoTimeline

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is a test extra")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("chromium and chromium-driver are not installed (scripts/setup.sh as root)",
                allow_module_level=True)

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

W, H, FPS = 960, 600, 5
ROOM_LEAD = 5.5  # s: the room camera started this long after the session's first line
# The flags of a browser on a closed network (no background connections, no updates).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required", "--window-size=1400,1000",
         "--mute-audio"]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Drill, Path]:
    folder = tmp_path_factory.mktemp("debrief")
    drill = record_drill(folder / "s.jsonl")
    played = build_report(drill.path, drill.path.with_suffix(".html"))[0].played
    start = VideoTimeline(played).start_wall + timedelta(seconds=ROOM_LEAD)
    room = room_video(folder / "room.mp4", 40, start.isoformat())
    assert main(["debrief", str(drill.path), "--video", "--video-fps", str(FPS),
                 "--video-size", f"{W}x{H}", "--room-video", str(room)]) == 0
    return drill, drill.path.with_suffix(".html")


@pytest.fixture(scope="module")
def browser(report, tmp_path_factory):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('profile')}"]:
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        drv.get(report[1].resolve().as_uri())  # from the folder, no server
        # Waits on the real browser loading the files, not on a clock of ours.
        WebDriverWait(drv, 30).until(lambda d: d.execute_script(
            "return ['bedside','room'].every(function(i){"
            "return document.getElementById(i).readyState >= 1;})"))
        yield drv
    finally:
        drv.quit()


def players(drv) -> dict[str, dict]:
    return drv.execute_script(
        "var o={};['bedside','room'].forEach(function(i){var v=document.getElementById(i);"
        "o[i]={t:v.currentTime,d:v.duration,w:v.videoWidth,h:v.videoHeight,"
        "paused:v.paused,seeking:v.seeking,ready:v.readyState,"
        "offset:parseFloat(v.getAttribute('data-offset')||'0')};});return o;")


def settled(drv) -> dict[str, dict]:
    WebDriverWait(drv, 20).until(lambda d: not any(
        p["seeking"] or p["ready"] < 2 for p in players(d).values()))
    return players(drv)


def timeline_row(drv, what: str):
    return drv.find_element(
        By.XPATH, f"//h2[.='Timeline']/following::table[1]//tr[td[contains(., '{what}')]]")


def test_both_films_load_from_the_folder_at_their_size_and_length(browser, report):
    drill, _ = report
    p = players(browser)
    assert (p["bedside"]["w"], p["bedside"]["h"]) == (W, H)
    assert abs(p["bedside"]["d"] - drill.duration) < 0.5
    assert (p["room"]["w"], p["room"]["h"]) == (160, 120)
    # The camera's creation time is kept to the whole second: 5.5 s reads as 5 or 6.
    assert round(p["room"]["offset"]) in (5, 6)


def test_the_chapters_name_the_pump_stop_at_its_moment(browser, report):
    drill, _ = report
    browser.execute_script("document.querySelector('#bedside track').track.mode='hidden';")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        "var t=document.querySelector('#bedside track').track;return t.cues&&t.cues.length;"))
    cues = browser.execute_script(
        "return [].map.call(document.querySelector('#bedside track').track.cues,"
        "function(c){return [c.startTime, c.text];});")
    pump = [start for start, text in cues if text.startswith("Pump stop")]
    assert pump and abs(pump[0] - drill.inject_at) < 0.3


def _frame_at(film: Path, t: float) -> np.ndarray:
    with av.open(str(film)) as c:
        for f in c.decode(c.streams.video[0]):
            if f.time is not None and f.time >= t - 1e-6:
                return f.to_ndarray(format="rgb24")
    raise AssertionError(f"no frame at {t} s")


def _small(rgb: np.ndarray, rows: int = 20, cols: int = 32) -> np.ndarray:
    """A coarse grey picture (block means) of the top four fifths: comparable between a
    screenshot and a decoded frame whatever their sizes."""
    grey = rgb[: rgb.shape[0] * 4 // 5, :, :3].astype(np.float64).mean(axis=2)
    ys = np.linspace(0, grey.shape[0], rows + 1).astype(int)
    xs = np.linspace(0, grey.shape[1], cols + 1).astype(int)
    return np.array([[grey[ys[i]:ys[i + 1], xs[j]:xs[j + 1]].mean() for j in range(cols)]
                     for i in range(rows)])


def _picture(shot: np.ndarray) -> np.ndarray:
    """The film's picture inside the player's box (letterboxed to keep its shape)."""
    eh, ew = shot.shape[:2]
    scale = min(ew / W, eh / H)
    cw, ch = round(W * scale), round(H * scale)
    x0, y0 = (ew - cw) // 2, (eh - ch) // 2
    return shot[y0:y0 + ch, x0:x0 + cw]


def _screenshot(element) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = QImage.fromData(element.screenshot_as_png).convertToFormat(
        QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    return np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h).reshape(
        h, img.bytesPerLine())[:, :w * 3].reshape(h, w, 3).copy()


def test_clicking_the_pump_stop_shows_that_moment_on_both_players(browser, report):
    drill, html = report
    row = timeline_row(browser, "Pump stop")
    row.find_element(By.CSS_SELECTOR, "a.seek").click()
    p = settled(browser)
    assert abs(p["bedside"]["t"] - drill.inject_at) < 0.05
    assert abs(p["room"]["t"] - (drill.inject_at - p["room"]["offset"])) < 0.05
    assert "now" in row.get_attribute("class").split()  # the row playing is lit
    # The alarm a moment later: the browser shows the film's own frame of it, the
    # bedside's screen with the high-priority alarm, not the calm screen before.
    alarm = timeline_row(browser, "ECMO pump stopped")
    alarm.find_element(By.CSS_SELECTOR, "a.seek").click()
    t = settled(browser)["bedside"]["t"]
    seen = _small(_picture(_screenshot(browser.find_element(By.ID, "bedside"))))
    film = html.with_suffix(".mp4")
    then, before = _small(_frame_at(film, t)), _small(_frame_at(film, 1.0))
    assert np.abs(seen - then).mean() < 3.0
    assert np.abs(seen - then).mean() < 0.5 * np.abs(seen - before).mean()


def test_the_room_plays_in_step_with_the_bedside(browser, report):
    drill, _ = report
    browser.execute_script("window.debriefSeek(arguments[0]);", drill.inject_at)
    settled(browser)
    browser.execute_script("document.getElementById('bedside').play();")
    try:
        WebDriverWait(browser, 30).until(
            lambda d: players(d)["bedside"]["t"] > drill.inject_at + 1.5)
        p = players(browser)
        assert not p["room"]["paused"]
        assert abs(p["room"]["t"] - (p["bedside"]["t"] - p["room"]["offset"])) < 0.35
    finally:
        browser.execute_script("document.getElementById('bedside').pause();")
    WebDriverWait(browser, 10).until(lambda d: players(d)["room"]["paused"])


def test_the_print_layout_shows_the_stills_not_the_players(browser):
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = browser.execute_script(
            "return [getComputedStyle(document.querySelector('.video')).display,"
            "[].map.call(document.querySelectorAll('img.still'),"
            "function(i){return i.getBoundingClientRect().width;})];")
        assert shown[0] == "none"
        assert shown[1] and min(shown[1]) > 100
        pdf = base64.b64decode(browser.print_page())
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
