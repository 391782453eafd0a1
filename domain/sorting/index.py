"""Lookup indexes over item names and aliases: exact keys, pinyin, fuzzy choices."""
from __future__ import annotations

from functools import cached_property
from typing import Mapping

from domain.sorting.model import Item, Special
from domain.sorting.normalize import key
from domain.sorting.pinyin_cache import syllable_table, syllables, two_char_words


def pinyin_full(text: str) -> str:
    """Toneless pinyin without separators ("香蕉皮" → "xiangjiaopi")."""
    return "".join(syllables(text)).lower()


def _add(table: dict[str, list[str]], k: str, name: str) -> None:
    if k:
        names = table.setdefault(k, [])
        if name not in names:
            names.append(name)


class Index:
    """Keys of every item name and alias; pinyin tables are built on first use."""

    def __init__(self, items: Mapping[str, Item], specials: Mapping[str, Special],
                 english: Mapping[str, str] | None = None) -> None:
        self.items = items
        self.specials: dict[str, str] = {}
        for special in specials.values():
            for text in (special.name, *special.aliases):
                self.specials.setdefault(key(text), special.name)
        exact: dict[str, list[str]] = {}
        for item in items.values():  # names first so a name beats someone else's alias
            _add(exact, key(item.name), item.name)
        for item in items.values():
            for alias in item.aliases:
                _add(exact, key(alias), item.name)
        for text, name in (english or {}).items():  # English names come last: Chinese keys win
            if name in items:
                _add(exact, key(text), name)
            elif name in specials:
                self.specials.setdefault(key(text), name)
        self.exact: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in exact.items()}

    @cached_property
    def suffix_categories(self) -> dict[str, dict[str, int]]:
        """For each name ending (1-4 characters), how many item names with it fall in each national category."""
        table: dict[str, dict[str, int]] = {}
        for item in self.items.values():
            k = key(item.name)
            for n in range(1, min(4, len(k) - 1) + 1):
                counts = table.setdefault(k[-n:], {})
                counts[item.category] = counts.get(item.category, 0) + 1
        return table

    def lookup(self, k: str) -> tuple[str, ...]:
        """Item names whose name or alias has this key."""
        return self.exact.get(k, ())

    @cached_property
    def _pinyin_by_len(self) -> dict[int, list[str]]:
        return _by_length(self.pinyin_keys)

    @cached_property
    def _by_char(self) -> dict[str, list[str]]:
        table: dict[str, list[str]] = {}
        for k in (*self.exact, *self.specials):
            for ch in set(k):
                if not ch.isascii():
                    table.setdefault(ch, []).append(k)
        return table

    def keys_sharing(self, text: str, spread: int) -> list[str]:
        """Keys (items' and specials') sharing a character with ``text``, length within ``spread``."""
        found: dict[str, None] = {}
        for ch in set(text):
            for k in self._by_char.get(ch, ()):
                if abs(len(k) - len(text)) <= spread:
                    found[k] = None
        return list(found)

    @cached_property
    def _syllables(self) -> dict[str, tuple[str, ...]]:
        """Toneless pinyin syllables of every non-latin key (from the on-disk cache where it has them)."""
        return syllable_table(k for k in (*self.exact, *self.specials) if not k.isascii())

    @cached_property
    def key_pinyin(self) -> dict[str, str]:
        """Full pinyin of every non-latin key."""
        return {k: "".join(syl).lower() for k, syl in self._syllables.items()}

    def _initials(self, k: str) -> str:
        return "".join(s[0] for s in self._syllables[k] if s).lower()

    def pinyin_near(self, length: int, spread: int) -> list[str]:
        """Pinyin keys whose length is within ``spread`` of ``length``."""
        return [k for n in range(length - spread, length + spread + 1) for k in self._pinyin_by_len.get(n, ())]

    @cached_property
    def _pinyin(self) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
        full: dict[str, list[str]] = {}
        initials: dict[str, list[str]] = {}
        name_keys = {name: key(name) for name in self.items}
        for k, names in self.exact.items():
            if not k.isascii():
                for name in names:
                    _add(full, self.key_pinyin[k], name)
                    if name_keys.get(name) == k:  # initials of names only: aliases make too many collisions
                        _add(initials, self._initials(k), name)
        for k in self.specials:
            if not k.isascii():
                _add(full, self.key_pinyin[k], "\x00" + self.specials[k])
                _add(initials, self._initials(k), "\x00" + self.specials[k])
        return ({k: tuple(v) for k, v in full.items()}, {k: tuple(v) for k, v in initials.items()})

    @property
    def pinyin(self) -> dict[str, tuple[str, ...]]:
        """Full toneless pinyin → item names (special names are prefixed with NUL)."""
        return self._pinyin[0]

    @property
    def initials(self) -> dict[str, tuple[str, ...]]:
        """Pinyin initials → item names (special names are prefixed with NUL)."""
        return self._pinyin[1]

    @cached_property
    def pinyin_keys(self) -> list[str]:
        """All full-pinyin keys, for fuzzy matching."""
        return list(self.pinyin)

    def spellings(self, name: str) -> tuple[str, ...]:
        """Keys of an item's name and aliases, or of a special's (NUL-prefixed) name and aliases."""
        if name.startswith("\x00"):
            return tuple(k for k, owner in self.specials.items() if owner == name[1:])
        item = self.items[name]
        return tuple(key(t) for t in (item.name, *item.aliases))

    def warm(self) -> None:
        """Build the lazy tables now."""
        _ = self.pinyin, self._pinyin_by_len, self._by_char, self.key_pinyin, self.suffix_categories
        two_char_words()


def _by_length(keys: list[str]) -> dict[int, list[str]]:
    table: dict[int, list[str]] = {}
    for k in keys:
        table.setdefault(len(k), []).append(k)
    return table
