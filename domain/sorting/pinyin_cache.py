"""Toneless pinyin syllables of many keys, cached on disk between processes.

pypinyin costs about 80 µs per key; the knowledge base has some 23,000 keys, so building
the pinyin index from nothing takes about two seconds: over the one-second load budget.
The syllables depend only on the key text and the pypinyin release, so they are kept in a
file (like jieba's own dictionary cache): a process loads the file, converts only the keys
it does not hold (a knowledge-base edit adds a few), and rewrites it atomically when it
converted any. A missing, unreadable or foreign file costs only the conversion.

Where: ``SORTING_CACHE_DIR`` when set, else ``<temp dir>/wastebot-cache``.
"""
from __future__ import annotations

import logging
import os
import pickle
import tempfile
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
