"""A small ontology of classes of things, for names the item list lacks ("按‘衣物’判断").

A class is recognised from the head noun at the end of a name ("…卫衣" → 衣物), from a prefix
that names a material or a working principle ("不锈钢…", "电动…"), or from the parent a part
belongs to ("开心果壳": a shell of a food). Every class has a national category, per-city
categories where a city's rules differ, and exceptions that are never inferred.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Mapping

from domain.sorting.model import CATEGORIES


class ClassError(ValueError):
    """Malformed classes.toml."""


@dataclass(frozen=True)
class ThingClass:
    """One class: how it is recognised and where it goes."""

    name: str
    category: str
    heads: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    #: True when the prefix decides the bin whatever the object is (metal, glass, ceramics, electric).
    decisive: bool = False
    #: Parents a part head must follow ("核桃" for "核桃壳"); empty = any parent.
    parents: tuple[str, ...] = ()
    #: The parent must be a known item of this national category ("厨余垃圾" for food parts).
    parent_category: str = ""
    #: Names or tails never answered by this class.
    exceptions: tuple[str, ...] = ()
    cities: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def category_in(self, city: str) -> str:
        """The class's category under a city's rules."""
        return self.cities.get(city, self.category)

    def excluded(self, name: str) -> bool:
        """True when the name starts or ends with one of the class's exceptions ("瓷砖…", "…雨衣")."""
        return any(name.endswith(e) or name.startswith(e) for e in self.exceptions)


def _check(category: str, where: str) -> str:
    if category and category not in CATEGORIES:
        raise ClassError(f"{where}: unknown category {category!r}")
    return category


def read_classes(path: Path) -> tuple[ThingClass, ...]:
    """classes.toml: `[[class]]` tables in order of precedence (first match wins)."""
    if not path.exists():
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ClassError(f"{path}: {exc}") from exc
    found = []
    for spec in data.get("class", ()):
        name = spec["name"]
        cities = {city: _check(cat, f"{path}: {name}") for city, cat in spec.get("cities", {}).items()}
        found.append(ThingClass(
            name=name,
            category=_check(spec["category"], f"{path}: {name}"),
            heads=tuple(spec.get("heads", ())),
            prefixes=tuple(spec.get("prefixes", ())),
            decisive=bool(spec.get("decisive", False)),
            parents=tuple(spec.get("parents", ())),
            parent_category=_check(spec.get("parent_category", ""), f"{path}: {name}"),
            exceptions=tuple(spec.get("exceptions", ())),
            cities=MappingProxyType(cities),
        ))
    return tuple(found)


@dataclass(frozen=True)
class ClassMatch:
    """A class recognised in a name, and how."""

    cls: ThingClass
    how: str  # "head", "prefix" or "part"
    rest: str  # the name without the matched head or prefix


class Ontology:
    """Classes indexed by head and prefix."""

    def __init__(self, classes: tuple[ThingClass, ...]) -> None:
        self.classes = classes
        self._heads = sorted({h for c in classes for h in c.heads}, key=len, reverse=True)
        self._prefixes = sorted({p for c in classes for p in c.prefixes}, key=len, reverse=True)

    def prefix_class(self, name: str) -> ClassMatch | None:
        """The class named by the longest known prefix, when something follows it."""
        for prefix in self._prefixes:
            if name.startswith(prefix) and len(name) > len(prefix):
                for cls in self.classes:
                    if prefix in cls.prefixes and not cls.excluded(name):
                        return ClassMatch(cls, "prefix", name[len(prefix):])
                return None
        return None

    def head_classes(self, name: str, category_of: Callable[[str], str]) -> list[ClassMatch]:
        """Classes whose head ends the name, in precedence order; parts check their parent.

        ``category_of`` gives a known name's category ('' when unknown).
        """
        found: list[ClassMatch] = []
        for head in self._heads:
            if not name.endswith(head):
                continue
            parent = name[: -len(head)]
            for cls in self.classes:
                if head not in cls.heads or cls.excluded(name):
                    continue
                if not parent and (cls.parents or cls.parent_category):
                    continue  # a bare part ("壳") says nothing of its parent
                if cls.parents and not any(parent.endswith(p) for p in cls.parents):
                    continue
                if cls.parent_category and category_of(parent) != cls.parent_category:
                    continue
                found.append(ClassMatch(cls, "part" if (cls.parents or cls.parent_category) else "head", parent))
            if found:
                return found  # the longest head that any class takes decides
        return found
