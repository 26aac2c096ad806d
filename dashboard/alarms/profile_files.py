"""Alarm profile files: read (through the one TOML reader), inherit and merge.

A profile may name a parent with ``inherits = "adult_icu"`` (a shipped profile, or a file
beside the child): tables merge key by key, and anything else (numbers, strings, arrays
such as ``when``) in the child replaces the parent's. Each merged key remembers the file
it came from, so an error names that file and the line the key is written on there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from replay_data.input_file import InputFileError, is_path_like
from replay_data.toml_reader import TomlDocument, read_toml, read_toml_resource

from .profile_model import ProfileError

PROFILE_PACKAGE = "resources.alarm_profiles"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")

# The merged data, where each key path came from, and the chain of files (child first).
Merged = tuple[dict[str, Any], dict[tuple[str, ...], str], list[str]]


def available_profiles() -> list[str]:
    """Names of the profiles shipped in resources/alarm_profiles."""
    root = resources.files(PROFILE_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def read_document(read: Callable[[], TomlDocument]) -> TomlDocument:
    """A file through the one hardened reader (kind, size, UTF-8, nesting, numbers)."""
    try:
        return read()
    except InputFileError as e:
        raise ProfileError(e.where, None, e.detail.replace("not valid TOML", "invalid TOML")
                           ) from None


def _read(name_or_path: str | os.PathLike[str], near: Path | None
          ) -> tuple[TomlDocument, Path | None]:
    """Return (the document, directory for sibling look-ups)."""
    s = os.fspath(name_or_path)
    if is_path_like(s):
        p = Path(s)
        return read_document(lambda: read_toml(p, "alarm profile")), p.parent
    if not _NAME.fullmatch(s):
        raise ProfileError(s, None, "an alarm profile is a name such as 'adult_icu' or a "
                                    "path to a .toml file")
    if near is not None and (near / f"{s}.toml").is_file():
        return _read(near / f"{s}.toml", None)
    res = resources.files(PROFILE_PACKAGE) / f"{s}.toml"
    if not res.is_file():
        known = ", ".join(available_profiles()) or "none"
        raise ProfileError(f"{s}.toml", None, f"unknown alarm profile {s!r} (shipped: {known})")
    return read_document(lambda: read_toml_resource(PROFILE_PACKAGE, f"{s}.toml", "alarm profile")
                  ), None


def load_merged(
    name_or_path: str | os.PathLike[str], chain: list[str], docs: dict[str, TomlDocument],
    near: Path | None = None,
) -> Merged:
    doc, folder = _read(name_or_path, near)
    where = doc.source
    if where in chain:
        raise ProfileError(where, "inherits", "inheritance cycle: " + " -> ".join([*chain, where]))
    docs[where] = doc
    return resolve(doc.data, where, folder, [*chain, where], docs)


def resolve(
    doc_data: dict[str, Any], where: str, folder: Path | None, chain: list[str],
    docs: dict[str, TomlDocument],
) -> Merged:
    raw = dict(doc_data)
    parent_name = raw.pop("inherits", None)
    own_prov: dict[tuple[str, ...], str] = {}
    _mark(raw, (), where, own_prov)
    if parent_name is None:
        return raw, own_prov, chain
    if not isinstance(parent_name, str) or not parent_name:
        raise ProfileError(where, "inherits", "must be a profile name such as 'adult_icu'")
    base, base_prov, full_chain = load_merged(parent_name, chain, docs, folder)
    merged = _merge(base, raw)
    base_prov.update(own_prov)
    return merged, base_prov, full_chain


def _mark(d: Mapping[str, Any], path: tuple[str, ...], where: str, prov: dict) -> None:
    prov[path] = where
    for k, v in d.items():
        if isinstance(v, dict):
            _mark(v, (*path, k), where, prov)
        else:
            prov[(*path, k)] = where


def _merge(base: dict[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in child.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out
