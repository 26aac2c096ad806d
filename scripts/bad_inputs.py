"""Throw bad inputs at the three commands, as a careful tester would, and count how many
keep the promise.

    .venv/bin/python scripts/bad_inputs.py [--only WORD] [--verbose]

The promise for bad input (docs/scenario-format.md, "Files in, files out"): one line on
stderr that says what and where (`PROG: error: ...`), exit code 2, no traceback, nothing
written (`replay-data validate` gives one such line per independent problem). Inputs that
must work (writing through a device or /dev/stdout) must exit 0 without a
traceback. Every case runs in a fresh folder with HOME pointing into it, so nothing
outside is touched, and the folder is compared before and after.

Prints one line per broken promise and the counts: tried / passed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCENARIO = (ROOT / "resources/scenarios/sle_dah_ecmo.toml").read_text(encoding="utf-8")
PROFILE = (ROOT / "resources/alarm_profiles/adult_icu.toml").read_text(encoding="utf-8")
TIMEOUT_S = 120


@dataclass
class Case:
    name: str
    argv: list[str]  # program name first; "{d}" is the case's folder
    expect: str = "error"  # "error": one line, exit 2, nothing written; "ok": exit 0
    files: dict[str, bytes | str | Callable[[Path], None]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    words: str = ""  # the error line must contain this
    # "error" cases: stderr lines expected, one per problem (validate lists every
    # independent problem of a scenario; everything else stops at one)
    lines: int = 1
    written: tuple[str, ...] = ()  # "ok" cases: files that must exist afterwards


def edit(old: str, new: str) -> str:
    assert old in SCENARIO, old
    return SCENARIO.replace(old, new, 1)


def add(extra: str) -> str:
    return SCENARIO + "\n" + extra + "\n"


KEYFRAME = '[[keyframes]]\nt = "ecmo_start+1h"\nbasis = "assumed"\nvalues = {{ {} }}\n'
INJECTION = ('[injections.test_thing]\nlabel = "x"\nbasis = "assumed"\n'
             'default_duration = "{dur}"\neffects = [{{ channel = "{ch}", {eff} }}]\n{extra}\n')

# Three mistakes that do not depend on one another (a keyframe's channel, a patient's age,
# an unknown table).
THREE_PROBLEMS = add(KEYFRAME.format("sparkle = 3") + "\n[bogus]\nx = 1").replace(
    "age = 43", "age = 143")

BAD_SCENARIOS: dict[str, str | bytes] = {
    "SpO2 150": add(KEYFRAME.format("spo2 = 150")),
    "SpO2 -5": add(KEYFRAME.format("spo2 = -5")),
    "HR 1e9": add(KEYFRAME.format("hr = 1e9")),
    "HR inf": add(KEYFRAME.format("hr = inf")),
    "HR a string": add(KEYFRAME.format('hr = "fast"')),
    "unknown channel": add(KEYFRAME.format("sparkle = 3")),
    "negative platelets": add('[[keyframes]]\nt = "ecmo_start+1h"\nbasis = "assumed"\n'
                              'results = { platelets = -20 }\n'),
    "injection sets SpO2 500": add(INJECTION.format(dur="5m", ch="spo2", eff="set = 500",
                                                    extra="")),
    "zero-length injection": add(INJECTION.format(dur="0s", ch="spo2", eff="set = 50",
                                                  extra="")),
    "negative injection": add(INJECTION.format(dur="-5m", ch="spo2", eff="set = 50",
                                               extra="")),
    "effect on a derived channel": add(INJECTION.format(dur="5m", ch="abp_mean",
                                                        eff="add = -10", extra="")),
    "effect on an unknown channel": add(INJECTION.format(dur="5m", ch="nope", eff="add = 1",
                                                         extra="")),
    "oscillation period 0": add(INJECTION.format(dur="5m", ch="hr",
                                                 eff="oscillate = 5, period = 0", extra="")),
    "unknown flag": add(INJECTION.format(dur="5m", ch="hr", eff="add = 1",
                                         extra='flags = ["sparkles"]')),
    "unknown flag in a variant": edit(
        "[injections.air_in_circuit.variants.detector_stop]\n",
        '[injections.air_in_circuit.variants.detector_stop]\nflags = ["sparkles"]\n'),
    "unknown flag period": add('[[flag_periods]]\nflag = "sparkles"\nstart = "ecmo_start"\n'
                               'end = "ecmo_start+1h"\nbasis = "assumed"\n'),
    "schedule outside the course": add('[[scheduled]]\ninjection = "pump_stop"\n'
                                       'at = "ecmo_end+400d"\nbasis = "assumed"\n'),
    "schedule of an unknown injection": add('[[scheduled]]\ninjection = "nope"\n'
                                            'at = "ecmo_start+1h"\nbasis = "assumed"\n'),
    "keyframe outside the course": add('[[keyframes]]\nt = "extubation+400d"\n'
                                       'basis = "assumed"\nvalues = { hr = 80 }\n'),
    "missing alarm profile": edit('alarm_profile = "sle_dah_ecmo"',
                                  'alarm_profile = "no_such_profile"'),
    "integer too large for a float": edit("default_severity = ", "default_severity = 1"
                                          + "0" * 400 + " # "),
    "not UTF-8": SCENARIO.encode() + b"\n# \xff\xfe\n",
    "deep nesting": add("deep = " + "[" * 5000 + "]" * 5000),
    "empty file": "",
    "binary garbage": bytes(range(256)) * 8,
    "cut in half": SCENARIO[: len(SCENARIO) // 2],
    "duplicate key": edit('alarm_profile = "sle_dah_ecmo"',
                          'alarm_profile = "sle_dah_ecmo"\nalarm_profile = "adult_icu"'),
    "unparseable event time": add('[[events]]\nid = "x1"\nt = "yesterday"\nlabel = "x"\n'
                                  'basis = "assumed"\n'),
    "newline and ESC in a value": add('[[events]]\nid = "x2"\nt = "admission+\\n\\u001b[31m"\n'
                                      'label = "x"\nbasis = "assumed"\n'),
    # Values that validated but crashed the app (issue 18, item 7).
    "case of 2**31 s": edit('end = "extubation+12h"\ndefault', 'end = "2147483648"\ndefault'),
    "patient age -3": edit("age = 43", "age = -3"),
    "patient age nan": edit("age = 43", "age = nan"),
    "patient age old": edit("age = 43", 'age = "old"'),
    "patient weight 0": edit("weight_kg = 58.0", "weight_kg = 0"),
    "patient sex 1": edit('sex = "female"', "sex = 1"),
    "patient unknown key": edit("age = 43", "age = 43\nshoe_size = 38"),
    "empty scenario id": edit('id = "sle_dah_ecmo"', 'id = ""'),
    "event id with a space": edit('id = "cxr_post_ecmo"', 'id = "cxr post"'),
    "event id a+b": edit('id = "cxr_post_ecmo"', 'id = "a+b"'),
    "injection id a b/../c": add(INJECTION.format(dur="5m", ch="hr", eff="add = 1", extra="")
                                 .replace("test_thing", '"a b/../c"')),
    "empty injection label": add(INJECTION.format(dur="5m", ch="hr", eff="add = 1", extra="")
                                 .replace('label = "x"', 'label = ""')),
    "injection of 1e8 s": add(INJECTION.format(dur="1e8", ch="hr", eff="add = 1", extra="")),
    "draw of no tests": add('[[draws]]\nat = "admission"\ntests = []\nbasis = "assumed"\n'),
    "draw with at and start": add('[[draws]]\nat = "admission"\nstart = "admission"\n'
                                  'end = "admission+1h"\nevery = "10m"\ntests = ["ph"]\n'
                                  'values = { ph = 7.4 }\nbasis = "assumed"\n'),
    "100k-deep dotted key": add("a" + ".a" * 100_000 + " = 1"),
}

# Drills overlay a base case (replay_data/drill.py): the drill's own mistakes.
DRILL = (ROOT / "resources/scenarios/pump_stop_day2.toml").read_text(encoding="utf-8")


def drill_edit(old: str, new: str) -> str:
    assert old in DRILL, old
    return DRILL.replace(old, new, 1)


BAD_SCENARIOS.update({
    "drill: unknown base": drill_edit('base = "sle_dah_ecmo"', 'base = "no_such_case"'),
    "drill: base is a drill": drill_edit('base = "sle_dah_ecmo"', 'base = "pump_stop_day2"'),
    "drill: base is itself": drill_edit('base = "sle_dah_ecmo"', 'base = "bad.toml"'),
    "drill: start outside the case": drill_edit('start = "ecmo_start+20h"',
                                                'start = "extubation+30d"'),
    "drill: unknown injection": drill_edit('injection = "pump_stop"',
                                           'injection = "pump_stpo"'),
    "drill: injection before its start": drill_edit('after = "3m"', 'at = "admission"'),
    "drill: keyframes copied in": DRILL + '\n[[keyframes]]\nt = 0\nbasis = "assumed"\n',
    "drill: no briefing": DRILL.split("[briefing]")[0],
    "drill: expected for an unknown injection": drill_edit("pump_stop = [", "pump_stpo = ["),
    "drill: empty id": drill_edit('id = "pump_stop_day2"', 'id = ""'),
})

BAD_PROFILES: dict[str, str | bytes] = {
    "profile not UTF-8": PROFILE.encode() + b"\n# \xff\n",
    "profile deep nesting": PROFILE + "\ndeep = " + "[" * 5000 + "]" * 5000 + "\n",
    "profile huge integer": PROFILE.replace("audio_pause_s = 120", "audio_pause_s = 1" + "0" * 400),
    "profile unknown flag": PROFILE.replace('flag = "ecg_leads_off"', 'flag = "sparkles"'),
    "profile unknown channel": PROFILE + '\n[parameters.sparkle]\ncategory = "x"\n',
    "profile negative delay": PROFILE.replace("delay_s = 10 ", "delay_s = -10 ", 1),
    "profile empty": "",
}


def session_lines(d: Path) -> list[dict]:
    return [json.loads(x) for x in (d / "good.jsonl").read_text().splitlines()]


def write_lines(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def session_edit(fn: Callable[[list[dict]], list[dict]] | None = None,
                 raw: Callable[[str], str] | None = None) -> Callable[[Path], None]:
    """A session file made from the good one (see make_good_session) by an edit."""
    def make(d: Path) -> None:
        if raw is not None:
            (d / "bad.jsonl").write_text(raw((d / "good.jsonl").read_text()))
        else:
            write_lines(d / "bad.jsonl", fn(session_lines(d)))
    return make


def set_in(kind: str, key: str, value: object) -> Callable[[list[dict]], list[dict]]:
    """Set args[key] (or a perturbation field) of the first record of `kind`."""
    def fn(records: list[dict]) -> list[dict]:
        for r in records:
            if r.get("action") == kind or r.get("type") == kind:
                if kind == "perturbation":
                    target = r["perturbation"]
                    if "." in key:
                        k, sub = key.split(".")
                        target = target[k][0]
                        target[sub] = value
                    else:
                        target[key] = value
                else:
                    r[key] = value
                return records
        raise AssertionError(f"no {kind} record")
    return fn


BAD_SESSIONS: dict[str, Callable[[Path], None]] = {
    "seek to null": session_edit(set_in("seek", "target", None)),
    "seek to Infinity": session_edit(raw=lambda t: re.sub(r'"target":[0-9.]+',
                                                          '"target":Infinity', t)),
    "seek to NaN": session_edit(raw=lambda t: re.sub(r'"target":[0-9.]+', '"target":NaN', t)),
    'limit "abc"': session_edit(set_in("limits", "low", "abc")),
    "limit 1e999": session_edit(raw=lambda t: t.replace('"low":85.0', '"low":1e999')),
    "oscillation period 0": session_edit(set_in("perturbation", "effects.period", 0)),
    "negative duration": session_edit(set_in("perturbation", "duration", -60)),
    "unknown injection": session_edit(set_in("perturbation", "name", "no_such_thing")),
    "huge integer": session_edit(raw=lambda t: t.replace('"seed":0', '"seed":1' + "0" * 400)),
    "not JSON": session_edit(raw=lambda t: t + "this is not json\n"),
    "not UTF-8": lambda d: (d / "bad.jsonl").write_bytes(
        (d / "good.jsonl").read_bytes() + b'{"type": "\xff"}\n'),
    "empty": session_edit(raw=lambda t: ""),
    "no start record": session_edit(lambda r: r[1:]),
    "unknown record type": session_edit(lambda r: [*r, {"type": "party", "case_time": 1}]),
    "other scenario": session_edit(raw=lambda t: t.replace('"scenario":"sle_dah_ecmo"',
                                                           '"scenario":"nope"', 1)),
    "deep nesting": session_edit(raw=lambda t: t + "[" * 5000 + "]" * 5000 + "\n"),
    "a scenario file": lambda d: (d / "bad.jsonl").write_text(SCENARIO),
    "acknowledge of an unknown alarm": session_edit(set_in("acknowledge", "alarm_id", "nope")),
    "case time before the scenario": session_edit(set_in("acknowledge", "case_time", -1e12)),
    "unknown field in an action": session_edit(set_in("acknowledge", "x", 1)),
    "limit of an unknown parameter": session_edit(set_in("limits", "parameter", "sparkle")),
    "case time a string": session_edit(set_in("seek", "case_time", "noon")),
}


def make_good_session(d: Path) -> None:
    """A recorded drill with an injection, an override, trainee acknowledgements, a limit
    change, a seek and a note -- through the real controller."""
    code = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from replay_data.course import Course
from dashboard.core.actions import Action, Actor
from dashboard.core.clock import ManualWall
from dashboard.core.session_controller import SessionController
from dashboard.recording import recording_for
course = Course.load()
t0 = course.scenario.event_times["ecmo_start"] + 7200
c = SessionController(course, start=t0, wall=ManualWall(),
                      recording=recording_for({str(d / 'good.jsonl')!r}))
con, bed = Actor("instructor", "console"), Actor("trainee", "bed-1")
a = lambda k, who=con, **args: Action.make(k, args, who)
c.apply(a("inject", injection="pump_stop"), strict=True)
c.advance(30, 3)
c.apply(a("acknowledge", bed), strict=True)
c.apply(a("limits", bed, parameter="spo2", low=85), strict=True)
c.apply(a("override", channel="spo2", target=80, transition=10), strict=True)
c.advance(30, 3)
c.apply(a("seek", target=t0 + 600), strict=True)
c.apply(a("note", text="=HYPERLINK(\\"http://x\\")"), strict=True)
c.advance(60, 2)
c.close()
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=d)


def cases() -> list[Case]:
    out: list[Case] = []
    dash, rd = "icu-dashboard", "replay-data"
    headless = [dash, "--headless", "--duration", "1s", "--screenshot", "{d}/x.png",
                "--alarm-log", "{d}/a.jsonl"]
    trends = [rd, "trends", "--start", "ecmo_start", "--end", "ecmo_start+2m", "--step", "60"]
    for name, text in BAD_SCENARIOS.items():
        files = {"bad.toml": text}
        # The data commands need no alarm profile; validate and the dashboard check it.
        data_ok = "ok" if name == "missing alarm profile" else "error"
        out += [Case(f"validate: {name}", [rd, "validate", "{d}/bad.toml"], files=files),
                Case(f"trends --scenario: {name}",
                     [*trends, "--scenario", "{d}/bad.toml", "--out", "{d}/t.csv"],
                     files=files, expect=data_ok, written=("t.csv",) if data_ok == "ok" else ()),
                Case(f"dashboard --scenario: {name}",
                     [*headless, "--scenario", "{d}/bad.toml"], files=files)]
    for name, text in BAD_PROFILES.items():
        files = {"bad_profile.toml": text,
                 "sc.toml": edit('alarm_profile = "sle_dah_ecmo"',
                                 'alarm_profile = "bad_profile.toml"')}
        out += [Case(f"validate: {name}", [rd, "validate", "{d}/sc.toml"], files=files),
                Case(f"dashboard: {name}", [*headless, "--scenario", "{d}/sc.toml"],
                     files=files)]
    special = {
        "a FIFO": lambda d: os.mkfifo(d / "bad"),
        "/dev/zero": "/dev/zero",
        "a folder": lambda d: (d / "bad").mkdir(),
        "a missing file": None,
        "a symlink loop": lambda d: (d / "bad").symlink_to(d / "bad"),
    }
    for name, make in special.items():
        path = make if isinstance(make, str) else "{d}/bad"
        files = {} if make is None or isinstance(make, str) else {"bad": make}
        out += [Case(f"validate {name}", [rd, "validate", path], files=files),
                Case(f"dashboard --scenario {name}", [*headless, "--scenario", path],
                     files=files),
                Case(f"debrief {name}", [dash, "debrief", path, "--out", "{d}/r.html"],
                     files=files),
                Case(f"--replay {name}", [*headless, "--replay", path], files=files)]
    for name, make in BAD_SESSIONS.items():
        files = {"bad.jsonl": make}
        out += [Case(f"debrief: session {name}",
                     [dash, "debrief", "{d}/bad.jsonl", "--out", "{d}/r.html"], files=files),
                Case(f"--replay: session {name}", [*headless, "--replay", "{d}/bad.jsonl",
                                                   "--duration", "5m"], files=files)]
    # Arguments
    for name, args in {
        "--seed 2**32": ["--seed", "4294967296"], "--seed -1": ["--seed", "-1"],
        "--seed 1e3": ["--seed", "1e3"], "--start nonsense": ["--start", "yesterday"],
        "--start with newline and ESC": ["--start", "admission+\n\x1b[31mred"],
        "--start before the course": ["--start", "admission-400d"],
        "--duration -5s": ["--duration", "-5s"], "--duration 1e400": ["--duration", "1e400"],
        "--duration past the end": ["--duration", "400d"],
        "--speed 0": ["--speed", "0"], "--speed nan": ["--speed", "nan"],
        "--size 0x0": ["--size", "0x0"], "--size huge": ["--size", "99999x99999"],
        "--size abc": ["--size", "abc"],
        "--inject unknown": ["--inject", "nope@ecmo_start"],
        "--inject never": ["--inject", "pump_stop@never"],
        "--inject without @": ["--inject", "pump_stop"],
        "--inject bad variant": ["--inject", "pump_stop:sideways@ecmo_start"],
        "--inject before the course": ["--inject", "pump_stop@admission-400d"],
        "--scenario unknown name": ["--scenario", "no_such_case"],
    }.items():
        out.append(Case(f"dashboard {name}", [*headless, *args]))
    for name, args in {
        "--step 0": ["--step", "0"], "--step -1": ["--step", "-1"],
        "--end before --start": ["--end", "admission"],
        "--channels unknown": ["--channels", "sparkle"],
        "--override derived": ["--override", "abp_mean=50"],
        "--override out of range": ["--override", "spo2=500"],
        "--override not a number": ["--override", "spo2=abc"],
        "--seed 2**32": ["--seed", "4294967296"],
    }.items():
        out.append(Case(f"trends {name}", [*trends, *args, "--out", "{d}/t.csv"]))
    out += [Case("dashboard --scenario: HR nan (not measured)",
                 [*headless, "--scenario", "{d}/nan.toml"], expect="ok",
                 files={"nan.toml": add(KEYFRAME.format("hr = nan"))}, written=("x.png",)),
            Case("dashboard --speed 7 (any speed up to 3600x)", [*headless, "--speed", "7"],
                 expect="ok", written=("x.png",))]
    # Outputs
    log_files = {"good.jsonl": make_good_session, "sc.toml": SCENARIO}
    out += [
        Case("trends --out /dev/null", [*trends, "--out", "/dev/null"], expect="ok"),
        Case("trends --out -", [*trends, "--out", "-"], expect="ok"),
        Case("trends --out /dev/stdout", [*trends, "--out", "/dev/stdout"], expect="ok"),
        Case("trends --out /dev/full", [*trends, "--out", "/dev/full"], words="/dev/full"),
        Case("trends --out a folder", [*trends, "--out", "{d}/sub"],
             files={"sub": lambda d: (d / "sub").mkdir()}),
        Case("trends --out under a file", [*trends, "--out", "{d}/f/t.csv"],
             files={"f": "a file"}),
        Case("trends --out in a missing folder", [*trends, "--out", "{d}/no/t.csv"]),
        # Outputs never clobber: a link is refused, never written through.
        Case("trends --out through a symlink", [*trends, "--out", "{d}/link.csv"],
             files={"target.csv": "old\n",
                    "link.csv": lambda d: (d / "link.csv").symlink_to("target.csv")},
             words="symbolic link"),
        Case("debrief --out through a symlink",
             [dash, "debrief", "{d}/good.jsonl", "--out", "{d}/link.html"],
             files={**log_files, "target.html": "old",
                    "link.html": lambda d: (d / "link.html").symlink_to("target.html")},
             words="symbolic link"),
        Case("trends --out its own --scenario",
             [*trends, "--scenario", "{d}/sc.toml", "--out", "{d}/sc.toml"],
             files={"sc.toml": SCENARIO}, words="is the input --scenario"),
        Case("trends --out a FIFO nobody reads", [*trends, "--out", "{d}/fifo"],
             files={"fifo": lambda d: os.mkfifo(d / "fifo")}, words="named pipe"),
        Case("--alarm-log /proc/self/status", [*headless[:-1], "/proc/self/status"],
             words="kernel"),
        Case("--alarm-log on a session file", [*headless[:-1], "{d}/good.jsonl"],
             files=log_files),
        Case("--alarm-log on a scenario", [*headless[:-1], "{d}/sc.toml"], files=log_files),
        Case("--alarm-log = --session-log", [*headless, "--session-log", "{d}/a.jsonl"]),
        Case("--session-log on an existing file",
             [*headless, "--session-log", "{d}/good.jsonl"], files=log_files),
        Case("--screenshot in /proc", [*headless[:4], "--screenshot", "/proc/x.png",
                                       *headless[6:]]),
        Case("--screenshot in a missing folder", [*headless[:4], "--screenshot",
                                                  "{d}/no/x.png", *headless[6:]]),
        Case("--screenshot = --alarm-log", [*headless[:4], "--screenshot", "{d}/a.jsonl",
                                            *headless[6:]]),
        Case("--replay with --scenario",
             [*headless, "--replay", "{d}/good.jsonl", "--scenario", "sle_dah_ecmo"],
             files=log_files),
        Case("--replay with --session-log",
             [*headless, "--replay", "{d}/good.jsonl", "--session-log", "{d}/n.jsonl"],
             files=log_files),
        Case("--replay of trainee actions past them",
             [*headless, "--replay", "{d}/good.jsonl", "--duration", "10m"], expect="ok",
             files=log_files, written=("x.png", "a.jsonl")),
        Case("--replay at 600x", [*headless, "--replay", "{d}/good.jsonl", "--duration",
                                  "10m", "--speed", "600"], expect="ok", files=log_files,
             written=("x.png", "a.jsonl")),
        Case("debrief --out a folder", [dash, "debrief", "{d}/good.jsonl", "--out", "{d}"],
             files=log_files),
        Case("debrief --out = the session", [dash, "debrief", "{d}/good.jsonl", "--out",
                                             "{d}/good.jsonl"], files=log_files),
        Case("debrief without a display", [dash, "debrief", "{d}/good.jsonl", "--out",
                                           "{d}/r.html"], expect="ok", files=log_files,
             env={"QT_QPA_PLATFORM": "nonexistent", "DISPLAY": ""},
             written=("r.html", "r.csv")),
        Case("window without a Qt platform", [dash, "--alarm-log", "{d}/a.jsonl"],
             env={"QT_QPA_PLATFORM": "nonexistent"}, words="Qt platform"),
        Case("--alarm-log on a full disk (/dev/full)", [*headless[:-1], "/dev/full",
                                                        "--duration", "2m"],
             expect="ok", words="/dev/full", written=("x.png",)),
        Case("--session-log on a device (/dev/full): must be a new file",
             [*headless, "--session-log", "/dev/full", "--duration", "2m"],
             words="/dev/full"),
        Case("--screenshot on a full disk (/dev/full)",
             [*headless[:4], "--screenshot", "/dev/full", *headless[6:]], words="/dev/full"),
        Case("--scenario path with a newline and ESC",
             [*headless, "--scenario", "{d}/a\n\x1b[31mb.toml"]),
        Case("results --out /dev/full", [rd, "results", "--start", "ecmo_start", "--end",
                                         "ecmo_start+1d", "--out", "/dev/full"]),
        Case("waveform unknown signal", [rd, "waveform", "sparkle", "--start", "ecmo_start",
                                         "--duration", "10s", "--out", "{d}/w.csv"]),
        Case("waveform --duration 0", [rd, "waveform", "ecg_ii", "--start", "ecmo_start",
                                       "--duration", "0s", "--out", "{d}/w.csv"]),
        Case("info on a FIFO scenario", [rd, "info", "--scenario", "{d}/bad"],
             files={"bad": lambda d: os.mkfifo(d / "bad")}),
        Case("scenario over the size limit (9 MB)", [rd, "validate", "{d}/big.toml"],
             files={"big.toml": SCENARIO + "\n#" + "x" * (9 << 20) + "\n"}, words="big.toml"),
        Case("profile over the size limit (2 MB)", [rd, "validate", "{d}/sc.toml"],
             files={"big.toml": PROFILE + "\n#" + "x" * (2 << 20) + "\n",
                    "sc.toml": edit('alarm_profile = "sle_dah_ecmo"',
                                    'alarm_profile = "big.toml"')}, words="big.toml"),
        Case("--alarm-log on a FIFO nobody reads", [*headless[:-1], "{d}/fifo"],
             files={"fifo": lambda d: os.mkfifo(d / "fifo")}, words="fifo"),
        Case("--alarm-log /dev/stdout", [*headless[:-1], "/dev/stdout"], expect="ok",
             written=("x.png",)),
        Case("--alarm-log /dev/null", [*headless[:-1], "/dev/null"], expect="ok",
             written=("x.png",)),
        Case("unknown role", [dash, "bystander"]),
        Case("replay-data unknown command", [rd, "dance"]),
        # Several independent problems: validate lists each (one line each, in file
        # order); the dashboard and the data commands stop at the first.
        Case("validate: three independent problems", [rd, "validate", "{d}/bad.toml"],
             files={"bad.toml": THREE_PROBLEMS}, lines=3, words="bad.toml:"),
        Case("dashboard --scenario: three independent problems",
             [*headless, "--scenario", "{d}/bad.toml"], files={"bad.toml": THREE_PROBLEMS}),
        Case("trends --scenario: three independent problems",
             [*trends, "--scenario", "{d}/bad.toml", "--out", "{d}/t.csv"],
             files={"bad.toml": THREE_PROBLEMS}),
        # `new` writes a new file only: never over one, never through a link or into a
        # folder that is not there, and nothing half-written.
        Case("new over an existing file", [rd, "new", "{d}/sc.toml"],
             files={"sc.toml": SCENARIO}, words="exists already"),
        Case("new over a symlink", [rd, "new", "{d}/link.toml"],
             files={"link.toml": lambda d: (d / "link.toml").symlink_to(d / "x.toml")},
             words="symbolic link"),
        Case("new into a missing folder", [rd, "new", "{d}/nowhere/sc.toml"],
             words="does not exist"),
        Case("new on a folder", [rd, "new", "{d}/f.toml"],
             files={"f.toml": lambda d: (d / "f.toml").mkdir()}),
        Case("new on a FIFO", [rd, "new", "{d}/fifo.toml"],
             files={"fifo.toml": lambda d: os.mkfifo(d / "fifo.toml")}),
        Case("new not a .toml", [rd, "new", "{d}/sc.txt"], words=".toml"),
        Case("new in /proc", [rd, "new", "/proc/sc.toml"]),
        Case("new unknown template", [rd, "new", "{d}/sc.toml", "--template", "picu"]),
        Case("new vv-ecmo", [rd, "new", "{d}/sc.toml", "--template", "vv-ecmo"],
             expect="ok", written=("sc.toml",)),
    ]
    return out


def snapshot(d: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for p in sorted(d.rglob("*")):
        try:
            st = p.lstat()
        except OSError:
            continue
        out[str(p.relative_to(d))] = (st.st_size, st.st_mtime_ns)
    return out


def run_case(case: Case, base: Path, good: Path, verbose: bool) -> str | None:
    """None if the case kept the promise, else what broke."""
    d = Path(tempfile.mkdtemp(dir=base))
    (d / "home").mkdir()
    shutil.copy(good, d / "good.jsonl")  # the recording bad sessions are made from
    for name, content in case.files.items():
        if content is make_good_session:
            continue
        if callable(content):
            content(d)
        elif isinstance(content, bytes):
            (d / name).write_bytes(content)
        else:
            (d / name).write_text(content, encoding="utf-8")
    before = snapshot(d)
    argv = [str(BIN / case.argv[0]) if i == 0 else a.replace("{d}", str(d))
            for i, a in enumerate(case.argv)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(d / "home"))
    env.update(case.env)
    try:
        p = subprocess.run(argv, capture_output=True, timeout=TIMEOUT_S, env=env, cwd=d,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"hung for more than {TIMEOUT_S} s"
    err = p.stderr.decode("utf-8", "replace")
    if verbose:
        print(f"  [{case.name}] exit {p.returncode}: {err.strip()[:300]}")
    if "Traceback" in err:
        return f"traceback (exit {p.returncode}): {err.strip().splitlines()[-1][:200]}"
    if "\x1b" in err:
        return "raw ESC echoed to the terminal"
    if case.expect == "ok":
        if p.returncode != 0:
            return f"exit {p.returncode}, expected 0: {err.strip()[:200]}"
        if case.words and case.words not in err:
            return f"stderr does not say {case.words!r}: {err.strip()[:200]}"
        missing = [w for w in case.written if not (d / w).is_file() or
                   (d / w).stat().st_size == 0]
        if missing:
            return f"did not write {missing}"
        for name in case.files:
            if name.startswith("link") and not (d / name).is_symlink():
                return f"{name} was replaced, not written through"
        return None
    lines = err.splitlines()
    prog = "icu-dashboard debrief" if case.argv[:2] == ["icu-dashboard", "debrief"] else \
        case.argv[0]
    if p.returncode != 2:
        return f"exit {p.returncode}, expected 2: {err.strip()[:200]}"
    if len(lines) != case.lines:
        return f"{len(lines)} stderr lines, expected {case.lines}: {err.strip()[:300]!r}"
    for line in lines:
        if not line.startswith(f"{prog}: error: "):
            return f"not '{prog}: error: ...': {line[:200]}"
    if case.words and case.words not in lines[0]:
        return f"error does not say {case.words!r}: {lines[0][:200]}"
    after = snapshot(d)
    if after != before:
        changed = sorted(set(after.items()) ^ set(before.items()))
        return f"wrote or changed {[c[0] for c in changed][:5]}"
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    todo = [c for c in cases() if args.only in c.name]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "g").mkdir()
        make_good_session(base / "g")
        good = base / "g" / "good.jsonl"
        failed = 0
        for c in todo:
            problem = run_case(c, base, good, args.verbose)
            if problem is not None:
                failed += 1
                print(f"BROKEN  {c.name}: {problem}", flush=True)
    print(f"tried {len(todo)}, passed {len(todo) - failed}, broken {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
