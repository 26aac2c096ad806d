#!/usr/bin/env bash
# Sets up everything the monitor and its tests need on a fresh Debian/Ubuntu machine:
# the system libraries Qt loads, a virtual environment in .venv, the project with its
# test extras. Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Libraries that PySide6's wheels expect from the system (xcb for a real window,
# EGL/fontconfig/xkbcommon for offscreen too, libpulse0 for QtMultimedia).
QT_DEBS="libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 \
libglib2.0-0 libpulse0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xkb1 libxcb-xinerama0 fonts-dejavu-core"
# Mosquitto 2.x, the MQTT broker a lab may run for networked sessions (the embedded broker
# `icu-dashboard broker` needs nothing from the system); the network tests use it too.
QT_DEBS="$QT_DEBS mosquitto"
# A real X server for the end-to-end drill test (tests/e2e): Xvfb, and xwininfo to list
# the windows the X server really shows.
QT_DEBS="$QT_DEBS xvfb x11-utils"
# A real browser engine for the debrief page's players and seek links (the test drives it
# through chromedriver with Selenium): Debian's Chromium, which plays the H.264 films.
QT_DEBS="$QT_DEBS chromium chromium-driver"

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for p in $QT_DEBS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing system packages:$missing"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup: missing system packages (Qt libraries, mosquitto, Xvfb, chromium); as root run:"
    echo "  apt-get install -y$missing"
  fi
fi

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: Python 3.11 or newer is needed ($PY is $("$PY" -V 2>&1))" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  rm -f .venv/.installed-* && touch "$stamp"
fi
# The project's own bytecode, as an installed package has it: the suite starts the apps in
# some hundreds of processes, and where PYTHONDONTWRITEBYTECODE is set (as on our CI
# machine) each of them compiled every module from source again (0.2 s of CPU each).
# Stale entries are recompiled by Python from the sources; this only saves work.
.venv/bin/python -m compileall -q -j 0 dashboard replay_data benchmarks tests >/dev/null
