"""The one reader for every TOML file: scenarios, drills, the catalogue, the waveform model,
the model coefficients, alarm profiles (and the broker config and credentials files).

A file is read through replay_data.input_file (regular files only, a size limit per
kind, UTF-8, nesting and number limits), then its tables are read through `Table`, which
checks each value and reports a problem as one line:

    FILE:LINE: key.path: what is wrong

LINE is the line the key is written on (found from the source text, since tomllib gives
no positions; for a missing key, the line of its table's header). Documents built in
code (tests, fuzzers) have no text, and their messages are `FILE: key.path: ...`.

The value checks (`as_number`, `as_text`, ...) are plain functions raising BadValue, so
a validator that walks merged data of several files (the alarm profiles) words its
problems the same way and names the file each key came from.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

from .errors import Problems, ScenarioError
from .input_file import InputFileError, decode_utf8, parse_toml, read_bytes
from .timeexpr import parse_duration
from .toml_lines import KeyPath, key_lines, key_text, line_of

# An error for (file, line or None, key path, problem): ScenarioError unless a caller
# has its own (ProfileError).
ErrorFactory = Callable[[str, "int | None", KeyPath, str], Exception]
_MISSING: Any = ...


def locate(file: str, line: int | None, path: KeyPath = ()) -> str:
    """'FILE:LINE: key.path' (or without the line / the key when there is none)."""
    head = f"{file}:{line}" if line else file
    return f"{head}: {key_text(path)}" if path else head


def scenario_error(file: str, line: int | None, path: KeyPath, problem: str) -> ScenarioError:
    return ScenarioError(locate(file, line, path), problem, line=line)


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True, eq=False)
class TomlDocument:
    """A parsed TOML file: its data, the name messages show, and its text (for lines)."""
    data: dict[str, Any]
    source: str
    text: str | None = None

    @cached_property
    def lines(self) -> dict[KeyPath, int]:
        return key_lines(self.text) if self.text else {}

    def line(self, path: KeyPath) -> int | None:
        return line_of(self.lines, path) if self.text else None

    def root(self, error: ErrorFactory = scenario_error, problems: Problems | None = None
             ) -> Table:
        return Table(self, self.data, (), error, problems)


def toml_text(text: str, source: str, kind: str) -> TomlDocument:
    """A document from TOML text (checked for nesting and numbers like a file)."""
    return TomlDocument(parse_toml(text, source, kind), source, text)


def read_toml(path: str | os.PathLike[str], kind: str, shown: str | None = None
              ) -> TomlDocument:
    """A TOML file of the given kind ('scenario', 'broker config', 'credentials', ...)
    through every limit of replay_data.input_file. Raises InputFileError (one line)."""
    where = shown or os.fspath(path)
    return toml_text(decode_utf8(read_bytes(path, kind), where, kind), where, kind)


def read_toml_resource(package: str, name: str, kind: str) -> TomlDocument:
    """A TOML file shipped in a resources package, shown by its file name."""
    try:
        raw = resources.files(package).joinpath(name).read_bytes()
    except OSError as exc:
        raise InputFileError(name, f"cannot read {kind} file: {exc}") from None
    return toml_text(decode_utf8(raw, name, kind), name, kind)


# --------------------------------------------------------------------------- value checks


class BadValue(ValueError):
    """A value that is not what its key needs; the text says why (no location)."""


def type_name(value: object) -> str:
    return type(value).__name__


def as_number(value: object, *, minimum: float | None = None, maximum: float | None = None,
              positive: bool = False, allow_nan: bool = False) -> float:
    """A finite number (int or float, not a boolean), optionally bounded."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadValue(f"must be a finite number, not {type_name(value)} {value!r}")
    v = float(value)
    if math.isnan(v) and allow_nan:
        return v
    if not math.isfinite(v):
        raise BadValue(f"must be a finite number, not {value!r}")
    if positive and v <= 0:
        raise BadValue(f"must be positive, not {v:g}")
    if minimum is not None and v < minimum:
        raise BadValue(f"must be >= {minimum:g}, got {value!r}")
    if maximum is not None and v > maximum:
        raise BadValue(f"must be <= {maximum:g}, got {value!r}")
    return v


def as_text(value: object, *, nonempty: bool = False) -> str:
    if not isinstance(value, str):
        raise BadValue(f"must be text, not {type_name(value)}")
    if nonempty and not value.strip():
        raise BadValue("must not be empty")
    return value


def as_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise BadValue(f"must be true or false, got {value!r}")
    return value


def as_choice(value: object, options: Iterable[str]) -> str:
    options = tuple(options)
    if not isinstance(value, str) or value not in options:
        raise BadValue(f"must be one of {', '.join(options)}; got {value!r}")
    return value


def as_duration(value: object) -> float:
    """A duration ('90s', '1h30m' or seconds) in seconds."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadValue(f"must be a duration such as '90s' or '1h30m', not {type_name(value)}")
    return parse_duration(str(value))  # TimeExpressionError: a ValueError, one line


def as_texts(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise BadValue("must be a list of strings")
    return value


def unknown_key(table: Mapping[str, Any], allowed: Iterable[str]) -> str | None:
    allowed = set(allowed)
    return next((k for k in table if k not in allowed), None)


MAX_LISTED = 12  # a message lists at most this many of the allowed names


def allowed_names(name: str, known: Iterable[str], what: str = "known",
                  close_from: Iterable[str] | None = None) -> str:
    """What to write instead of the unknown `name`: ' (closest: spo2; known: a, b, ...)'.
    The closest names (difflib, among `close_from` when given: a typo of a name that is
    not allowed here is worth naming too) catch a typo; the list, cut at MAX_LISTED, says
    what the key may hold at all."""
    names = sorted(known)
    if not names:
        return f" ({what}: none)"
    pool = sorted(close_from) if close_from is not None else names
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.7) if name else []
    more = len(names) - MAX_LISTED
    shown = ", ".join(names[:MAX_LISTED]) + (f", ... ({more} more)" if more > 0 else "")
    head = f"closest: {', '.join(close)}; " if close else ""
    return f" ({head}{what}: {shown})"


_KIND_NAMES = {str: "str", int: "int", float: "float", list: "list", dict: "table",
               bool: "bool"}


# --------------------------------------------------------------------------- tables


class Table:
    """Typed access to one table of a document; every problem names file, line and key."""

    def __init__(self, doc: TomlDocument, value: object, path: KeyPath = (),
                 error: ErrorFactory = scenario_error, problems: Problems | None = None
                 ) -> None:
        self.doc, self.path, self.error = doc, path, error
        # With a collector, unknown keys are recorded (all of them) rather than raised:
        # a reader reads only the keys it knows, so going on after one is always safe.
        self.problems = problems
        if not isinstance(value, dict):
            raise self.fail(None, "must be a table")
        self.table: dict[str, Any] = value
        self.used: set[str] = set()

    # -- locations
    def key(self, name: str | int | KeyPath | None = None) -> KeyPath:
        if name is None:
            return self.path
        return (*self.path, *name) if isinstance(name, tuple) else (*self.path, name)

    def fail(self, name: str | int | KeyPath | None, problem: str) -> Exception:
        """The error for a problem at `name` (a key of this table, a sub-path or None for
        the table itself); raise what it returns."""
        path = self.key(name)
        return self.error(self.doc.source, self.doc.line(path), path, problem)

    def where(self, name: str | int | KeyPath | None = None) -> str:
        path = self.key(name)
        return locate(self.doc.source, self.doc.line(path), path)

    # -- keys
    def check_keys(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for bad in [k for k in self.table if k not in allowed]:
            close = difflib.get_close_matches(bad, sorted(allowed), n=1, cutoff=0.6)
            hint = f"closest: {close[0]}; " if close else ""
            problem = self.fail(bad, f"unknown key ({hint}allowed: {', '.join(sorted(allowed))})")
            if self.problems is None:
                raise problem
            self.problems.add(problem)

    def done(self) -> None:
        """Refuse any key no accessor asked for."""
        bad = unknown_key(self.table, self.used)
        if bad is not None:
            raise self.fail(bad, "unknown key")

    def __contains__(self, name: str) -> bool:
        return name in self.table

    # -- values
    def raw(self, name: str, default: object = _MISSING) -> object:
        if name not in self.table:
            if default is _MISSING:
                raise self.fail(name, "missing key")
            return default
        self.used.add(name)
        return self.table[name]

    def check(self, name: str, check: Callable[..., Any], default: object = _MISSING,
              **options: Any) -> Any:
        """`check(value, **options)` on the key's value (the default is not checked)."""
        if name not in self.table and default is not _MISSING:
            return default
        value = self.raw(name)
        try:
            return check(value, **options)
        except ValueError as exc:  # BadValue, TimeExpressionError
            raise self.fail(name, str(exc)) from None

    def get(self, name: str, kind: type | tuple[type, ...], default: object = _MISSING
            ) -> Any:
        """The value if it has one of the given Python types (a bool is no number)."""
        if name not in self.table and default is not _MISSING:
            return default
        value = self.raw(name)
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
            raise self.fail(name, f"must be {names}, not {type_name(value)}")
        return value

    def text(self, name: str, default: object = _MISSING, *, nonempty: bool = False) -> str:
        return self.check(name, as_text, default, nonempty=nonempty)

    def number(self, name: str, default: object = _MISSING, **bounds: Any) -> float:
        return self.check(name, as_number, default, **bounds)

    def optional_number(self, name: str, **bounds: Any) -> float | None:
        return self.number(name, None, **bounds)

    def fraction(self, name: str) -> float:
        v = self.number(name)
        if not 0.0 <= v <= 1.0:
            raise self.fail(name, f"must be a fraction in [0, 1], not {v:g}")
        return v

    def boolean(self, name: str, default: object = _MISSING) -> bool:
        return self.check(name, as_bool, default)

    def choice(self, name: str, options: Iterable[str], default: object = _MISSING) -> str:
        return self.check(name, as_choice, default, options=options)

    def duration(self, name: str, default: object = _MISSING) -> float:
        if name not in self.table and default is not _MISSING:
            try:
                return as_duration(default)
            except ValueError as exc:
                raise self.fail(name, str(exc)) from None
        return self.check(name, as_duration)

    def texts(self, name: str, default: object = _MISSING) -> list[str]:
        return self.check(name, as_texts, default)

    def array(self, name: str, default: object = _MISSING) -> list:
        return self.get(name, list, default)

    # -- sub-tables
    def child(self, name: str, *, required: bool = False) -> Table:
        """The sub-table `name` (an empty one when absent, unless required)."""
        value = self.raw(name) if required else self.table.get(name, {})
        self.used.add(name)
        return Table(self.doc, value, (*self.path, name), self.error, self.problems)

    def item(self, name: str, index: int) -> Table:
        """Table number `index` of the array `name`."""
        return Table(self.doc, self.table[name][index], (*self.path, name, index), self.error,
                     self.problems)

    def items(self, name: str, default: object = _MISSING, *, nonempty: bool = False
              ) -> list[Table]:
        """Every table of the array `name`."""
        values = self.array(name, default)
        if nonempty and not values:
            raise self.fail(name, "must be a non-empty array of tables")
        return [self.item(name, i) for i in range(len(values))]

    def tables(self) -> dict[str, Table]:
        """Each value of this table as a sub-table (`[injections.X]` for every X)."""
        return {k: Table(self.doc, v, (*self.path, k), self.error, self.problems)
                for k, v in self.table.items()}
