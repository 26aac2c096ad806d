"""AlarmEngine: the sequential, history-dependent half of the alarm system.

Three layers, each driven only by the case time passed in (never the wall clock):

1. conditions (conditions.RuleTracker): delay, hysteresis, escalation of each rule.
   Their raise / escalate / clear events are what timeline.py computes in one go.
2. signals: what the operator sees and hears. Acknowledge silences one alarm while its
   condition lasts; a latching alarm whose condition ended stays (LATCHED) until
   acknowledged; ALARM PAUSED holds back signals for conditions that start during it.
3. system inactivation: AUDIO PAUSED (countdown, broken through by a new alarm of higher
   priority than any present when it started), AUDIO OFF, ALARM PAUSED (countdown) and
   ALARM OFF per alarm (refused for alarms such as Desat, apnea, pump stop). The timed
   states and AUDIO OFF are kept by inactivation.Inactivation; ALARM OFF, per rule, here.

Rules in a group of the profile (one problem setting off several limits, e.g. ABP
systolic, diastolic and mean low) keep their own conditions but share one signal: one
alarm in the bar, the log and the audio, with the highest priority of its members
(groups.py). Their own crossings are logged as member_raise / member_clear details.

Every change comes back as AlarmChange records (records.py; they also go to the optional
sink, e.g. the JSON Lines log) in the order it happened. Changing limits: limits.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .conditions import AlarmRule, ConditionEvent, Level, RuleTracker
from .groups import ConditionChange, GroupTracker
from .inactivation import Inactivation
from .kinds import AlarmState, Priority
from .limits import check_limits, current_limits, with_normal_limit
from .profile import AlarmGroup, AlarmProfile
from .records import (
    AlarmChange,
    AlarmOffRefused,
    AlarmSignal,
    AlarmSink,
    InactivationStatus,
    LimitError,
    MemberReading,
)


@dataclass
class _Signal:
    rule: AlarmRule
    level: int
    priority: Priority
    state: AlarmState
    raised_at: float
    seq: int
    value: float | None
    limit: float | None
    condition_active: bool = True
    # A folded alarm's group (rule is then its lead member, whose value it reports).
    group: AlarmGroup | None = None

    @property
    def key(self) -> str:
        return self.rule.id if self.group is None else self.group.id

    @property
    def message(self) -> str:
        return self.rule.levels[self.level].message if self.group is None else \
            self.group.message


class AlarmEngine:
    """Consumes samples in case-time order; rebuild after a seek with reset()/rebuild()."""

    def __init__(self, profile: AlarmProfile, sink: AlarmSink | None = None) -> None:
        self.profile = profile
        self.sink = sink
        self._rules: dict[str, AlarmRule] = {r.id: r for r in profile.rules}
        self._groups: dict[str, AlarmGroup] = {g.id: g for g in profile.groups}
        self._group_of: dict[str, AlarmGroup] = {
            m: g for g in profile.groups for m in g.members}
        # Operator settings: survive reset() because they are not history.
        self._enabled: dict[str, tuple[bool, ...]] = {
            r.id: (True,) * len(r.levels) for r in profile.rules
        }
        self._inactivation = Inactivation()
        self.reset()

    # ------------------------------------------------------------------ history

    def reset(self, quiet_until: float | None = None) -> None:
        """Forget all history (conditions, signals, timed pauses) but keep settings
        (limits, AUDIO OFF, ALARM OFF). Then feed samples from t - window.

        quiet_until: changes before this case time are returned but not sent to the sink,
        so re-feeding the window before a seek target does not log those alarms again."""
        self._trackers = {rid: RuleTracker(r) for rid, r in self._rules.items()}
        self._group_trackers = {gid: GroupTracker() for gid in self._groups}
        self._signals: dict[str, _Signal] = {}
        self._seq = 0
        self._t: float | None = None
        self._values: Mapping[str, float] = {}
        self._inactivation.reset()
        self._quiet_until = -math.inf if quiet_until is None else float(quiet_until)

    def rebuild(self, samples: Iterable[tuple[float, Mapping[str, float], Iterable[str]]]) -> None:
        """reset(), then replay (t, values, flags) samples without writing to the sink:
        those conditions were already logged when the case first ran through them."""
        self.reset(quiet_until=math.inf)
        try:
            for t, values, flags in samples:
                self.update(t, values, flags)
        finally:
            self._quiet_until = -math.inf

    # ------------------------------------------------------------------ samples

    def update(
        self, t: float, values: Mapping[str, float], flags: Iterable[str] = frozenset()
    ) -> list[AlarmChange]:
        """Feed the sample at case time t; returns what changed (also sent to the sink)."""
        changes: list[AlarmChange] = []
        t = self._advance(t, changes)
        self._values = values
        flagset = flags if isinstance(flags, frozenset) else frozenset(flags)
        for rid, rule in self._rules.items():
            tracker = self._trackers[rid]
            tracker.update(rule, t, values, flagset)
            event = tracker.reconcile(self._enabled[rid])
            if event is not None:
                self._on_condition(t, rule, event, changes)
        for sig in self._signals.values():
            if sig.condition_active and sig.rule.channel is not None:
                sig.value = self._value(sig.rule.channel)
        return self._emit(changes)

    # ------------------------------------------------------------------ what to show

    def active_alarms(self) -> list[AlarmSignal]:
        """Signals to show: highest priority first, then newest first."""
        sigs = sorted(self._signals.values(), key=lambda s: (s.priority, s.seq), reverse=True)
        return [self._snapshot(s) for s in sigs]

    def audible_alarm(self) -> AlarmSignal | None:
        """The signal whose burst (priority + category melody) should sound now, or None."""
        if self._inactivation.silenced:
            return None
        for sig in self.active_alarms():
            if sig.state is AlarmState.ACTIVE or (
                sig.state is AlarmState.LATCHED and self.profile.latched_audible
            ):
                return sig
        return None

    def audible_priority(self) -> Priority | None:
        sig = self.audible_alarm()
        return None if sig is None else sig.priority

    def status(self) -> InactivationStatus:
        now = self._t if self._t is not None else 0.0
        return self._inactivation.status(
            now, frozenset(rid for rid, en in self._enabled.items() if not all(en)))

    def limits(self, parameter: str) -> tuple[float | None, float | None]:
        """Current (low, high) alarm limits of a parameter; None where it has none."""
        return current_limits(self._rules, parameter)

    # ------------------------------------------------------------------ operator actions

    def acknowledge(self, t: float, alarm_id: str | None = None) -> list[AlarmChange]:
        """Silence one alarm (or all with None); a latched alarm is removed. A folded
        alarm is acknowledged by its group id or any member's id: one problem, one
        acknowledgement (a member crossing later joins it silenced; a higher priority
        sounds again, as any escalation does)."""
        changes: list[AlarmChange] = []
        t = self._advance(t, changes)
        if alarm_id is not None and alarm_id not in self._rules and alarm_id not in self._groups:
            raise ValueError(f"unknown alarm id {alarm_id!r}")
        key = None if alarm_id is None else self._key(alarm_id)
        targets = (
            list(self._signals.values())
            if key is None
            else ([self._signals[key]] if key in self._signals else [])
        )
        for sig in targets:
            if sig.state is AlarmState.ACKNOWLEDGED:
                continue
            if sig.state is AlarmState.LATCHED:
                del self._signals[sig.key]
            else:
                sig.state = AlarmState.ACKNOWLEDGED
            changes.append(self._signal_change(t, "acknowledge", sig))
        return self._emit(changes)

    def audio_pause(self, t: float, on: bool = True) -> list[AlarmChange]:
        """Start (or restart) AUDIO PAUSED for the profile's time; on=False ends it."""
        changes: list[AlarmChange] = []
        t = self._advance(t, changes)
        if on:
            ceiling = max((int(s.priority) for s in self._signals.values()), default=0)
            changes.append(self._inactivation.start_audio_pause(
                t, self.profile.audio_pause_s, ceiling))
        else:
            self._note(changes, self._inactivation.end_audio_pause(t))
        return self._emit(changes)

    def audio_off(self, t: float, on: bool) -> list[AlarmChange]:
        """AUDIO OFF until switched back (no countdown, no break-through)."""
        changes: list[AlarmChange] = []
        t = self._advance(t, changes)
        self._note(changes, self._inactivation.set_audio_off(t, on))
        return self._emit(changes)

    def alarm_pause(self, t: float, on: bool = True) -> list[AlarmChange]:
        """Start (or restart) ALARM PAUSED: no new alarm signals until it ends."""
        changes: list[AlarmChange] = []
        t = self._advance(t, changes)
        if on:
            changes.append(self._inactivation.start_alarm_pause(t, self.profile.alarm_pause_s))
        elif self._inactivation.alarm_paused:
            self._end_alarm_pause(t, "by operator", changes)
        return self._emit(changes)

    def alarm_off(self, t: float, target: str, on: bool = True) -> list[AlarmChange]:
        """ALARM OFF (on=True) or back on for an alarm id ('hr.low') or a parameter ('hr').

        Levels that may not be switched off (Desat below SpO2 low, apnea below RR low)
        stay on; if nothing of the target could be switched off, AlarmOffRefused."""
        changes: list[AlarmChange] = []
        t = self._advance(t, changes)
        rules = self._resolve(target)
        if on and not any(r.switchable for r in rules):
            names = ", ".join(lv.message for r in rules for lv in r.levels)
            raise AlarmOffRefused(f"{names}: this alarm cannot be switched off")
        for rule in rules:
            new = tuple((not lv.switchable) if on else True for lv in rule.levels)
            if new == self._enabled[rule.id] or (on and not rule.switchable):
                continue
            self._enabled[rule.id] = new
            stays = [lv.message for lv, en in zip(rule.levels, new, strict=True) if en]
            note = f" ({', '.join(stays)} stays on)" if on and stays else ""
            changes.append(
                self._change(
                    t,
                    "alarm_off" if on else "alarm_on",
                    rule,
                    0,
                    self._value(rule.channel),
                    message=f"{rule.levels[0].message} alarm {'off' if on else 'on'}" + note,
                )
            )
            event = self._trackers[rule.id].reconcile(new)
            if event is not None:
                self._on_condition(t, rule, event, changes, cause="alarm_off" if on else None)
            key = self._key(rule.id)
            sig = self._signals.get(key)
            group = self._groups.get(key)
            members = group.members if group is not None else (rule.id,)
            all_off = not any(any(self._enabled[m]) for m in members)
            if on and sig is not None and sig.state is AlarmState.LATCHED and all_off:
                del self._signals[key]
        return self._emit(changes)

    def set_limits(
        self, t: float, parameter: str, low: float | None = None, high: float | None = None
    ) -> list[AlarmChange]:
        """Change a parameter's normal alarm limits (extreme limits stay as profiled)."""
        changes: list[AlarmChange] = []
        t = self._advance(t, changes)
        check_limits(self._rules, self.profile, parameter, low, high)
        for side, value in (("low", low), ("high", high)):
            if value is None:
                continue
            rule, old = with_normal_limit(self._rules[f"{parameter}.{side}"], value)
            self._rules[rule.id] = rule
            for sig in self._signals.values():
                if sig.rule.id == rule.id:
                    sig.rule = rule
            group = self._group_of.get(rule.id)
            if group is not None:
                self._group_trackers[group.id].renamed(rule)
            changes.append(
                self._change(
                    t,
                    "limits_changed",
                    rule,
                    0,
                    self._value(rule.channel),
                    message=f"{rule.levels[0].message} limit {old:g} -> {value:g}",
                )
            )
        return self._emit(changes)

    # ------------------------------------------------------------------ internals

    def _advance(self, t: float, changes: list[AlarmChange]) -> float:
        t = float(t)
        if math.isnan(t):
            raise ValueError("case time is NaN")
        if self._t is not None and t < self._t:
            raise ValueError(
                f"case time went back from {self._t:g} to {t:g} s: call reset() (or rebuild()) "
                "after a seek"
            )
        self._t = t
        audio, alarm_pause_ran_out = self._inactivation.expire(t)
        self._note(changes, audio)
        if alarm_pause_ran_out is not None:
            self._end_alarm_pause(alarm_pause_ran_out, "expired", changes)
        return t

    @staticmethod
    def _note(changes: list[AlarmChange], change: AlarmChange | None) -> None:
        if change is not None:
            changes.append(change)

    def _end_alarm_pause(self, t: float, why: str, changes: list[AlarmChange]) -> None:
        changes.append(self._inactivation.end_alarm_pause(t, why))
        # Ending a state restores the signals of alarms whose condition is still present.
        for rid, tracker in self._trackers.items():
            key = self._key(rid)
            if not tracker.active or key in self._signals:
                continue
            group = self._groups.get(key)
            if group is None:
                self._new_signal(t, self._rules[rid], tracker.peak, changes)
            else:
                lead = self._group_trackers[key].lead
                if lead is not None:
                    self._new_signal(t, lead[0], lead[1], changes, group)

    def _key(self, alarm_id: str) -> str:
        """The signal an alarm id shows in: its group's for a folded member."""
        group = self._group_of.get(alarm_id)
        return alarm_id if group is None else group.id

    def _resolve(self, target: str) -> list[AlarmRule]:
        if target in self._rules:
            return [self._rules[target]]
        if target in self._groups:
            return [self._rules[m] for m in self._groups[target].members]
        rules = [r for r in self._rules.values() if r.parameter == target]
        if not rules:
            raise ValueError(f"unknown alarm or parameter {target!r}")
        return rules

    def _value(self, channel: str | None) -> float | None:
        return None if channel is None else float(self._values.get(channel, math.nan))

    def _change(
        self,
        t: float,
        event: str,
        rule: AlarmRule,
        level: int,
        value: float | None,
        message: str | None = None,
        alarm_id: str | None = None,
    ) -> AlarmChange:
        lv = rule.levels[level]
        return AlarmChange(
            case_time=t,
            event=event,
            alarm_id=rule.id if alarm_id is None else alarm_id,
            channel=rule.channel,
            value=value,
            limit=lv.limit(self._values),
            priority=lv.priority,
            message=lv.message if message is None else message,
            kind=rule.kind,
            category=rule.category,
        )

    def _signal_change(self, t: float, event: str, sig: _Signal) -> AlarmChange:
        return AlarmChange(
            case_time=t,
            event=event,
            alarm_id=sig.key,
            channel=sig.rule.channel,
            value=sig.value,
            limit=sig.limit,
            priority=sig.priority,
            message=sig.message,
            kind=sig.rule.kind,
            category=sig.rule.category,
        )

    def _on_condition(
        self,
        t: float,
        rule: AlarmRule,
        ev: ConditionEvent,
        changes: list[AlarmChange],
        cause: str | None = None,
    ) -> None:
        group = self._group_of.get(rule.id)
        value = self._value(rule.channel)
        if group is None:
            changes.append(self._change(t, ev.event, rule, ev.level, value))
            self._on_signal(t, rule.id, ConditionChange(ev.event, rule, ev.level), changes, cause)
            return
        # The member's own crossing, for the log's detail; the alarm is the group's.
        lv = rule.levels[ev.level]
        changes.append(self._change(t, f"member_{ev.event}", rule, ev.level, value,
                                    message=f"{lv.message} (in {group.message})"))
        gev = self._group_trackers[group.id].update(rule, ev)
        if gev is None:
            return
        changes.append(self._change(t, gev.event, gev.rule, gev.level,
                                    self._value(gev.rule.channel), message=group.message,
                                    alarm_id=group.id))
        self._on_signal(t, group.id, gev, changes, cause, group)

    def _on_signal(
        self,
        t: float,
        key: str,
        ev: ConditionChange,
        changes: list[AlarmChange],
        cause: str | None,
        group: AlarmGroup | None = None,
    ) -> None:
        """The signal `key` (a rule's or a group's) follows its condition's event."""
        sig = self._signals.get(key)
        if ev.event == "raise":
            if sig is not None:  # a latched signal whose condition came back
                sig.condition_active = True
                sig.state = AlarmState.ACTIVE
                sig.raised_at = t
                self._raise_signal_level(t, sig, ev.rule, ev.level, changes)
            elif not self._inactivation.alarm_paused:
                self._new_signal(t, ev.rule, ev.level, changes, group)
        elif ev.event == "escalate":
            if sig is not None:
                sig.state = AlarmState.ACTIVE  # more urgent than what was acknowledged
                self._raise_signal_level(t, sig, ev.rule, ev.level, changes)
        elif sig is not None:  # clear
            sig.condition_active = False
            latch = (
                cause is None
                and sig.state is AlarmState.ACTIVE
                and self.profile.latches(sig.rule, sig.priority)
            )
            if latch:
                sig.state = AlarmState.LATCHED
            else:
                del self._signals[key]

    def _new_signal(self, t: float, rule: AlarmRule, level: int, changes: list,
                    group: AlarmGroup | None = None) -> None:
        lv = rule.levels[level]
        self._seq += 1
        sig = _Signal(
            rule=rule,
            level=level,
            priority=lv.priority,
            state=AlarmState.ACTIVE,
            raised_at=t,
            seq=self._seq,
            value=self._value(rule.channel),
            limit=lv.limit(self._values),
            group=group,
        )
        self._signals[sig.key] = sig
        self._break_through(t, lv, rule, changes)

    def _raise_signal_level(self, t: float, sig: _Signal, rule: AlarmRule, level: int,
                            changes: list) -> None:
        lv = rule.levels[level]
        # A latched signal keeps the higher priority it had until someone acknowledges it.
        if lv.priority >= sig.priority:
            sig.rule, sig.level, sig.priority = rule, level, lv.priority
            sig.limit = lv.limit(self._values)
            sig.value = self._value(rule.channel)
        self._seq += 1  # ordering: it is now the newest at its priority
        sig.seq = self._seq
        self._break_through(t, lv, rule, changes)

    def _break_through(self, t: float, lv: Level, rule: AlarmRule, changes: list) -> None:
        self._note(changes, self._inactivation.break_through(t, lv, rule))

    def _snapshot(self, s: _Signal) -> AlarmSignal:
        return AlarmSignal(
            alarm_id=s.key,
            channel=s.rule.channel,
            kind=s.rule.kind,
            category=s.rule.category,
            priority=s.priority,
            state=s.state,
            message=s.message,
            value=s.value,
            limit=s.limit,
            raised_at=s.raised_at,
            condition_active=s.condition_active,
            members=() if s.group is None else self._members(s.group),
        )

    def _members(self, group: AlarmGroup) -> tuple[MemberReading, ...]:
        """The members of a folded alarm whose condition is present, with their values."""
        active = self._group_trackers[group.id].active
        out: list[MemberReading] = []
        for rid, label in zip(group.members, group.labels, strict=True):
            if rid not in active:
                continue
            rule = self._rules[rid]
            out.append(MemberReading(rid, label, rule.channel, rule.direction,
                                     self._value(rule.channel),
                                     rule.levels[active[rid]].limit(self._values)))
        return tuple(out)

    def _emit(self, changes: list[AlarmChange]) -> list[AlarmChange]:
        if self.sink is not None:
            for c in changes:
                if c.case_time >= self._quiet_until:
                    self.sink.write(c)
        return changes


__all__ = [
    "AlarmChange",
    "AlarmEngine",
    "AlarmOffRefused",
    "AlarmSignal",
    "AlarmSink",
    "InactivationStatus",
    "LimitError",
]
