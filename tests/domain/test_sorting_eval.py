"""Accuracy floor on the hand-written evaluation set, and the scorer itself."""
from pathlib import Path

import pytest

from domain.sorting.evaluation import evaluate, read_eval, verdict
from domain.sorting.matcher import Matcher
from domain.sorting.model import Answer, Classification

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize("city", ["shanghai", "national"])
def test_accuracy_floor(matcher: Matcher, city: str) -> None:
    rows = read_eval(DATA / "eval" / "sorting_eval.tsv")
    assert sum(r.city == city for r in rows) >= 600
    score = evaluate(matcher, rows, city)
    assert score.rate("wrong") <= 0.02, score.wrong_rows
    assert score.rate("right") >= 0.90


def test_held_out_floor(matcher: Matcher) -> None:
    score = evaluate(matcher, read_eval(DATA / "eval" / "sorting_holdout.tsv"))
    assert score.total >= 150
    assert score.rate("wrong") <= 0.02, score.wrong_rows
    assert score.rate("right") >= 0.90


def _ok(category: str) -> Classification:
    return Classification("q", "national", "ok", answers=(Answer("x", category, category, 1.0, "exact"),))


def test_scorer_counts_confident_wrong_answers_as_wrong() -> None:
    assert verdict(_ok("可回收物"), "可回收物") == "right"
    assert verdict(_ok("可回收物"), "其他垃圾") == "wrong"
    assert verdict(_ok("可回收物"), "ambiguous") == "wrong"
    assert verdict(_ok("可回收物"), "not_found") == "wrong"
    assert verdict(Classification("q", "national", "not_found"), "可回收物") == "unanswered"
    multi = Classification("q", "national", "ok", items=(_ok("可回收物"), _ok("厨余垃圾")))
    assert verdict(multi, "可回收物+厨余垃圾") == "right"
    assert verdict(multi, "可回收物+其他垃圾") == "wrong"


def test_substances_named_after_a_material_are_not_that_material(matcher: Matcher) -> None:
    """"玻璃水" (washer fluid) and "瓷砖清洁剂" are not glass or ceramics."""
    for query in ("玻璃水", "瓷砖清洁剂"):
        c = matcher.classify(query, "shanghai")
        assert all(a.item not in ("玻璃制品", "陶瓷制品") for a in c.answers), query
