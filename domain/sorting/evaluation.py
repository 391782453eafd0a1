"""Scoring the matcher against data/eval/sorting_eval.tsv (right / wrong / unanswered)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

from domain.sorting.matcher import Matcher
from domain.sorting.model import Classification

Verdict = Literal["right", "wrong", "unanswered"]


@dataclass(frozen=True)
class EvalRow:
    """One expectation: a national category or a marker (ambiguous, composite, guide, chitchat, not_found)."""

    query: str
    city: str
    expected: str


@dataclass
class Score:
    """Counts per verdict, plus the wrong rows for inspection."""

    right: int = 0
    wrong: int = 0
    unanswered: int = 0
    #: Unanswered rows split: the bot asked back (ambiguous) or found nothing.
    asked_back: int = 0
    not_found: int = 0
    #: Answered rows whose answer was inferred (compound, class, homophone, fuzzy), by verdict.
    inferred_right: int = 0
    inferred_wrong: int = 0
    wrong_rows: list[tuple[EvalRow, str]] = field(default_factory=list)
    unanswered_rows: list[tuple[EvalRow, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Rows scored."""
        return self.right + self.wrong + self.unanswered

    def rate(self, verdict: str) -> float:
        """Share of rows with this verdict (or asked_back / not_found)."""
        return getattr(self, verdict) / self.total if self.total else 0.0

    @property
    def inferred(self) -> int:
        """Rows answered by inference."""
        return self.inferred_right + self.inferred_wrong

    @property
    def inferred_wrong_rate(self) -> float:
        """Share of inferred answers that were wrong."""
        return self.inferred_wrong / self.inferred if self.inferred else 0.0


#: Shanghai's labels, as lists written from its rules use them, → the national category names.
_LABELS = {"湿垃圾": "厨余垃圾", "干垃圾": "其他垃圾"}


def read_eval(path: Path) -> list[EvalRow]:
    """Rows of a TSV with header query, city, expected; '#' lines are comments."""
    rows = []
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    for line in lines[1:]:
        query, city, expected = line.split("\t")
        expected = "+".join(_LABELS.get(e, e) for e in expected.split("+"))
        rows.append(EvalRow(query, city, expected))
    return rows


def _one(c: Classification, expected: str) -> Verdict:
    answered = c.status == "ok" and bool(c.answers)
    if expected in ("ambiguous", "guide", "chitchat"):
        if c.status == expected:
            return "right"
        return "wrong" if answered else "unanswered"
    if expected == "composite":
        if c.status == "ok" and (c.parts or len(c.items) >= 2):  # split into its parts, either way
            return "right"
        return "wrong" if answered else "unanswered"
    if expected == "not_found":
        return "wrong" if answered else "right"
    if not answered:
        return "unanswered"
    if c.special and not c.part:
        return "unanswered"  # a composite answered in parts when one category was expected
    answers = c.answers[:1] if c.part else c.answers
    return "right" if all(a.category == expected for a in answers) else "wrong"


def verdict(c: Classification, expected: str) -> Verdict:
    """Verdict for one classification; 'a+b' expects a multi-item answer in order."""
    wanted = expected.split("+")
    if len(wanted) == 1:
        return _one(c, expected)
    if len(c.items) != len(wanted):
        return "wrong" if any(a.category not in wanted for a in c.answers) else "unanswered"
    verdicts = [_one(sub, exp) for sub, exp in zip(c.items, wanted)]
    if "wrong" in verdicts:
        return "wrong"
    return "right" if all(v == "right" for v in verdicts) else "unanswered"


def _asked_back(c: Classification) -> bool:
    return c.status == "ambiguous" or any(s.status == "ambiguous" for s in c.items)


def _inferred(c: Classification) -> bool:
    return any(a.inferred for a in c.answers) or any(_inferred(s) for s in c.items)


def describe(c: Classification) -> str:
    """Short text of what the matcher said, for reports."""
    said = ",".join(f"{a.item}={a.category}/{a.matched_by}" for a in c.answers)
    return f"{c.status} {said} {'|'.join(c.suggestions)}".strip()


def evaluate(matcher: Matcher, rows: Iterable[EvalRow], city: str | None = None) -> Score:
    """Score rows (optionally only one city's)."""
    score = Score()
    for row in rows:
        if city is not None and row.city != city:
            continue
        c = matcher.classify(row.query, row.city)
        v = verdict(c, row.expected)
        setattr(score, v, getattr(score, v) + 1)
        if v == "wrong":
            score.wrong_rows.append((row, describe(c)))
        elif v == "unanswered":
            score.unanswered_rows.append((row, describe(c)))
            if _asked_back(c):
                score.asked_back += 1
            else:
                score.not_found += 1
        if v in ("right", "wrong") and _inferred(c):
            if v == "right":
                score.inferred_right += 1
            else:
                score.inferred_wrong += 1
    return score
