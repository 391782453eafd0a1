"""Sorting matcher benchmark: KB load time, eval accuracy, per-query latency vs a naive scan."""
from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.sorting.evaluation import EvalRow, evaluate, read_eval  # noqa: E402
from domain.sorting.kb import KnowledgeBase, load_kb  # noqa: E402
from domain.sorting.matcher import Matcher  # noqa: E402

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


def main() -> int:
    data = ROOT / "data"
    start = time.perf_counter()
    kb = load_kb(data / "kb")
    loaded = time.perf_counter() - start
    kb.warm()
    warmed = time.perf_counter() - start
    matcher = Matcher(kb)
    matcher.classify("预热")
    print(f"KB: {len(kb.items)} items, {len(kb.specials)} specials, cities {sorted(kb.profiles)}")
    print(f"load {loaded * 1000:.0f} ms, load + all indexes {warmed * 1000:.0f} ms")

    rows = read_eval(data / "eval" / "sorting_eval.tsv")
    results = {}
    for city in ("national", "shanghai"):
        score = evaluate(matcher, rows, city)
        results[city] = score
        n_right, n_wrong = naive_accuracy(kb, rows, city)
        print(f"{city:9s} {score.total} rows: right {score.rate('right'):.1%}  wrong {score.rate('wrong'):.1%}  "
              f"not answered {score.rate('unanswered'):.1%}   (naive scan: right {n_right:.1%}, wrong {n_wrong:.1%})")
        for row, said in score.wrong_rows[:10]:
            print(f"    wrong: {row.query} expected {row.expected}, got {said}")

    holdout = evaluate(matcher, read_eval(data / "eval" / "sorting_holdout.tsv"))
    print(f"held-out  {holdout.total} rows (never tuned on): right {holdout.rate('right'):.1%}  "
          f"wrong {holdout.rate('wrong'):.1%}  not answered {holdout.rate('unanswered'):.1%}")
    for row, said in holdout.wrong_rows[:10]:
        print(f"    wrong: {row.query} expected {row.expected}, got {said}")

    queries = mixed_queries(kb, rows, random.Random(7))
    gc.collect()
    gc.freeze()  # the KB lives for the whole process: keep it out of the collector's full scans
    cities = ["shanghai", "national"]
    m50, m99 = timed(lambda q: matcher.classify(q, cities[len(q) % 2]), queries)
    n50, n99 = timed(naive_baseline(kb), queries)
    print(f"{QUERIES} mixed queries: matcher p50 {m50:.3f} ms p99 {m99:.3f} ms; naive scan p50 {n50:.3f} ms p99 {n99:.3f} ms")

    sh = results["shanghai"]
    aims = {
        "right>=95% (shanghai)": sh.rate("right") >= 0.95,
        "wrong<=2% (shanghai)": sh.rate("wrong") <= 0.02,
        "held-out right>=95%": holdout.rate("right") >= 0.95,
        "held-out wrong<=2%": holdout.rate("wrong") <= 0.02,
        "p99<5ms": m99 < 5,
        "load<1s": warmed < 1,
    }
    verdict = "MEETS AIMS" if all(aims.values()) else "MISSES: " + ", ".join(k for k, ok in aims.items() if not ok)
    detail = ", ".join(f"{k} {'ok' if ok else 'no'}" for k, ok in aims.items())
    print(f"verdict: {verdict}  ({detail})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
