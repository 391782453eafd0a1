"""The reminder policy from data/reminders.toml (thresholds people can review and edit).

Read by the scan (scheduler/) and by the case service, which stores each case's next
reminder time (reminders/schedule.py).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CasePolicy:
    yellow_fraction: float = 0.8
    yellow_to: tuple[str, ...] = ("member",)
    red_to: tuple[str, ...] = ("member", "leader")
    parent_after_working_days: int = 1
    office_after_working_days: int = 3


@dataclass(frozen=True)
class DigestPolicy:
    hour: int = 9
    minute: int = 0
    to: tuple[str, ...] = ("member", "leader")


@dataclass(frozen=True)
class RankingPolicy:
    day: int = 1
    hour: int = 9
    kinds: tuple[str, ...] = ("street", "community", "property", "department")
    bottom: int = 5


@dataclass(frozen=True)
class TaskPolicy:
    hour: int = 9
    to: tuple[str, ...] = ("member", "leader")
    before_days: tuple[int, ...] = (7, 1)
    on_the_day: bool = True
    overdue: bool = True
    recurring_before_days: tuple[int, ...] = (3,)
    checkin_before_days: int = 3
    catchup_days: int = 7


@dataclass(frozen=True)
class Policy:
    case: CasePolicy = field(default_factory=CasePolicy)
    digest: DigestPolicy = field(default_factory=DigestPolicy)
    ranking: RankingPolicy = field(default_factory=RankingPolicy)
    task: TaskPolicy = field(default_factory=TaskPolicy)


class PolicyError(ValueError):
    """The policy file has an unknown key or a value of the wrong kind."""


def _section(cls: type, raw: dict[str, Any], name: str) -> Any:
    known = cls.__dataclass_fields__
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise PolicyError(f"[{name}]: unknown setting(s) {', '.join(unknown)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    return cls(**values)


def load_policy(path: str | Path) -> Policy:
    """The policy in `path`; settings left out keep their defaults."""
    path = Path(path)
    if not path.is_file():
        return Policy()
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    sections = {"case": CasePolicy, "digest": DigestPolicy, "ranking": RankingPolicy,
                "task": TaskPolicy}
    unknown = sorted(set(raw) - set(sections))
    if unknown:
        raise PolicyError(f"{path.name}: unknown section(s) {', '.join(unknown)}")
    return Policy(**{name: _section(cls, raw.get(name, {}), name)
                     for name, cls in sections.items()})


def policy_path(data_dir: str) -> Path:
    return Path(data_dir) / "reminders.toml"
