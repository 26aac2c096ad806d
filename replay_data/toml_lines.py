"""Where each key of a TOML document is written: the line of every key path.

tomllib gives values but no positions, so an error about `draws[3].tests` could only name
the key. This scanner walks the source text once (without parsing values) and records
the line of each table header, each `key = value`, each key of an inline table and each
element of an array. It runs only on text tomllib has already accepted, and only when an
error is being reported; it uses an explicit stack, so deep nesting cannot recurse.

Paths are tuples of keys (str) and array indices (int): `[[draws]]` number 3, key
`tests` is ("draws", 3, "tests").
"""

from __future__ import annotations

import tomllib

KeyPath = tuple[str | int, ...]

# Deeper than any file may nest (replay_data.input_file.MAX_DEPTH): the scan stops there,
# so a 100k-deep key costs no more than a shallow one.
MAX_PARTS = 64
_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class TooDeep(ValueError):
    """A key or value nested deeper than MAX_PARTS; `line` is where."""

    def __init__(self, line: int) -> None:
        super().__init__(f"nested too deeply at line {line}")
        self.line = line


def too_deep(text: str) -> int | None:
    """The line of a key nested deeper than MAX_PARTS, else None. tomllib needs time and
    memory quadratic in a dotted key's depth (a 100k-part key exhausts the memory), so
    such a key must be found before tomllib sees the text; this scan is linear."""
    scan = _Scan(text)
    try:
        scan.document()
    except TooDeep as exc:
        return exc.line
    except Exception:  # not TOML: tomllib will say where
        return None
    return None


def key_lines(text: str) -> dict[KeyPath, int]:
    """Line (1-based) of every key path the text writes; partial if the text is odd."""
    scan = _Scan(text)
    try:
        scan.document()
    except Exception:  # a line lookup must never hide the error it places
        pass  # text tomllib accepted but this scanner misread: keep what was found
    return scan.lines


class _Scan:
    def __init__(self, text: str) -> None:
        self.s, self.i, self.line = text, 0, 1
        self.lines: dict[KeyPath, int] = {}
        self.arrays_of_tables: dict[KeyPath, int] = {}  # path -> index of the last one

    # ---------------------------------------------------------------- characters

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def spaces(self, newlines: bool = False) -> None:
        """Skip blanks (and with newlines=True line breaks and comments too)."""
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\r":
                self.i += 1
            elif newlines and c == "\n":
                self.line += 1
                self.i += 1
            elif newlines and c == "#":
                self.to_line_end()
            else:
                return

    def to_line_end(self) -> None:
        end = self.s.find("\n", self.i)
        self.i = len(self.s) if end < 0 else end

    def expect(self, token: str) -> None:
        self.spaces()
        if not self.s.startswith(token, self.i):
            raise ValueError(f"expected {token!r}")
        self.i += len(token)

    def record(self, path: KeyPath) -> None:
        self.lines.setdefault(path, self.line)

    # ---------------------------------------------------------------- structure

    def document(self) -> None:
        current: KeyPath = ()
        while self.i < len(self.s):
            self.spaces(newlines=True)
            if self.i >= len(self.s):
                return
            if self.s.startswith("[[", self.i):
                self.i += 2
                keys = self.keys()
                self.expect("]]")
                table = self.resolve(keys[:-1]) + (keys[-1],)
                index = self.arrays_of_tables.get(table, -1) + 1
                self.arrays_of_tables[table] = index
                current = (*table, index)
                self.record(table)
                self.record(current)
            elif self.peek() == "[":
                self.i += 1
                keys = self.keys()
                self.expect("]")
                current = self.resolve(keys)
                self.record(current)
            else:
                keys = self.keys()
                self.expect("=")
                self.key_value(current, keys)
                continue
            self.to_line_end()

    def resolve(self, keys: list[str]) -> KeyPath:
        """A header's keys as a path: through an array of tables means its last table."""
        path: KeyPath = ()
        for k in keys:
            path = (*path, k)
            self.record(path)  # [a.b] with no [a] of its own: a is written here too
            if path in self.arrays_of_tables:
                path = (*path, self.arrays_of_tables[path])
        return path

    def key_value(self, table: KeyPath, keys: list[str]) -> None:
        for n in range(1, len(keys) + 1):
            self.record((*table, *keys[:n]))
        self.value((*table, *keys))

    def keys(self) -> list[str]:
        """A dotted key: bare, "basic" or 'literal' parts."""
        parts: list[str] = []
        while True:
            self.spaces()
            c = self.peek()
            if c in "\"'":
                start = self.i
                self.string()
                raw = self.s[start:self.i]
                parts.append(tomllib.loads(f"k = {raw}")["k"] if "\\" in raw else raw[1:-1])
            else:
                start = self.i
                while self.peek() in _BARE and self.peek():
                    self.i += 1
                if self.i == start:
                    raise ValueError("expected a key")
                parts.append(self.s[start:self.i])
            self.spaces()
            if self.peek() != ".":
                return parts
            if len(parts) >= MAX_PARTS:
                raise TooDeep(self.line)
            self.i += 1

    def value(self, path: KeyPath) -> None:
        """One value at `path`; arrays and inline tables through an explicit stack."""
        stack: list[list] = []  # ["array", path, index] or ["table", path]
        self.start_value(path, stack)
        while stack:
            top = stack[-1]
            self.spaces(newlines=True)
            c = self.peek()
            if not c:
                raise ValueError("unterminated value")
            if top[0] == "array":
                if c == "]":
                    stack.pop()
                    self.i += 1
                elif c == ",":
                    top[2] += 1
                    self.i += 1
                else:
                    item = (*top[1], top[2])
                    self.record(item)
                    self.start_value(item, stack)
            elif c == "}":
                stack.pop()
                self.i += 1
            elif c == ",":
                self.i += 1
            else:
                keys = self.keys()
                self.expect("=")
                for n in range(1, len(keys) + 1):
                    self.record((*top[1], *keys[:n]))
                self.start_value((*top[1], *keys), stack)

    def start_value(self, path: KeyPath, stack: list[list]) -> None:
        self.spaces()
        c = self.peek()
        if c in "[{" and len(path) >= MAX_PARTS:
            raise TooDeep(self.line)
        if c == "[":
            self.i += 1
            stack.append(["array", path, 0])
        elif c == "{":
            self.i += 1
            stack.append(["table", path])
        elif c in "\"'":
            self.string()
        else:  # number, boolean, date: up to the next delimiter
            while self.peek() and self.peek() not in ",]}\n#":
                self.i += 1

    def string(self) -> None:
        q = self.peek()
        if self.s.startswith(q * 3, self.i):
            self.i += 3
            while True:
                j = self.s.find(q * 3, self.i)
                if j < 0:
                    raise ValueError("unterminated string")
                if q == '"' and _escaped(self.s, j):
                    self.line += self.s.count("\n", self.i, j + 1)
                    self.i = j + 1
                    continue
                self.line += self.s.count("\n", self.i, j)
                self.i = j + 3
                while self.peek() == q:  # up to two quotes may end the content
                    self.i += 1
                return
        self.i += 1
        while True:
            c = self.peek()
            if not c or c == "\n":
                raise ValueError("unterminated string")
            self.i += 1
            if c == "\\" and q == '"':
                self.i += 1
            elif c == q:
                return


def _escaped(s: str, j: int) -> bool:
    n = 0
    while j - 1 - n >= 0 and s[j - 1 - n] == "\\":
        n += 1
    return n % 2 == 1


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of `path`, else of its nearest written ancestor (a missing key: the line
    of its table's header); None when nothing on the way is written."""
    for n in range(len(path), 0, -1):
        line = lines.get(path[:n])
        if line is not None:
            return line
    return None


def key_text(path: KeyPath) -> str:
    """('draws', 3, 'tests') -> 'draws[3].tests', as every message writes a key path."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
