"""Coverage of the knowledge base over a lexicon's frequent nouns: `python -m domain.sorting.coverage`.

The lexicon is jieba's own dictionary (MIT-licensed, installed with jieba): word, frequency and
part of speech per line. Its frequent concrete nouns are what residents name. A noun counts as
covered when the matcher answers it (an item, a class, or a kind-dependent special that asks
back); words that name no thing one throws away (问题, 政府, 河流) are listed, once reviewed, in
`data/kb/lexicon/not_items*.txt` and leave the count. What is left are the holes, ranked by
frequency, for the team and the office to fill.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from domain.sorting.kb import NATIONAL, load_kb
from domain.sorting.matcher import Matcher
from domain.sorting.pinyin_cache import jieba_dictionary

DEFAULT_MIN_FREQ = 200


def frequent_nouns(path: Path, min_freq: int = DEFAULT_MIN_FREQ) -> list[tuple[str, int]]:
    """Common nouns (tag ``n``) at or above a frequency, most frequent first."""
    found = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "n" and int(parts[1]) >= min_freq:
                found.append((parts[0], int(parts[1])))
    found.sort(key=lambda wf: (-wf[1], wf[0]))
    return found


def not_items(lexicon_dir: Path) -> set[str]:
    """Reviewed words that name no thing to throw away."""
    words: set[str] = set()
    for path in sorted(lexicon_dir.glob("not_items*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            word = line.strip()
            if word and not word.startswith("#"):
                words.add(word)
    return words


@dataclass
class Coverage:
    """Counts of the sweep and the unanswered nouns, most frequent first."""

    nouns: int = 0
    excluded: int = 0
    answered: int = 0
    holes: list[tuple[str, int]] = field(default_factory=list)

    @property
    def things(self) -> int:
        """Nouns that name things (not excluded as not-items)."""
        return self.nouns - self.excluded

    @property
    def rate(self) -> float:
        """Share of the thing nouns the matcher answers."""
        return self.answered / self.things if self.things else 0.0


def measure(matcher: Matcher, nouns: list[tuple[str, int]], skip: set[str], city: str = NATIONAL) -> Coverage:
    """Classify every noun that is not a reviewed not-item."""
    result = Coverage(nouns=len(nouns))
    for word, freq in nouns:
        if word in skip:
            result.excluded += 1
            continue
        c = matcher.classify(word, city)
        if (c.status == "ok" and (c.answers or c.parts)) or c.special:
            result.answered += 1
        else:
            result.holes.append((word, freq))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default="data/kb", help="knowledge-base folder (default data/kb)")
    parser.add_argument("--min-freq", type=int, default=DEFAULT_MIN_FREQ, help="lexicon frequency floor")
    parser.add_argument("--top", type=int, default=50, help="how many holes to list")
    args = parser.parse_args(argv)
    data = Path(args.data)
    cov = measure(Matcher(load_kb(data)), frequent_nouns(jieba_dictionary(), args.min_freq), not_items(data / "lexicon"))
    print(f"lexicon: jieba dict.txt nouns with frequency >= {args.min_freq}: {cov.nouns}")
    print(f"reviewed as not things: {cov.excluded}; things: {cov.things}")
    print(f"answered: {cov.answered} ({cov.rate:.1%}); holes: {len(cov.holes)}")
    for word, freq in cov.holes[: args.top]:
        print(f"  {freq}\t{word}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
