"""Knowledge base: items, city profiles and special items loaded from data/kb/."""
from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from domain.sorting.classes import Ontology, ThingClass, read_classes
from domain.sorting.index import Index
from domain.sorting.model import CATEGORIES, CategoryRule, CityProfile, Item, Override, Part, Special

NATIONAL = "national"
CORE_FILE = "core.csv"


class KBError(ValueError):
    """Malformed knowledge-base data (bad header, unknown category, bad TOML)."""


@dataclass(frozen=True)
class Record:
    """One data row as read, kept for the consistency check."""

    item: Item
    source: str
    line: int


@dataclass(frozen=True)
class KnowledgeBase:
    """Merged items, city profiles and specials; indexes are built on first use."""

    items: Mapping[str, Item]
    profiles: Mapping[str, CityProfile]
    specials: Mapping[str, Special]
    records: tuple[Record, ...] = field(default=(), repr=False, compare=False)
    classes: tuple[ThingClass, ...] = ()
    #: English names ("battery", "plastic bottle") → item or special name.
    english: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @cached_property
    def index(self) -> Index:
        """Exact/alias index (pinyin and fuzzy indexes inside are lazier still)."""
        return Index(self.items, self.specials, self.english)

    @cached_property
    def ontology(self) -> Ontology:
        """Classes of things for names the items lack."""
        return Ontology(self.classes)

    def warm(self) -> None:
        """Build every lazy index now (for start-up or benchmarks)."""
        self.index.warm()

    def profile(self, city: str) -> CityProfile:
        """A city's profile, the national one when the city is unknown."""
        return self.profiles.get(city) or self.profiles[NATIONAL]

    def category_for(self, name: str, city: str) -> tuple[str, str]:
        """(category, city note) of an item in a city, after the city's overrides."""
        override = self.profile(city).overrides.get(name)
        if override is not None:
            return override.category, override.note
        item = self.items.get(name)
        return (item.category, "") if item is not None else ("", "")

    def with_items(self, extra: Iterable[Item]) -> KnowledgeBase:
        """A new knowledge base where ``extra`` items replace same-named ones."""
        merged = dict(self.items)
        for item in extra:
            _check_category(item.category, item.name)
            merged[item.name] = item
        return replace(self, items=MappingProxyType(merged))


def _check_category(category: str, where: str) -> None:
    if category not in CATEGORIES:
        raise KBError(f"{where}: unknown category {category!r}")


def _split_aliases(raw: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in raw.split("|") if a.strip())


def _read_csv(path: Path, header: list[str]) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or [f.strip() for f in reader.fieldnames][: len(header)] != header:
            raise KBError(f"{path}: header must start with {','.join(header)}")
        return [(reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k}) for row in reader]


def read_items(path: Path) -> list[Record]:
    """Rows of one items CSV (header name,category,aliases,tip)."""
    records = []
    for line, row in _read_csv(path, ["name", "category", "aliases", "tip"]):
        if not row.get("name"):
            continue
        _check_category(row["category"], f"{path.name}:{line}")
        item = Item(row["name"], row["category"], _split_aliases(row.get("aliases", "")), row.get("tip", ""))
        records.append(Record(item, path.name, line))
    return records


def merge_records(records: Iterable[Record]) -> dict[str, Item]:
    """Merge duplicate names: first record's category wins, aliases are united, first tip kept."""
    merged: dict[str, Item] = {}
    for rec in records:
        old = merged.get(rec.item.name)
        if old is None:
            merged[rec.item.name] = rec.item
            continue
        aliases = old.aliases + tuple(a for a in rec.item.aliases if a not in old.aliases)
        merged[rec.item.name] = replace(old, aliases=aliases, tip=old.tip or rec.item.tip)
    return merged


def _item_files(items_dir: Path) -> list[Path]:
    """core.csv first (hand-checked), then the other files in name order."""
    files = sorted(items_dir.glob("*.csv"), key=lambda p: (p.name != CORE_FILE, p.name))
    return files


def read_overrides(city_dir: Path) -> dict[str, Override]:
    """A city's overrides*.csv files (header name,category,note); first file in name order wins."""
    found: dict[str, Override] = {}
    for path in sorted(city_dir.glob("overrides*.csv")):
        for line, row in _read_csv(path, ["name", "category", "note"]):
            if not row.get("name"):
                continue
            _check_category(row["category"], f"{path}:{line}")
            found.setdefault(row["name"], Override(row["name"], row["category"], row.get("note", "")))
    return found


def read_profile(city_dir: Path) -> CityProfile:
    """One city folder: profile.toml plus its overrides."""
    try:
        data = tomllib.loads((city_dir / "profile.toml").read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise KBError(f"{city_dir}/profile.toml: {exc}") from exc
    rules: dict[str, CategoryRule] = {}
    for category, spec in data.get("categories", {}).items():
        _check_category(category, f"{city_dir}/profile.toml")
        rules[category] = CategoryRule(
            category=category,
            label=spec.get("label", category),
            bin_colour=spec.get("bin", ""),
            rules=tuple(spec.get("rules", ())),
            examples=tuple(spec.get("examples", ())),
            description=spec.get("description", ""),
            aliases=tuple(spec.get("aliases", ())),
        )
    return CityProfile(
        key=data.get("key", city_dir.name),
        name=data.get("name", city_dir.name),
        categories=MappingProxyType(rules),
        overrides=MappingProxyType(read_overrides(city_dir)),
        regulation=str(data.get("regulation", "")),
        regulation_date=str(data.get("regulation_date", "")),
    )


def read_specials(path: Path) -> dict[str, Special]:
    """special.toml: items answered by cases or in parts."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise KBError(f"{path}: {exc}") from exc
    specials: dict[str, Special] = {}
    for spec in data.get("special", ()):
        parts = tuple(
            Part(p["what"], p.get("item", ""), p.get("category", ""), p.get("action", ""), tuple(p.get("names", ())))
            for p in spec.get("parts", ())
        )
        for part in parts:
            if part.category:
                _check_category(part.category, f"{path}: {spec['name']}")
        kind = spec.get("kind", "cases")
        if kind not in ("cases", "composite"):
            raise KBError(f"{path}: {spec['name']}: kind must be cases or composite")
        specials[spec["name"]] = Special(
            name=spec["name"],
            kind=kind,
            aliases=tuple(spec.get("aliases", ())),
            question=spec.get("question", ""),
            options=tuple(spec.get("options", ())),
            parts=parts,
            tip=spec.get("tip", ""),
        )
    return specials


def read_english(path: Path) -> dict[str, str]:
    """english.csv (header english,name): English names of items and specials."""
    if not path.exists():
        return {}
    return {row["english"]: row["name"] for _, row in _read_csv(path, ["english", "name"])
            if row.get("english") and row.get("name")}


def load_kb(data_dir: Path) -> KnowledgeBase:
    """Load data/kb: items/*.csv, cities/*/profile.toml + overrides*.csv, special.toml."""
    records: list[Record] = []
    for path in _item_files(data_dir / "items"):
        records.extend(read_items(path))
    profiles = {}
    for city_dir in sorted((data_dir / "cities").iterdir()):
        if (city_dir / "profile.toml").exists():
            profile = read_profile(city_dir)
            profiles[profile.key] = profile
    if NATIONAL not in profiles:
        raise KBError(f"{data_dir}/cities/{NATIONAL}/profile.toml is required")
    return KnowledgeBase(
        items=MappingProxyType(merge_records(records)),
        profiles=MappingProxyType(profiles),
        specials=MappingProxyType(read_specials(data_dir / "special.toml")),
        records=tuple(records),
        classes=read_classes(data_dir / "classes.toml"),
        english=MappingProxyType(read_english(data_dir / "english.csv")),
    )
