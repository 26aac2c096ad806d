"""Alarm profiles: shipped files load, inherit, and bad ones fail with file + key."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alarm_support import ADULT, ECMO

from dashboard.alarms import AlarmKind, Category, Priority, ProfileError, available_profiles
from dashboard.alarms.profile import load_profile, profile_from_toml

ROOT = Path(__file__).resolve().parents[3]


def test_shipped_profiles_load():
    assert {"adult_icu", "sle_dah_ecmo"} <= set(available_profiles())
    assert ADULT.name == "Adult ICU"
    assert ECMO.source == "sle_dah_ecmo.toml <- adult_icu.toml"


def test_adult_defaults_from_clinical_md():
    hr_low, hr_high = ADULT.rule("hr.low"), ADULT.rule("hr.high")
    assert [lv.primary.value for lv in hr_low.levels] == [50, 40]
    assert [lv.primary.value for lv in hr_high.levels] == [120, 150]
    assert hr_high.levels[1].priority is Priority.HIGH
    desat = ADULT.rule("spo2.low").levels[1]
    assert (desat.primary.value, desat.delay_s, desat.message) == (80, 0, "Desat")
    assert not desat.switchable
    apnea = ADULT.rule("rr.low").levels[1]
    assert (apnea.delay_s, apnea.priority, apnea.switchable) == (20, Priority.HIGH, False)
    assert ADULT.audio_pause_s == 120
    assert ADULT.latching == {Priority.HIGH: True, Priority.MEDIUM: False, Priority.LOW: False}


def test_ecmo_profile_inherits_overrides_and_adds():
    assert ECMO.rule("spo2.low").levels[0].primary.value == 88  # override
    assert ECMO.rule("spo2.low").levels[0].delay_s == 10  # inherited from adult_icu
    assert ECMO.rule("hr.high").levels[0].primary.value == 140  # this patient (assumed)
    flow = ECMO.rule("ecmo_flow.low")
    assert [lv.primary.value for lv in flow.levels] == [2.0, 1.0]
    assert flow.kind is AlarmKind.TECHNICAL and flow.category is Category.ARTIFICIAL_PERFUSION
    assert [lv.primary.value for lv in ECMO.rule("p_venous.low").levels] == [-80, -100]
    assert [lv.primary.value for lv in ECMO.rule("delta_p.high").levels] == [50, 100]
    assert [lv.hold_s for lv in ECMO.rule("p_venous.low").levels] == [10, 10]
    assert ECMO.rule("p_int.high").levels[0].primary.value == 350
    with pytest.raises(KeyError):  # a lab result is flagged, not alarmed
        ECMO.rule("act_low")
    assert not ECMO.rule("pump_stopped").switchable
    with pytest.raises(KeyError):
        ADULT.rule("pump_stopped")


def test_profiles_mark_every_ecmo_number_as_assumed():
    text = (ROOT / "resources/alarm_profiles/sle_dah_ecmo.toml").read_text()
    body = text.split("# " + "-" * 66 + " ECMO")[1]
    for line in body.splitlines():
        key = line.split("=")[0].strip()
        if key in ("limit", "delay_s", "hysteresis") or "value =" in line:
            assert "assumed default" in line, line


def test_no_clinical_numbers_in_python():
    """Limits live in TOML: none of the default limits is a number in the code."""
    clinical = {40, 50, 80, 88, 90, 110, 120, 150, 160, -80, -100, 38.5, 36.0}
    found = set()
    for path in (ROOT / "dashboard/alarms").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
                node = node.operand
                sign = -1
            else:
                sign = 1
            if isinstance(node, ast.Constant) and type(node.value) in (int, float):
                if sign * node.value in clinical:
                    found.add((path.name, sign * node.value))
    assert not found


def test_alarm_core_imports_without_qt():
    code = textwrap.dedent(
        """
        import sys
        for name in ("PySide6", "PyQt5", "PyQt6", "pyqtgraph"):
            sys.modules[name] = None  # any import of these now fails
        import dashboard.alarms, dashboard.alarms.sound, dashboard.alarms.timeline
        import dashboard.alarms.log
        assert not any(m.startswith(("PySide6", "PyQt", "pyqtgraph")) and sys.modules[m]
                       for m in sys.modules)
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# ------------------------------------------------------------------ errors

GOOD = (ROOT / "resources/alarm_profiles/adult_icu.toml").read_text()


def load_text(tmp_path: Path, text: str, name: str = "mine.toml"):
    p = tmp_path / name
    p.write_text(text)
    return load_profile(p)


def test_profile_error_is_a_value_error_naming_file_and_key(tmp_path):
    bad = GOOD.replace("delay_s = 6                       # IBP", 'delay_s = "six"  # IBP', 1)
    with pytest.raises(ProfileError) as info:
        load_text(tmp_path, bad)
    assert isinstance(info.value, ValueError)
    msg = str(info.value)
    assert msg.startswith(str(tmp_path / "mine.toml"))
    assert "parameters.abp_sys.low.delay_s" in msg and "'six'" in msg


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('inherits = "adult_icu"\n[parameters.hr.low]\nlimit = "fifty"\n',
         "parameters.hr.low.limit", "finite number"),
        ('inherits = "adult_icu"\n[parameters.hr.low]\ndealy_s = 3\n',
         "parameters.hr.low.dealy_s", "unknown key"),
        ('inherits = "adult_icu"\n[parameters.hr.low]\npriority = "urgent"\n',
         "parameters.hr.low.priority", "one of high, medium, low"),
        ('inherits = "adult_icu"\n[parameters.hr.low.extreme]\nlimit = 60\n',
         "parameters.hr.low.extreme.limit", "must be below the low limit"),
        ('inherits = "adult_icu"\n[parameters.hr.low.extreme]\npriority = "medium"\n',
         "parameters.hr.low.extreme.priority", "always high"),
        ('inherits = "adult_icu"\n[parameters.hr.low]\nlimit = 130\n',
         "parameters.hr.low.limit", "below the high limit"),
        ('inherits = "adult_icu"\n[parameters.spO2.low]\nlimit = 1\n',
         "parameters.spO2", "unknown channel"),
        ('inherits = "adult_icu"\n[parameters.cvp]\ncategory = "cardiovascular"\n'
         '[parameters.cvp.high]\nlimit = 20\npriority = "low"\ndelay_s = 5\n',
         "parameters.cvp.high.message", "missing"),
        ('inherits = "adult_icu"\n[conditions.x]\nkind = "technical"\ncategory = "general"\n'
         'priority = "low"\ndelay_s = 0\nmessage = "x"\nwhen = [{ channel = "hr", op = "=<", '
         'value = 1 }]\n', "conditions.x.when[0].op", "must be one of"),
        ('inherits = "adult_icu"\n[conditions.x]\nkind = "technical"\ncategory = "general"\n'
         'priority = "low"\ndelay_s = 0\nmessage = "x"\nwhen = [{ flag = "bubbles" }]\n',
         "conditions.x.when[0].flag", "unknown flag"),
        ('inherits = "adult_icu"\n[conditions.x]\nkind = "technical"\ncategory = "general"\n'
         'priority = "low"\ndelay_s = 0\nmessage = "x"\nwhen = [{ channel = "hr", op = "<" }]\n',
         "conditions.x.when[0]", "exactly one of value"),
        ('inherits = "adult_icu"\n[sound.low]\npulses = 3\n', "sound.low.pulses", "1 or 2"),
        ('inherits = "adult_icu"\n[system]\naudio_pause_s = -1\n',
         "system.audio_pause_s", ">= 1"),
        ('inherits = "adult_icu"\ncolour = "red"\n', "colour", "unknown key"),
    ],
)  # fmt: skip
def test_malformed_profiles(tmp_path, text, key, problem):
    with pytest.raises(ProfileError) as info:
        load_text(tmp_path, text)
    err = info.value
    assert err.key == key
    assert problem in err.problem
    assert err.where == str(tmp_path / "mine.toml")


def test_error_in_an_inherited_value_names_the_parent_file(tmp_path):
    (tmp_path / "base.toml").write_text(GOOD.replace("limit = 38.5", "limit = nan", 1))
    with pytest.raises(ProfileError) as info:
        load_text(tmp_path, 'inherits = "base"\nname = "child"\n')
    assert info.value.where == str(tmp_path / "base.toml")
    assert info.value.key == "parameters.temp.high.limit"


def test_invalid_toml_unknown_parent_and_cycles(tmp_path):
    with pytest.raises(ProfileError, match="invalid TOML"):
        load_text(tmp_path, "name = \n")
    with pytest.raises(ProfileError, match="unknown alarm profile 'nope'"):
        load_text(tmp_path, 'inherits = "nope"\n')
    (tmp_path / "a.toml").write_text('inherits = "b"\n')
    (tmp_path / "b.toml").write_text('inherits = "a"\n')
    with pytest.raises(ProfileError, match="inheritance cycle"):
        load_profile(tmp_path / "a.toml")
    with pytest.raises(ProfileError, match="no such alarm profile file"):
        load_profile(tmp_path / "missing.toml")
    with pytest.raises(ProfileError, match="unknown alarm profile"):
        load_profile("missing_profile")


def test_child_can_disable_an_inherited_alarm():
    p = profile_from_toml('inherits = "adult_icu"\n[parameters.etco2.high]\nenabled = false\n')
    assert "etco2.high" not in [r.id for r in p.rules]


def test_the_channels_a_profile_may_name_are_the_catalogues():
    # One list: what a sample carries (replay_data.catalogue), not a second one typed here.
    from dashboard.alarms.conditions import known_channels
    from replay_data.catalogue import SAMPLED_RESULTS, load_catalogue

    cat = load_catalogue()
    assert known_channels() == set(cat.measured_numerics) | set(SAMPLED_RESULTS)
    assert not any(c.startswith("control.") for c in known_channels())
    # a channel the catalogue added (pulse pressure variation) can carry an alarm ...
    p = profile_from_toml('inherits = "adult_icu"\n[parameters.ppv]\ncategory = "cardiovascular"'
                          '\n[parameters.ppv.high]\nlimit = 20\npriority = "low"\ndelay_s = 5\n'
                          'message = "PPV high"\n')
    assert p.rule("ppv.high").channel == "ppv"
    # ... and a console setting cannot
    with pytest.raises(ProfileError, match="unknown channel"):
        profile_from_toml('inherits = "adult_icu"\n[parameters."control.vent.fio2".high]\n'
                          'limit = 1\npriority = "low"\ndelay_s = 5\nmessage = "x"\n')
