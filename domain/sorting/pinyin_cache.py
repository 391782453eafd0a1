"""Toneless pinyin syllables of many keys, and jieba's real two-character words, cached on disk between processes.

pypinyin costs about 80 µs per key; the knowledge base has some 23,000 keys, so building
the pinyin index from nothing takes about two seconds: over the one-second load budget.
The syllables depend only on the key text and the pypinyin release, so they are kept in a
file (like jieba's own dictionary cache): a process loads the file, converts only the keys
it does not hold (a knowledge-base edit adds a few), and rewrites it atomically when it
converted any. A missing, unreadable or foreign file costs only the conversion.

Where: ``SORTING_CACHE_DIR`` when set, else ``<temp dir>/wastebot-cache``.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import pickle
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Iterable

import pypinyin
from pypinyin import lazy_pinyin

log = logging.getLogger(__name__)

#: Changing what is stored (or how it is converted) needs a new name: old files are then ignored.
FORMAT = 1


def cache_path() -> Path:
    base = os.environ.get("SORTING_CACHE_DIR") or Path(tempfile.gettempdir()) / "wastebot-cache"
    return Path(base) / f"pinyin-v{FORMAT}-{pypinyin.__version__}.pickle"


def syllables(text: str) -> list[str]:
    """Toneless syllables of one key, as pypinyin gives them (non-Chinese runs kept whole)."""
    return lazy_pinyin(text, errors="default")


def _read(path: Path) -> dict[str, tuple[str, ...]]:
    try:
        with path.open("rb") as fh:
            table = pickle.load(fh)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # a torn or foreign file is only a lost cache
        log.warning("pinyin cache %s unreadable (%s): rebuilding it", path, exc)
        return {}
    return table if isinstance(table, dict) else {}


def _write(path: Path, table: dict[str, tuple[str, ...]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(table, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # readers see the old file or the new one, never half of one
    except OSError as exc:
        log.warning("pinyin cache %s not written (%s)", path, exc)


def syllable_table(keys: Iterable[str], path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Syllables of every key, from the cache file where it has them."""
    path = path or cache_path()
    cached = _read(path)
    table: dict[str, tuple[str, ...]] = {}
    missing = 0
    for k in keys:
        syl = cached.get(k)
        if syl is None or not isinstance(syl, tuple):
            syl = tuple(syllables(k))
            missing += 1
        table[k] = syl
    if missing:
        _write(path, {**cached, **table})
    return table


def jieba_dictionary() -> Path:
    """jieba's bundled dict.txt (MIT-licensed: word, frequency, part of speech), found without importing jieba."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("jieba is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "dict.txt"


#: Two-character words this frequent in jieba's dictionary are real words, not typos.
MIN_WORD_FREQ = 3
_words: frozenset[str] | None = None


def two_char_words() -> frozenset[str]:
    """Real two-character words (from jieba's dictionary; cached on disk beside the pinyin)."""
    global _words
    if _words is not None:
        return _words
    path = cache_path().with_name(f"words2-v{FORMAT}-{version('jieba')}-{MIN_WORD_FREQ}.pickle")
    cached = _read(path)
    words = cached.get("words") if cached else None
    if not isinstance(words, frozenset):
        found = set()
        with jieba_dictionary().open(encoding="utf-8") as fh:
            for line in fh:
                word, freq, _ = line.split(" ", 2)
                if len(word) == 2 and int(freq) >= MIN_WORD_FREQ:
                    found.add(word)
        words = frozenset(found)
        _write(path, {"words": words})  # type: ignore[dict-item]
    _words = words
    return words
