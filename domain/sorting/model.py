"""Frozen value types of the sorting knowledge base and of a classification."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, Mapping

RECYCLABLE = "可回收物"
HAZARDOUS = "有害垃圾"
FOOD = "厨余垃圾"
RESIDUAL = "其他垃圾"
BULKY = "大件垃圾"
RENOVATION = "装修垃圾"

#: National category names (GB/T 19095-2019 plus the two separately collected streams).
CATEGORIES: tuple[str, ...] = (RECYCLABLE, HAZARDOUS, FOOD, RESIDUAL, BULKY, RENOVATION)
#: The four bins a quiz asks about.
FOUR_BINS: tuple[str, ...] = (RECYCLABLE, HAZARDOUS, FOOD, RESIDUAL)

Status = Literal["ok", "ambiguous", "not_found", "chitchat", "guide"]


@dataclass(frozen=True)
class Item:
    """One thing a resident may throw away, with its national category."""

    name: str
    category: str
    aliases: tuple[str, ...] = ()
    tip: str = ""


@dataclass(frozen=True)
class Override:
    """A city's category for an item where it differs from the national one."""

    name: str
    category: str
    note: str = ""


@dataclass(frozen=True)
class CategoryRule:
    """How one category is called, coloured and put out in a city."""

    category: str
    label: str
    bin_colour: str
    rules: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    description: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CityProfile:
    """A city's labels, bins, putting-out rules and item overrides."""

    key: str
    name: str
    categories: Mapping[str, CategoryRule]
    overrides: Mapping[str, Override] = field(default_factory=lambda: MappingProxyType({}))
    #: The city's regulation ("北京市生活垃圾管理条例") and the date it took effect ("2020-05-01").
    regulation: str = ""
    regulation_date: str = ""

    def rule(self, category: str) -> CategoryRule:
        """Rule for a national category (a neutral one when the profile lacks it)."""
        found = self.categories.get(category)
        return found if found is not None else CategoryRule(category, category, "")

    def label(self, category: str) -> str:
        """The city's own name for a national category."""
        return self.rule(category).label


@dataclass(frozen=True)
class Part:
    """One case of a kind-dependent item or one part of a composite item."""

    what: str
    item: str = ""
    category: str = ""
    action: str = ""
    #: Names a resident may use for this part alone ("粽叶", "月饼盒").
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Special:
    """An item answered by cases ("电池") or in parts ("奶茶")."""

    name: str
    kind: Literal["cases", "composite"]
    aliases: tuple[str, ...] = ()
    question: str = ""
    options: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()
    tip: str = ""


@dataclass(frozen=True)
class Answer:
    """A category answer for one item."""

    item: str
    category: str
    label: str
    confidence: float
    matched_by: str
    tip: str = ""
    inferred: bool = False
    note: str = ""
    #: What an inferred answer was judged by: a known item or a class ("衣物").
    basis: str = ""


@dataclass(frozen=True)
class ResolvedPart:
    """A part or case with its category resolved for a city."""

    what: str
    category: str
    label: str
    action: str = ""


@dataclass(frozen=True)
class Classification:
    """What the matcher understood of one message."""

    query: str
    city: str
    status: Status
    normalized: str = ""
    answers: tuple[Answer, ...] = ()
    suggestions: tuple[str, ...] = ()
    parts: tuple[ResolvedPart, ...] = ()
    special: str = ""
    question: str = ""
    guide: str = ""
    tip: str = ""
    items: tuple[Classification, ...] = ()
    missing: tuple[str, ...] = ()
    #: The part of a composite the query named ("粽叶" of 粽子); its answer comes first.
    part: str = ""
