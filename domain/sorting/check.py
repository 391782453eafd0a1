"""Consistency check of data/kb: `python -m domain.sorting.check [data/kb]`."""
from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from domain.sorting.kb import KBError, KnowledgeBase, load_kb
from domain.sorting.normalize import key


@dataclass
class Report:
    """Findings, one human-readable line each."""

    conflicts: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    alias_collisions: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    specials: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """Problems that change answers: conflicting categories, colliding aliases, bad overrides, lost names."""
        return (len(self.conflicts) + len(self.alias_collisions) + len(self.overrides) + len(self.specials)
                + len(self.english))


def find_problems(kb: KnowledgeBase) -> Report:
    """Duplicates, category conflicts, aliases naming another item, dangling overrides."""
    report = Report()
    seen: dict[str, list[str]] = defaultdict(list)
    cats: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for rec in kb.records:
        where = f"{rec.source}:{rec.line}"
        seen[rec.item.name].append(where)
        cats[rec.item.name][rec.item.category].append(where)
    for name, wheres in sorted(seen.items()):
        if len(cats[name]) > 1:
            detail = "; ".join(f"{c} ({', '.join(w)})" for c, w in cats[name].items())
            report.conflicts.append(f"{name}: {detail} -> kept {kb.items[name].category}")
        elif len(wheres) > 1:
            report.duplicates.append(f"{name}: {', '.join(wheres)}")
    owners: dict[str, set[str]] = defaultdict(set)
    for item in kb.items.values():
        owners[key(item.name)].add(item.name)
        for alias in item.aliases:
            owners[key(alias)].add(item.name)
    for k, names in sorted(owners.items()):
        categories = {kb.items[n].category for n in names}
        if len(categories) > 1:
            listing = ", ".join(f"{n}={kb.items[n].category}" for n in sorted(names))
            report.alias_collisions.append(f"{k}: {listing}")
    for city, profile in sorted(kb.profiles.items()):
        for name, override in sorted(profile.overrides.items()):
            item = kb.items.get(name)
            if item is None:
                report.overrides.append(f"{city}: {name}: no such item in items/")
            elif item.category == override.category:
                report.overrides.append(f"{city}: {name}: same as national ({item.category}), not an override")
    for special in kb.specials.values():
        for part in special.parts:
            if part.item and part.item not in kb.items and not part.category:
                report.specials.append(f"{special.name}: part {part.what!r} names unknown item {part.item}")
            if not (part.item or part.category or part.action):
                report.specials.append(f"{special.name}: part {part.what!r} has no item, category or action")
    for text, name in sorted(kb.english.items()):
        if name not in kb.items and name not in kb.specials:
            report.english.append(f"{text}: names {name}, which is neither an item nor a special")
    return report


def main(argv: list[str]) -> int:
    """Print the report; exit status 1 when answer-changing problems exist."""
    data_dir = Path(argv[0]) if argv else Path("data/kb")
    try:
        kb = load_kb(data_dir)
    except KBError as exc:
        print(f"ERROR {exc}")
        return 2
    report = find_problems(kb)
    sections = [
        ("conflicting categories", report.conflicts),
        ("aliases colliding with other items", report.alias_collisions),
        ("override problems", report.overrides),
        ("special.toml problems", report.specials),
        ("english.csv names without a target", report.english),
        ("harmless duplicates (merged)", report.duplicates),
    ]
    print(f"{len(kb.items)} items, {len(kb.specials)} specials, cities: {', '.join(sorted(kb.profiles))}")
    for title, lines in sections:
        print(f"\n== {title}: {len(lines)}")
        for line in lines:
            print("  " + line)
    return 1 if report.errors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
