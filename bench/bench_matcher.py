"""Sorting matcher benchmark: KB load time, eval accuracy, per-query latency vs a naive scan."""
from __future__ import annotations

import gc
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tracemalloc  # noqa: E402

from domain.sorting.coverage import frequent_nouns, jieba_dictionary, measure, not_items  # noqa: E402
from domain.sorting.evaluation import EvalRow, Score, evaluate, read_eval  # noqa: E402
from domain.sorting.kb import KnowledgeBase, load_kb  # noqa: E402
from domain.sorting.matcher import Matcher  # noqa: E402

#: Held-out lists written blind on 2026-11-29, before the knowledge base was widened; never tuned on.
HELD_OUT = ("holdout_2026_items.tsv", "holdout_2026_noisy.tsv")

QUERIES = 10_000


def naive_baseline(kb: KnowledgeBase) -> Callable[[str], str]:
    """A plain substring scan over all item names: the longest name contained in the query wins."""
    names = sorted(kb.items, key=len, reverse=True)

    def classify(query: str) -> str:
        for name in names:
            if name in query:
                return name
        return ""

    return classify


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


def timed(fn: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
    samples = []
    for q in queries:
        start = time.perf_counter()
        fn(q)
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def mixed_queries(kb: KnowledgeBase, rows: list[EvalRow], rng: random.Random) -> list[str]:
    """Eval queries, item names with wrappers, pinyin-ish noise and unknown text, shuffled."""
    names = sorted(kb.items)
    wrappers = ["{}", "{}是什么垃圾", "请问{}属于哪一类？", "{}怎么扔。", "{}和香蕉皮"]
    pool = [r.query for r in rows]
    while len(pool) < QUERIES:
        pool.append(rng.choice(wrappers).format(rng.choice(names)))
        pool.append("".join(rng.choice("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动") for _ in range(rng.randint(2, 6))))
    rng.shuffle(pool)
    return pool[:QUERIES]


def naive_accuracy(kb: KnowledgeBase, rows: list[EvalRow], city: str) -> tuple[float, float]:
    """(right, wrong) of the naive scan on single-category rows (national categories, no overrides)."""
    classify = naive_baseline(kb)
    scored = [r for r in rows if r.city == city and "+" not in r.expected]
    right = wrong = 0
    for row in scored:
        name = classify(row.query)
        got = kb.category_for(name, city)[0] if name else ""
        if got and got == row.expected:
            right += 1
        elif got:
            wrong += 1
    return right / len(scored), wrong / len(scored)


def line(name: str, score: Score) -> str:
    """One figure line: right / wrong / asked back / not found, and the inferred answers' wrong rate."""
    return (f"{name:28s} {score.total:5d} rows: right {score.rate('right'):6.1%}  wrong {score.rate('wrong'):5.1%}  "
            f"asked back {score.rate('asked_back'):5.1%}  not found {score.rate('not_found'):5.1%}  "
            f"| inferred {score.inferred}, wrong {score.inferred_wrong_rate:.1%}")


def main() -> int:
    data = ROOT / "data"
    with tempfile.TemporaryDirectory() as empty:  # a first start: no pinyin cache on disk yet
        os.environ["SORTING_CACHE_DIR"] = empty
        start = time.perf_counter()
        load_kb(data / "kb").warm()
        cold = time.perf_counter() - start
        del os.environ["SORTING_CACHE_DIR"]
    gc.collect()
    tracemalloc.start()  # memory on a separate load: tracing slows the timed one down
    probe = load_kb(data / "kb")
    probe.warm()
    kb_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del probe
    gc.collect()
    start = time.perf_counter()
    kb = load_kb(data / "kb")
    loaded = time.perf_counter() - start
    kb.warm()
    warmed = time.perf_counter() - start
    matcher = Matcher(kb)
    matcher.classify("预热")
    print(f"KB: {len(kb.items)} items, {len(kb.specials)} specials, {len(kb.classes)} classes, "
          f"{len(kb.english)} English names, cities {sorted(kb.profiles)}")
    print(f"load {loaded * 1000:.0f} ms, load + all indexes {warmed * 1000:.0f} ms "
          f"({cold * 1000:.0f} ms on a first start, before the pinyin cache exists), "
          f"memory of the loaded KB with indexes {kb_bytes / 2**20:.1f} MiB")

    print("\n-- tuned sets (the list the knowledge base was extended from, and dev lists fixed from their misses: say little) --")
    rows = read_eval(data / "eval" / "sorting_eval.tsv")
    results = {}
    for city in ("national", "shanghai"):
        score = evaluate(matcher, rows, city)
        results[city] = score
        n_right, n_wrong = naive_accuracy(kb, rows, city)
        print(line(f"sorting_eval {city}", score) + f"   (naive scan: right {n_right:.1%}, wrong {n_wrong:.1%})")

    for path in sorted((data / "eval").glob("dev_*.tsv")):  # written blind, then tuned on
        print(line(path.stem, evaluate(matcher, read_eval(path))))

    print("\n-- held out: never tuned on --")
    old = evaluate(matcher, read_eval(data / "eval" / "sorting_holdout.tsv"))
    print(line("sorting_holdout (2025)", old))
    held: dict[str, Score] = {}
    for name in HELD_OUT:
        path = data / "eval" / name
        if path.exists():
            held[name] = evaluate(matcher, read_eval(path))
            print(line(name.removesuffix(".tsv"), held[name]))
    # Only counts are printed for the held-out lists: reading their misses would spoil them.

    cov = measure(matcher, frequent_nouns(jieba_dictionary()), not_items(data / "kb" / "lexicon"))
    print(f"\nlexicon sweep (jieba nouns, freq >= 200): {cov.nouns} nouns, {cov.excluded} reviewed as not things, "
          f"{cov.answered}/{cov.things} things answered ({cov.rate:.1%}); `python -m domain.sorting.coverage` lists the holes")

    queries = mixed_queries(kb, rows, random.Random(7))
    gc.collect()
    gc.freeze()  # the KB lives for the whole process: keep it out of the collector's full scans
    cities = ["shanghai", "national"]
    m50, m99 = timed(lambda q: matcher.classify(q, cities[len(q) % 2]), queries)
    n50, n99 = timed(naive_baseline(kb), queries)
    print(f"\n{QUERIES} mixed queries: matcher p50 {m50:.3f} ms p99 {m99:.3f} ms; naive scan p50 {n50:.3f} ms p99 {n99:.3f} ms")

    items = held.get(HELD_OUT[0], old)
    inferred = [s for s in held.values() if s.inferred] or [old]
    inferred_wrong = sum(s.inferred_wrong for s in inferred) / max(1, sum(s.inferred for s in inferred))
    aims = {
        "held-out items right>=95%": items.rate("right") >= 0.95,
        "held-out items wrong<=1.5%": items.rate("wrong") <= 0.015,
        "inferred wrong<=5%": inferred_wrong <= 0.05,
        "p99<5ms": m99 < 5,
        "load<1s": warmed < 1,
    }
    verdict = "MEETS AIMS" if all(aims.values()) else "MISSES: " + ", ".join(k for k, ok in aims.items() if not ok)
    detail = ", ".join(f"{k} {'ok' if ok else 'no'}" for k, ok in aims.items())
    print(f"verdict: {verdict}  ({detail})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
