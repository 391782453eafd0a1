"""Complaint settings from data/complaints.toml: problem types, deadlines, department routing."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from config import Config
from domain.workcal import WorkCalendar


class SettingsError(ValueError):
    """complaints.toml is missing or malformed; the message names the problem."""


@dataclass(frozen=True)
class ProblemType:
    """One line of the numbered list residents choose from, with its deadline and routing."""

    name: str
    hours: float | None = None
    working_days: int | None = None
    department: str | None = None

    @property
    def deadline_text(self) -> str:
        if self.hours is not None:
            return f"{self.hours:g}小时"
        return f"{self.working_days}个工作日"


@dataclass(frozen=True)
class ComplaintSettings:
    types: tuple[ProblemType, ...]
    default_type: str
    duplicate_radius_m: float = 100.0
    duplicate_window: timedelta = timedelta(hours=24)
    nearest_within_m: float = 1500.0
    default_extension_days: int = 3

    def type_named(self, name: str) -> ProblemType | None:
        return next((t for t in self.types if t.name == name), None)

    @property
    def departments(self) -> dict[str, str]:
        """Problem type → department unit code, for the types that route by type."""
        return {t.name: t.department for t in self.types if t.department}

    def menu(self) -> str:
        """The numbered list shown to residents."""
        return "\n".join(f"{i}. {t.name}" for i, t in enumerate(self.types, start=1))

    def choose(self, text: str) -> ProblemType | None:
        """A type from a number ("2"), a name, or an unambiguous part of a name ("满溢")."""
        text = text.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.types):
            return self.types[int(text) - 1]
        exact = self.type_named(text)
        if exact is not None or len(text) < 2:
            return exact
        parts = [t for t in self.types if any(text in p or p in text
                                              for p in t.name.replace("或", "/").split("/") if p)]
        return parts[0] if len(parts) == 1 else None


def settings_path(config: Config) -> Path:
    return Path(config.DATA_DIR) / "complaints.toml"


# Every complaint step reads the settings: the file is read each time (an edit counts at
# once), parsed only when its text changed (parsing cost more than the step's statements).
_parsed: dict[tuple[Path, str], ComplaintSettings] = {}


def load_complaint_settings(config: Config) -> ComplaintSettings:
    """Read and check complaints.toml under the configured DATA_DIR."""
    path = settings_path(config)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(f"{path}: complaint settings file is missing") from None
    settings = _parsed.get((path, text))
    if settings is None:
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: {exc}") from None
        settings = parse_settings(raw, str(path))
        if len(_parsed) >= 16:  # a few DATA_DIRs (tests), a few edits: never grows for long
            _parsed.clear()
        _parsed[(path, text)] = settings
    return settings


def parse_settings(raw: dict[str, Any], where: str = "complaints.toml") -> ComplaintSettings:
    types = []
    for i, entry in enumerate(raw.get("types") or [], start=1):
        name = str(entry.get("name", "")).strip()
        hours, days = entry.get("hours"), entry.get("working_days")
        if not name or (hours is None) == (days is None):
            raise SettingsError(f"{where}: type {i} needs a name and exactly one of "
                                "hours / working_days")
        if (hours is not None and float(hours) <= 0) or (days is not None and int(days) < 1):
            raise SettingsError(f"{where}: type {name!r}: the deadline must be positive")
        types.append(ProblemType(name, float(hours) if hours is not None else None,
                                 int(days) if days is not None else None,
                                 str(entry["department"]) if entry.get("department") else None))
    if not types:
        raise SettingsError(f"{where}: at least one [[types]] entry is required")
    if len({t.name for t in types}) != len(types):
        raise SettingsError(f"{where}: problem type names must be unique")
    default = str(raw.get("default_type", types[-1].name))
    if default not in {t.name for t in types}:
        raise SettingsError(f"{where}: default_type {default!r} is not one of the types")
    return ComplaintSettings(
        tuple(types), default,
        duplicate_radius_m=float(raw.get("duplicate_radius_m", 100)),
        duplicate_window=timedelta(hours=float(raw.get("duplicate_window_hours", 24))),
        nearest_within_m=float(raw.get("nearest_within_m", 1500)),
        default_extension_days=int(raw.get("default_extension_days", 3)),
    )


def compute_deadline(ptype: ProblemType, start: datetime, calendar: WorkCalendar) -> datetime:
    """Clock hours after `start`, or N working days on the official calendar."""
    if ptype.hours is not None:
        return start + timedelta(hours=ptype.hours)
    assert ptype.working_days is not None
    return calendar.add_working_days(start, ptype.working_days)
