"""`replay-data new`: a commented, valid starting scenario from a template, written as a
new file (never over one that exists).

The templates are resources/templates/*.toml; each names itself `<template>_template` as
its [scenario] id, replaced by an id made from the new file's name.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
from importlib import resources

from .errors import ReplayDataError
from .output_file import current_umask
from .output_path import check_output_path

# `replay-data new`: template name -> file in resources/templates. The default is the ICU
# patient: ventilator and arterial line are what most ICU cases have; an author takes the
# circuit out of nothing (vv-ecmo adds it) or the ventilator away (ward) from there.
TEMPLATES = {"ward": "ward.toml", "icu": "icu.toml", "vv-ecmo": "vv_ecmo.toml"}
DEFAULT_TEMPLATE = "icu"
TEMPLATE_PACKAGE = "resources.templates"


def template_text(name: str, scenario_id: str | None = None) -> str:
    """The template's text; its [scenario] id replaced by `scenario_id` when given."""
    text = resources.files(TEMPLATE_PACKAGE).joinpath(TEMPLATES[name]).read_text(
        encoding="utf-8")
    if scenario_id is None:
        return text
    own = f'id = "{TEMPLATES[name][:-5]}_template"'
    assert own in text, own  # each template names itself so
    return text.replace(own, f'id = "{scenario_id}"', 1)


def scenario_id_for(path: str) -> str:
    """A scenario id (letters, digits, _) from the file's name: my-case.toml -> my_case."""
    stem = re.sub(r"[^A-Za-z0-9_]", "_", os.path.basename(path)[:-len(".toml")])
    return stem if stem and not stem[0].isdigit() else f"scenario_{stem}"


def write_new_file(path: str, text: str, option: str) -> None:
    """Write `text` to a file that must not exist yet: written whole beside it, then
    linked to its name (a link never replaces a file, so one made meanwhile is kept and
    refused), so the name holds the whole text or nothing."""
    check_output_path(path, option)
    if os.path.lexists(path):
        raise ReplayDataError(f"{option} {path}: exists already; choose a new file name "
                              "(new never overwrites)")
    folder = os.path.dirname(os.path.abspath(path))
    # Signals held while the temporary file is made, so none leaves it behind (as in
    # replay_data.output_file.open_output).
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part",
                                   dir=folder)
    except OSError as exc:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise ReplayDataError(f"{option} {path}: {exc.strerror or exc}") from None
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~current_umask())
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, path)
    except FileExistsError:
        raise ReplayDataError(f"{option} {path}: exists already; choose a new file name "
                              "(new never overwrites)") from None
    except OSError as exc:
        raise ReplayDataError(f"{option} {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
