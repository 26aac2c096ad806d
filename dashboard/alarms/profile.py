"""Alarm profiles: load, inherit and validate TOML files into plain dataclasses.

Every clinical number (limit, delay, priority, hysteresis) and every alarm-system timing
lives in the profile files under resources/alarm_profiles; Python only knows the shape.
A profile may name a parent with ``inherits = "adult_icu"``: tables merge key by key,
and anything else (numbers, strings, arrays such as ``when``) in the child replaces the
parent's. Every error is a ProfileError naming the file, the line and the dotted key.

profile_model  the dataclasses and ProfileError
profile_files  reading (the one TOML reader), inheritance and merging
profile_rules  the merged data checked key by key into an AlarmProfile
"""

from __future__ import annotations

import os

from replay_data.toml_reader import TomlDocument, toml_text

from .profile_files import PROFILE_PACKAGE, available_profiles, load_merged, read_document, resolve
from .profile_model import AlarmGroup, AlarmProfile, ProfileError, ToneSpec
from .profile_rules import ProfileBuilder

__all__ = ["PROFILE_PACKAGE", "AlarmGroup", "AlarmProfile", "ProfileError", "ToneSpec",
           "available_profiles", "load_profile", "profile_from_toml"]


def load_profile(name_or_path: str | os.PathLike[str]) -> AlarmProfile:
    """Load a shipped profile by name ('sle_dah_ecmo') or a TOML file by path."""
    docs: dict[str, TomlDocument] = {}
    data, provenance, chain = load_merged(name_or_path, [], docs)
    return ProfileBuilder(data, provenance, " <- ".join(chain), docs).build()


def profile_from_toml(text: str, where: str = "<string>") -> AlarmProfile:
    """Build a profile from TOML text (tests, instructor tools); may inherit shipped ones."""
    doc = read_document(lambda: toml_text(text, where, "alarm profile"))
    docs = {where: doc}
    data, provenance, chain = resolve(doc.data, where, None, [where], docs)
    return ProfileBuilder(data, provenance, " <- ".join(chain), docs).build()
