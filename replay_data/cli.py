"""`replay-data`: look at the case as data, export trends and waveforms, check scenarios.

Every bad input ends in one line on stderr naming what is wrong and where, exit code 2,
and no output file left behind.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

import numpy as np

from .casetime import span_text
from .course import Course
from .csv_blocks import case_time_text, write_rows
from .errors import ReplayDataError, ScenarioProblems, one_line
from .interrupts import EXIT_INTERRUPTED, Terminated, terminate_raises
from .output_file import open_output
from .output_path import check_output_path
from .scenario import Scenario, builtin_scenarios, load_scenario, scenario_title
from .scenario_data import DEFAULT_SCENARIO
from .scenario_templates import (
    DEFAULT_TEMPLATE,
    TEMPLATES,
    scenario_id_for,
    template_text,
    write_new_file,
)
from .timeexpr import format_case_time, parse_duration

EXIT_BAD_INPUT = 2
# The noise is keyed by a 32-bit seed: larger or negative seeds would silently alias
# (4294967296 would equal 0), so they are refused rather than reduced.
SEED_MAX = 2**32 - 1
WAVEFORM_PIECE_S = 60.0  # waveform exports are computed and written a minute at a time


def parse_seed(text: str) -> int:
    """argparse type for --seed: an integer 0 .. 2**32 - 1, never reduced modulo."""
    try:
        seed = int(text.strip(), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= seed <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"{text}: must be between 0 and {SEED_MAX}")
    return seed


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 2 (ReplayDataError)."""

    def error(self, message: str) -> None:
        # A subcommand names itself ("trends: ..."); the program name is printed already.
        _, _, sub = self.prog.partition(" ")
        raise ReplayDataError(f"{sub}: {message}" if sub else message)


def _course(args: argparse.Namespace) -> Course:
    return Course(load_scenario(args.scenario), seed=args.seed)


def _write_output(path: str, write: Callable[[csv.writer], None]) -> None:
    """The CSV through the output rules: whole or not at all for a file, written through
    a device, a pipe, `-` or /dev/stdout (see replay_data.output_file)."""
    with open_output(path, "--out") as fh:
        write(csv.writer(fh, lineterminator="\n"))


def _write_text(path: str, write: Callable[[TextIO], None]) -> None:
    """As _write_output, for a writer that writes blocks of text itself."""
    with open_output(path, "--out") as fh:
        write(fh)


def _overrides(course: Course, specs: Sequence[str] | None, t0: float, t1: float) -> Course:
    """`--override CHANNEL=VALUE[@T]`: the channel held at VALUE from T (default: the
    window's start) to the end of the window; the model's outputs follow."""
    from .perturbations import override

    perts = []
    sc = course.scenario
    for spec in specs or ():
        what, _, when = spec.partition("@")
        channel, eq, value_text = what.partition("=")
        channel = channel.strip()
        if not eq or not channel or not value_text.strip():
            raise ReplayDataError(f"--override {spec}: expected CHANNEL=VALUE[@TIME]")
        try:
            ch = course.check_channel(channel)
        except ReplayDataError as exc:
            raise ReplayDataError(f"--override {spec}: {exc}") from None
        if ch.derived:
            raise ReplayDataError(f"--override {spec}: {channel!r} is derived from other "
                                  "channels; override what it is derived from")
        try:
            value = float(value_text)
        except ValueError:
            raise ReplayDataError(f"--override {spec}: {value_text.strip()!r} is not a number"
                                  ) from None
        lo, hi = ch.limits
        if not (np.isfinite(value) and lo <= value <= hi):
            unit = f" {ch.unit}" if ch.unit else ""
            raise ReplayDataError(f"--override {spec}: {value:g} is outside the physical range "
                                  f"of {channel} ({lo:g} to {hi:g}{unit})")
        start = sc.resolve_option("--override", when) if when else t0
        if not t0 <= start <= t1:
            raise ReplayDataError(f"--override {spec}: time {start:.0f} s is outside the window "
                                  f"({t0:.0f} to {t1:.0f} s)")
        perts.append(override(channel, value, start, 0.0, None,
                              pid=f"cli-override:{channel}@{start:.0f}#{len(perts)}"))
    return course.with_perturbations(perts) if perts else course


def control_option(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--control", action="append", metavar="CONTROL=VALUE[@TIME]",
                    help="what-if with the team's hands: a console setting (e.g. "
                    "ecmo.rpm=2500@ecmo_start+2h, vent.pinsp=20, vent.ie=3) made at TIME "
                    "(default: --start; may be before it) as the console would make it; "
                    "repeatable, applied in time order")


def _controls(course: Course, specs: Sequence[str] | None, t0: float, t1: float) -> Course:
    """`--control CONTROL=VALUE[@T]`: the setting a trainee's knob makes at T (default:
    the window's start), through the same path as the consoles (control_perturbation),
    so the model responds as it does to the team in a session."""
    from .controls import CONTROLS, control_perturbation

    parsed = []
    sc = course.scenario
    for i, spec in enumerate(specs or ()):
        what, _, when = spec.partition("@")
        name, eq, value_text = what.partition("=")
        name = name.strip()
        if not eq or not name or not value_text.strip():
            raise ReplayDataError(f"--control {spec}: expected CONTROL=VALUE[@TIME]")
        control = name if name.startswith("control.") else f"control.{name}"
        if control not in CONTROLS:
            known = ", ".join(c.removeprefix("control.") for c in CONTROLS)
            raise ReplayDataError(f"--control {spec}: unknown control {name!r} (known: {known})")
        try:
            value = float(value_text)
        except ValueError:
            raise ReplayDataError(f"--control {spec}: {value_text.strip()!r} is not a number"
                                  ) from None
        start = sc.resolve_option("--control", when) if when else t0
        # A setting made before the window holds into it; one after it changes nothing.
        if start > t1:
            raise ReplayDataError(f"--control {spec}: time {start:.0f} s is after the end of "
                                  f"the window ({t1:.0f} s)")
        parsed.append((start, i, spec, control, value))
    for start, i, spec, control, value in sorted(parsed):
        try:
            p = control_perturbation(course, control, value, start,
                                     pid=f"cli-control:{control}@{start:.0f}#{i}")
        except ReplayDataError as exc:
            raise ReplayDataError(f"--control {spec}: {exc}") from None
        course = course.with_perturbations((*course.perturbations, p))
    return course


# ------------------------------------------------------------------ commands


def cmd_info(args: argparse.Namespace) -> int:
    course = _course(args)
    sc, cat = course.scenario, course.catalogue
    out = sys.stdout
    out.write(f"{sc.title}\n{sc.source}\n")
    out.write(f"Patient: {sc.patient.summary}\n")
    out.write(f"Course: 0 to {sc.end:.0f} s ({sc.end / 86400:.1f} days); default start "
              f"{format_case_time(sc.default_start)}\n")
    if sc.base:
        out.write(f"Drill on the case {sc.base!r}: starts at {format_case_time(sc.default_start)}"
                  "\n")
    out.write("\nBuilt-in scenarios and drills (--scenario NAME)\n")
    for name in builtin_scenarios():
        out.write(f"  {name:<24} {scenario_title(name)}\n")
    out.write("\nScheduled injections\n")
    for s in sorted(sc.scheduled, key=lambda s: s.t):
        mark = f"  (+{span_text(s.t - sc.default_start)} after the start)" if (
            sc.base and s.t >= sc.default_start) else ""
        out.write(f"  {s.t:>9.0f} s  {format_case_time(s.t):<17} {s.injection:<24} "
                  f"for {span_text(s.duration)}{mark}\n")
        for e in sc.injections[s.injection].expected:
            out.write(f"  {'':>9}    {'':<17} expected: {e.label} within "
                      f"{span_text(e.within)}\n")
    out.write("\nEvents\n")
    for e in sc.events:
        out.write(f"  {e.t:>9.0f} s  {format_case_time(e.t):<17} {e.id:<24} [{e.provenance.basis}] "
                  f"{e.label}\n")
    out.write("\nNumeric channels\n")
    for ch in cat.numerics.values():
        out.write(f"  {ch.id:<20} {ch.label:<14} {ch.unit:<10} {ch.code}\n")
    out.write("\nResults (appear when drawn)\n")
    for r in cat.results.values():
        out.write(f"  {r.id:<20} {r.label:<14} {r.unit:<10} {r.code}\n")
    out.write("\nWaveforms\n")
    for w in cat.waveforms.values():
        out.write(f"  {w.id:<20} {w.label:<14} {w.rate:g} Hz  {w.sweep_mm_s:g} mm/s  {w.code}\n")
    out.write("\nInjections\n")
    for inj in sc.injections.values():
        out.write(f"  {inj.id:<24} {inj.label}\n")
    return 0


def cmd_trends(args: argparse.Namespace) -> int:
    course = _course(args)
    sc = course.scenario
    t0, t1 = sc.resolve_option("--start", args.start), sc.resolve_option("--end", args.end)
    try:
        step = parse_duration(args.step)
    except ReplayDataError as exc:
        raise ReplayDataError(f"--step {args.step}: {exc}") from None
    if t1 < t0:
        raise ReplayDataError(f"--end {args.end} ({t1:.0f} s) is before --start {args.start} "
                              f"({t0:.0f} s)")
    if step <= 0:
        raise ReplayDataError(f"--step {args.step}: must be longer than 0 s")
    if (t1 - t0) / step > 5_000_000:
        raise ReplayDataError(f"--step {args.step}: more than 5 million rows; use a longer step")
    channels = (args.channels.split(",") if args.channels
                else course.catalogue.displayed_numerics)
    for c in channels:
        course.check_channel(c.strip())
    channels = [c.strip() for c in channels]
    course = _overrides(course, args.override, t0, t1)
    course = _controls(course, args.control, t0, t1)
    n = int(np.floor((t1 - t0) / step + 1e-9)) + 1
    t = t0 + step * np.arange(n)
    digits = [course.catalogue.numerics[c].precision + 1 for c in channels]

    def write(fh: TextIO) -> None:
        csv.writer(fh, lineterminator="\n").writerow(["t", *channels])
        for i in range(0, n, TREND_BLOCK):
            block = t[i:i + TREND_BLOCK]
            values = course.numerics(channels, block)
            write_rows(fh, block, [values[c] for c in channels], digits)

    _write_text(args.out, write)  # to a .part file, renamed when whole (removed if not)
    return 0


# A whole-course export at 1 s steps is millions of rows: computed and written a block at
# a time. The values are the same (each is a function of its own time), no single numpy
# call runs over the whole grid -- Python's Ctrl-C handler runs between two calls, so an
# interrupt is honoured within a block's time even on a loaded machine -- and memory stays
# a block's (all 1.7 million rows of 20 days at 1 s held 600 MB, whose release at exit
# alone was 0.1 s of CPU). 16,384 rows are 0.03 s of CPU.
TREND_BLOCK = 16_384


def cmd_results(args: argparse.Namespace) -> int:
    course = _course(args)
    sc = course.scenario
    t0, t1 = sc.resolve_option("--start", args.start), sc.resolve_option("--end", args.end)
    if t1 < t0:
        raise ReplayDataError(f"--end {args.end} ({t1:.0f} s) is before --start {args.start} "
                              f"({t0:.0f} s)")
    course = _overrides(course, args.override, t0, t1)
    course = _controls(course, args.control, t0, t1)
    rows = [r for r in course.results_until(t1) if r.t >= t0]
    cat = course.catalogue

    def write(w: csv.writer) -> None:
        w.writerow(["t", "time", "result", "value", "unit", "flag", "basis"])
        for r in rows:
            test = cat.results[r.test]
            w.writerow([case_time_text(r.t), format_case_time(r.t), r.test, test.format(r.value),
                        test.unit, r.flag, r.basis])

    _write_output(args.out, write)
    return 0


def cmd_waveform(args: argparse.Namespace) -> int:
    from .waveforms import signals as waveform_signals
    from .waveforms import waveform

    course = _course(args)
    sc = course.scenario
    t0 = course.scenario.resolve_option("--start", args.start)
    try:
        duration = parse_duration(args.duration)
    except ReplayDataError as exc:
        raise ReplayDataError(f"--duration {args.duration}: {exc}") from None
    if duration <= 0:
        raise ReplayDataError(f"--duration {args.duration}: must be longer than 0 s")
    if t0 + duration > sc.end:
        raise ReplayDataError(f"--start {args.start} + --duration {args.duration} runs past the "
                              f"end of the scenario ({sc.end:.0f} s)")
    if duration > 6 * 3600:
        raise ReplayDataError(f"--duration {args.duration}: at most 6 h of samples per export")
    if bool(args.signal) == bool(args.channels):
        raise ReplayDataError("waveform: give one signal, or --channels S1,S2,... (not both)")
    signals = [args.signal] if args.signal else [c.strip() for c in args.channels.split(",")]
    for sig in signals:
        if sig not in waveform_signals(course):
            waveform(course, sig, t0, 0.0)  # raises the one-line "unknown waveform"
    rates = {course.catalogue.waveforms[sig].rate for sig in signals}
    if len(rates) > 1:
        raise ReplayDataError(f"--channels {args.channels}: the signals have different sample "
                              f"rates ({', '.join(f'{r:g} Hz' for r in sorted(rates))}); "
                              "export them one at a time")
    rate = rates.pop()
    course = _controls(course, args.control, t0, t0 + duration)

    def write(fh: TextIO) -> None:
        # A minute at a time: six hours of ECG never sit in memory at once. Samples
        # depend only on their index n (t = n / rate), so pieces cut on the index are
        # the same samples as one long window.
        csv.writer(fh, lineterminator="\n").writerow(["t", *signals])
        n_end = None
        t_piece = t0
        while True:
            piece = min(WAVEFORM_PIECE_S, t0 + duration - t_piece)
            cols = []
            for sig in signals:
                t, y = waveform(course, sig, t_piece, piece)
                cols.append(y)
            if n_end is None:
                n_end = _sample_index(t0 + duration, rate)
            n = np.rint(t * rate).astype(np.int64)
            keep = n < n_end
            # Samples to 4 decimals; only a NaN is blank here (as the export always was).
            write_rows(fh, t[keep], [y[keep] for y in cols], [4] * len(cols),
                       blank_infinite=False)
            if not len(n) or n[-1] + 1 >= n_end:
                break
            t_piece = (n[-1] + 1) / rate

    _write_text(args.out, write)
    return 0


def _sample_index(t: float, rate: float) -> int:
    """First sample index n with n / rate >= t (the waveform grid's own rule)."""
    n = int(np.ceil(t * rate))
    while n / rate < t:
        n += 1
    while (n - 1) / rate >= t:
        n -= 1
    return n


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a file; a scenario with several problems gets one line for each, in file
    order (the loaders elsewhere show the first: a window or a data command stops at one,
    an author fixing a file wants them all)."""
    try:
        sc = load_scenario(args.file)
    except ScenarioProblems as exc:
        if len(exc.problems) == 1:
            raise
        for problem in exc.by_line():
            print(f"replay-data: error: {one_line(str(problem))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for check in args.scenario_checks:
        check(sc)
    print(f"{one_line(args.file)}: OK ({len(sc.events)} events, "
          f"{len(sc.numeric_keyframes)} keyframed channels, {len(sc.draws)} result draws, "
          f"{len(sc.injections)} injections)")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    path = args.file
    if not path.endswith(".toml") or path == ".toml":
        raise ReplayDataError(f"new {path}: a scenario file's name ends in .toml, e.g. "
                              "my_patient.toml")
    write_new_file(path, template_text(args.template, scenario_id_for(path)), "new")
    print(f"{one_line(path)}: written from the {args.template} template; edit it, then "
          f"check it with: replay-data validate {one_line(path)}")
    return 0


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    times = ("Times: seconds from admission, or <event>, <event>+<dur>, <event>-<dur>, "
             "with dur like 90s, 15m, 2h, 1d, 1h30m.")
    p = OneLineParser(prog="replay-data", description="The VV-ECMO case as data: events, trends, "
                "waveforms. Training simulator, not a medical device.", epilog=times)
    sub = p.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--scenario", default=DEFAULT_SCENARIO,
                        help="built-in scenario name or path to a .toml file (default: the case)")
        sp.add_argument("--seed", type=parse_seed, default=0,
                        help="noise seed: same seed, same output; other seeds, other noise")

    sp = sub.add_parser("info", help="events, channels, waveforms of a scenario", epilog=times)
    common(sp)
    sp.set_defaults(func=cmd_info)

    sp = sub.add_parser("trends", help="numeric channels as CSV", epilog=times)
    common(sp)
    sp.add_argument("--start", required=True, help="first time")
    sp.add_argument("--end", required=True, help="last time")
    sp.add_argument("--step", required=True, help="seconds between rows (or 1m, 1h ...)")
    sp.add_argument("--channels", help="comma-separated channel ids (default: all, model "
                    "inputs and outputs included)")
    sp.add_argument("--override", action="append", metavar="CHANNEL=VALUE[@TIME]",
                    help="what-if: hold an input (e.g. ecmo_flow=3.0, cardiac_output=7@"
                    "ecmo_start+1d) from TIME (default: --start) to the end; repeatable")
    control_option(sp)
    sp.add_argument("--out", required=True, help="CSV file to write ('-': standard output)")
    sp.set_defaults(func=cmd_trends)

    sp = sub.add_parser("results", help="result draws (blood gases, labs) as CSV",
                        epilog=times)
    common(sp)
    sp.add_argument("--start", required=True, help="first time")
    sp.add_argument("--end", required=True, help="last time")
    sp.add_argument("--override", action="append", metavar="CHANNEL=VALUE[@TIME]",
                    help="what-if, as for trends: the draws read the changed model")
    control_option(sp)
    sp.add_argument("--out", required=True, help="CSV file to write ('-': standard output)")
    sp.set_defaults(func=cmd_results)

    sp = sub.add_parser("waveform", help="one waveform as CSV on its sample grid", epilog=times)
    common(sp)
    sp.add_argument("signal", nargs="?", help="ecg_ii, pleth, abp, cvp, co2, paw or flow")
    sp.add_argument("--channels", help="several signals of one sample rate as columns, "
                    "e.g. paw,flow")
    control_option(sp)
    sp.add_argument("--start", required=True, help="first time")
    sp.add_argument("--duration", required=True, help="length, e.g. 10s or 2m")
    sp.add_argument("--out", required=True, help="CSV file to write ('-': standard output)")
    sp.set_defaults(func=cmd_waveform)

    sp = sub.add_parser("validate", help="check a scenario file (every problem, one line "
                        "each)")
    sp.add_argument("file", help="scenario .toml file")
    sp.set_defaults(func=cmd_validate)

    sp = sub.add_parser("new", help="write a commented starting scenario file",
                        description="Write a valid, commented scenario to edit into your "
                        "patient (docs/scenario-format.md). Never overwrites a file.")
    sp.add_argument("file", help="the .toml file to create (must not exist)")
    sp.add_argument("--template", choices=tuple(TEMPLATES), default=DEFAULT_TEMPLATE,
                    help="ward: on an oxygen mask, no ventilator; icu: ventilated with an "
                    "arterial line; vv-ecmo: ventilated, then cannulated and on the pump "
                    f"(default: {DEFAULT_TEMPLATE})")
    sp.set_defaults(func=cmd_new)
    return p


def _check_out(args: argparse.Namespace) -> None:
    """--out checked before anything is computed (a whole-course export takes a while):
    no link, not the scenario it reads, no FIFO, nothing in /proc (output_path)."""
    out = getattr(args, "out", None)
    if out is None:
        return
    scenario = getattr(args, "scenario", None)
    check_output_path(out, "--out", inputs={
        "--scenario": scenario if scenario and os.path.isfile(scenario) else None})


# A check of a loaded scenario that validate adds (raises ReplayDataError): the layers
# above give theirs, e.g. the dashboard's alarm profile (dashboard.alarms.replay_data_cli).
ScenarioCheck = Callable[[Scenario], None]


def main(argv: Sequence[str] | None = None, *,
         scenario_checks: Sequence[ScenarioCheck] = ()) -> int:
    parser = build_parser()
    try:
        with terminate_raises():
            args = parser.parse_args(argv)
            args.scenario_checks = tuple(scenario_checks)
            _check_out(args)
            return int(args.func(args))
    except ReplayDataError as exc:
        print(f"replay-data: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # Output piped into `head`: not an error of ours. Point stdout at devnull so
        # the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f" {exc.filename}:" if exc.filename else ""
        print(one_line(f"replay-data: error:{where} {exc.strerror or exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        # Ctrl-C: the half-written output is gone already (open_output), no traceback.
        return EXIT_INTERRUPTED
    except Terminated:
        # SIGTERM: a requested stop, not a failure; nothing half-written is left.
        return 0


if __name__ == "__main__":
    sys.exit(main())
