"""Leave-one-out check of inference: `python -m domain.sorting.loo [data/kb] [--city CITY] [--show N]`.

Every item is hidden in turn (its name and aliases), then asked for by name: what the inference
stage (known tail, deciding prefix, class) answers is compared with the item's real category.
It measures how often an inferred answer would be wrong for names the knowledge base lacks,
on the team's own data rather than on a held-out list, and shows which classes mislead.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from domain.sorting.index import Index
from domain.sorting.kb import NATIONAL, KnowledgeBase, load_kb
from domain.sorting.normalize import key
from domain.sorting.stages import infer


class _Hiding(Index):
    """An index that pretends one item does not exist."""

    def __init__(self, base: Index, hidden: str) -> None:  # noqa: D107 - shares the base tables
        self.__dict__.update(base.__dict__)
        self._hidden = hidden

    def lookup(self, k: str) -> tuple[str, ...]:
        return tuple(n for n in self.exact.get(k, ()) if n != self._hidden)


@dataclass
class LooResult:
    """Counts per path and the wrong cases."""

    asked: int = 0
    answered: Counter[str] = field(default_factory=Counter)
    wrong: Counter[str] = field(default_factory=Counter)
    cases: list[tuple[str, str, str, str]] = field(default_factory=list)

    def rate(self, path: str | None = None) -> float:
        """Wrong share of the inferred answers (of one path, or all)."""
        n = self.answered[path] if path else sum(self.answered.values())
        w = self.wrong[path] if path else sum(self.wrong.values())
        return w / n if n else 0.0


def leave_one_out(kb: KnowledgeBase, city: str = NATIONAL) -> LooResult:
    """Hide each item in turn and judge the inference's answer for its name."""
    kb.warm()  # build the lazy tables once: each hiding copy shares them (else each rebuilds them)
    base = kb.index
    result = LooResult()

    def category_of(name: str) -> str:
        return kb.category_for(name, city)[0]

    for name in kb.items:
        k = key(name)
        if len(k) < 3 or k.isascii() or k in base.specials:
            continue
        result.asked += 1
        hidden = _Hiding(base, name)
        res = infer(hidden, k, category_of, kb.ontology, city)
        if res is None or res.kind not in ("item", "class"):
            continue
        got = res.category if res.kind == "class" else category_of(res.names[0])
        path = f"class:{res.via}" if res.kind == "class" else "compound"
        result.answered[path] += 1
        if got != category_of(name):
            result.wrong[path] += 1
            result.cases.append((name, category_of(name), got, res.via))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default="data/kb")
    parser.add_argument("--city", default=NATIONAL)
    parser.add_argument("--show", type=int, default=30, help="wrong cases to list")
    args = parser.parse_args(argv)
    res = leave_one_out(load_kb(Path(args.data)), args.city)
    total = sum(res.answered.values())
    print(f"items asked: {res.asked}; answered by inference: {total}; wrong: {sum(res.wrong.values())} ({res.rate():.1%})")
    for path, n in res.answered.most_common():
        print(f"  {path:24s} {n:5d} answered, {res.wrong[path]:4d} wrong ({res.rate(path):.1%})")
    for name, real, got, via in res.cases[: args.show]:
        print(f"  wrong: {name} is {real}, inferred {got} via {via}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
