"""The README and docs/ stay true: every link resolves, every command shown parses, every
page can be reached from the README, and the README stays short.

Commands are taken from the ```sh blocks of README.md and docs/*.md. Each
`.venv/bin/icu-dashboard ...` and `.venv/bin/replay-data ...` is handed to its console-script
entry point (from pyproject.toml, so a restructured CLI is followed) in one child process
whose `ArgumentParser.parse_args` stops right after parsing: the command reaches the parser
its first word selects and is parsed exactly as typed, but nothing runs, so a command that
names files that do not exist here (a session log, a credentials file) is still checked.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_LIMIT = 10_000  # bytes: "a README under 10 kB"
TOOLS = ("icu-dashboard", "replay-data")  # the console scripts a reader is shown
TWO_COMMANDS = ("bash scripts/setup.sh && .venv/bin/icu-dashboard",
                "bash scripts/setup.sh && .venv/bin/python -m pytest")


def doc_pages() -> list[Path]:
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


# ----------------------------------------------------------------------------- markdown

_FENCE = re.compile(r"^(```|~~~)(.*)$")


def fenced_blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """(info string, line number of the first content line, lines) of each fenced block."""
    blocks, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i].strip())
        if not m:
            i += 1
            continue
        fence, info, start, body = m.group(1), m.group(2).strip(), i + 2, []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        blocks.append((info, start, body))
        i += 1
    return blocks


def prose(text: str) -> str:
    """The text without fenced blocks and inline code (a `[x](y)` there is not a link;
    a `# comment` in a shell block is not a heading). Line numbers are kept."""
    out, in_fence, fence = [], False, ""
    for line in text.splitlines():
        m = _FENCE.match(line.strip())
        if m and (not in_fence or line.strip().startswith(fence)):
            in_fence, fence = (not in_fence), m.group(1)
            out.append("")
            continue
        out.append("" if in_fence else re.sub(r"`[^`]*`", "``", line))
    return "\n".join(out)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    return "".join(c for c in text if c.isalnum() or c in " -_").replace(" ", "-")


def headings_as_written(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    kept = prose(text).splitlines()
    return [line for line, blank in zip(text.splitlines(), kept)
            if re.match(r"^#{1,6}\s", blank)]


def page_anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for line in headings_as_written(path):
        base = slug(re.sub(r"^#{1,6}\s+", "", line).rstrip("# "))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def links(path: Path) -> list[tuple[int, str]]:
    """(line, target) of every markdown link and image outside code."""
    out = []
    for n, line in enumerate(prose(path.read_text(encoding="utf-8")).splitlines(), 1):
        out += [(n, m.group(1)) for m in _LINK.finditer(line)]
    return out


def relative_links(path: Path) -> list[tuple[int, str]]:
    return [(n, t) for n, t in links(path)
            if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.IGNORECASE)]


def broken_links(path: Path) -> list[str]:
    problems = []
    for n, target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        where = f"{_rel(path)}:{n}: {target}"
        if not dest.is_file():
            problems.append(f"{where}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in page_anchors(dest):
            problems.append(f"{where}: no heading #{anchor} in {_rel(dest)}")
    return problems


# ----------------------------------------------------------------------------- commands


def shell_commands(path: Path) -> list[tuple[int, list[str]]]:
    """(line, tokens) of each simple command in the ```sh blocks: continuation lines
    joined, comments dropped, split at `&&`, `||`, `|` and `;`."""
    out = []
    for info, start, body in fenced_blocks(path.read_text(encoding="utf-8")):
        if info not in ("sh", "bash", "shell", "console"):
            continue
        logical, first = "", None
        for k, line in enumerate(body):
            first = start + k if first is None else first
            if line.rstrip().endswith("\\"):
                logical += line.rstrip()[:-1] + " "
                continue
            logical += line
            lex = shlex.shlex(logical, posix=True, punctuation_chars=True)
            lex.whitespace_split = True
            command: list[str] = []
            for tok in [*lex, ";"]:
                if tok and set(tok) <= set("&|;"):
                    if command:
                        out.append((first, command))
                    command = []
                else:
                    command.append(tok)
            logical, first = "", None
    return out


def tool_commands() -> list[tuple[str, str, list[str]]]:
    """(where, tool, arguments) of every icu-dashboard / replay-data command shown."""
    out = []
    for page in doc_pages():
        for line, tokens in shell_commands(page):
            for i, tok in enumerate(tokens):
                if tok.startswith(".venv/bin/") and tok.removeprefix(".venv/bin/") in TOOLS:
                    out.append((f"{_rel(page)}:{line}", tok.removeprefix(".venv/bin/"),
                                tokens[i + 1:]))
                    break
    return out


def python_scripts() -> list[tuple[str, str]]:
    """(where, script) of every `.venv/bin/python SCRIPT.py ...` shown."""
    out = []
    for page in doc_pages():
        for line, tokens in shell_commands(page):
            for i, tok in enumerate(tokens[:-1]):
                if tok == ".venv/bin/python" and tokens[i + 1].endswith(".py"):
                    out.append((f"{_rel(page)}:{line}", tokens[i + 1]))
    return out


# The child: every parser stops right after parsing (Parsed is not an Exception, so no
# `except` of the program catches it), and each command goes through its entry point.
_PARSE_ONLY = r"""
import argparse, contextlib, importlib, io, json, sys

class Parsed(BaseException):
    pass

_parse_args = argparse.ArgumentParser.parse_args

def parse_args(self, args=None, namespace=None):
    _parse_args(self, args, namespace)
    raise Parsed(self.prog)

argparse.ArgumentParser.parse_args = parse_args
entry_points = json.loads(sys.argv[1])
results = []
for tool, args in json.loads(sys.stdin.read()):
    module, _, func = entry_points[tool].partition(":")
    main = getattr(importlib.import_module(module), func)
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(io.StringIO()):
            rc = main(list(args))
        results.append({"prog": None, "error": f"exit {rc} before parsing: "
                                               + said.getvalue().strip()})
    except Parsed as p:
        results.append({"prog": str(p), "error": None})
    except SystemExit as e:
        ok = e.code in (0, None) and "--help" in args
        results.append({"prog": tool if ok else None,
                        "error": None if ok else f"exit {e.code}: {said.getvalue().strip()}"})
    except Exception as e:
        results.append({"prog": None, "error": f"{type(e).__name__}: {e}"})
print(json.dumps(results))
"""


def entry_points() -> dict[str, str]:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    return {tool: scripts[tool] for tool in TOOLS}


def parse_in_child(commands: list[tuple[str, list[str]]]) -> list[dict]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    p = subprocess.run([sys.executable, "-c", _PARSE_ONLY, json.dumps(entry_points())],
                       input=json.dumps(commands), capture_output=True, text=True, cwd=ROOT,
                       env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def parsed() -> dict[tuple[str, str, tuple[str, ...]], dict]:
    shown = tool_commands()
    results = parse_in_child([(tool, args) for _, tool, args in shown])
    return {(where, tool, tuple(args)): r for (where, tool, args), r in zip(shown, results)}


def expected_prog(tool: str, args: list[str]) -> str:
    """The parser a command must reach: `icu-dashboard monitor ...` the monitor's."""
    if tool == "icu-dashboard" and args and not args[0].startswith("-"):
        return f"{tool} {args[0]}"
    return tool


# ----------------------------------------------------------------------------- tests


def test_readme_is_short() -> None:
    size = len(README.read_bytes())
    assert size < README_LIMIT, (f"README.md is {size} bytes (limit {README_LIMIT}): move "
                                 "the detail into docs/ and link it")


def test_readme_shows_the_two_commands() -> None:
    commands = [" ".join(body).strip() for info, _, body in
                fenced_blocks(README.read_text(encoding="utf-8")) if info == "sh"]
    for command in TWO_COMMANDS:
        assert command in commands, f"README.md no longer shows `{command}` in a sh block"


@pytest.mark.parametrize("page", doc_pages(), ids=_rel)
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_every_doc_page_is_reached_from_the_readme() -> None:
    reached, todo = {README.resolve()}, [README]
    while todo:
        page = todo.pop()
        for _, target in relative_links(page):
            dest = (page.parent / target.partition("#")[0]).resolve()
            if dest.suffix == ".md" and dest.is_file() and dest not in reached:
                reached.add(dest)
                todo.append(dest)
    missing = [_rel(p) for p in doc_pages() if p.resolve() not in reached]
    assert missing == [], f"not linked from README.md or a page it links: {missing}"


def test_commands_are_found() -> None:
    """The extraction itself: the README's own commands are among those checked."""
    shown = {(tool, " ".join(args)) for where, tool, args in tool_commands()
             if where.startswith("README.md")}
    assert ("icu-dashboard", "") in shown
    assert ("icu-dashboard", "monitor --console ecmo --console vent") in shown
    assert any(tool == "replay-data" for _, tool, _ in tool_commands())


@pytest.mark.parametrize("where,tool,args", tool_commands(),
                         ids=[f"{w} {t} {' '.join(a)}"[:90] for w, t, a in tool_commands()])
def test_every_command_shown_parses(parsed, where: str, tool: str, args: list[str]) -> None:
    result = parsed[(where, tool, tuple(args))]
    shown = shlex.join([f".venv/bin/{tool}", *args])
    assert result["error"] is None, f"{where}: `{shown}`: {result['error']}"
    assert result["prog"] == expected_prog(tool, args), (
        f"{where}: `{shown}` reached the parser of {result['prog']!r}")


@pytest.mark.parametrize("where,script", python_scripts(),
                         ids=[f"{w} {s}" for w, s in python_scripts()])
def test_every_python_script_shown_exists(where: str, script: str) -> None:
    assert (ROOT / script).is_file(), f"{where}: {script}: no such file"
