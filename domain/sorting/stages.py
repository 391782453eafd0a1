"""Resolution of one item mention: exact, modifiers, compound head, pinyin, fuzzy."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Literal

from rapidfuzz import fuzz, process

from domain.sorting.index import Index, pinyin_full

OK_CONFIDENCE = 0.8
SUGGEST_CONFIDENCE = 0.6

# Words around an item that do not change its category.
_MODIFIER_PREFIX = re.compile(
    r"^(?:一个|一只|一些|一堆|一袋|一包|一瓶|一盒|一块|一张|一根|一杯|几个|这个|那个|这些|那些|这种|家里的|家里|"
    r"废弃的|废弃|废旧的|废旧|用过的|用剩的|用完的|用坏的|坏掉的|坏了的|坏的|不要的|没用的|吃剩的|吃剩|吃完的|"
    r"喝剩的|喝完的|过期的|过期|旧的|破的|空的|废|旧|坏|破|空)+"
)
_FILLER_SUFFIX = re.compile(r"(?:之类的|之类|什么的|啥的|这种东西|这类东西|东西|一类|类|等等|等|们|儿|子|碎片|碎了)$")
# Prefix words that may change a category (dirty paper is not recyclable): never infer past them.
_RISKY = re.compile(r"[脏污油湿沾染泡粘带装]")
# Materials that decide the bin whatever the object ("不锈钢勺子", "陶瓷勺"): prefix → item name.
_MATERIALS = (("不锈钢", "金属制品"), ("金属", "金属制品"), ("铝合金", "金属制品"), ("铁", "金属制品"), ("铝", "金属制品"),
              ("铜", "金属制品"), ("陶瓷", "陶瓷制品"), ("瓷", "陶瓷制品"), ("玻璃", "玻璃制品"))

# Names ending in a substance ("玻璃水", "玻璃胶", "瓷砖清洁剂") are not objects of that material.
_SUBSTANCE_TAIL = re.compile(r"[水液剂胶油膏粉霜乳漆蜡泥]$")

# Heads naming a material: when the material's own category disagrees with the object's, ask back.
_MATERIAL_WORDS = frozenset("塑料 玻璃 金属 不锈钢 铁 铝 铜 陶瓷 瓷 木 木头 木质 竹 竹子 纸 纸质 布 布艺 橡胶 硅胶 泡沫 皮 皮革".split())

CategoryOf = Callable[[str], str]


@dataclass(frozen=True)
class Resolution:
    """Outcome for one mention; names are item names, special a special's name."""

    kind: Literal["item", "special", "ambiguous", "none"]
    names: tuple[str, ...] = ()
    special: str = ""
    confidence: float = 0.0
    matched_by: str = ""
    inferred: bool = False
    via: str = ""


def _pick(index: Index, names: tuple[str, ...], category_of: CategoryOf, conf: float, by: str,
          inferred: bool = False, via: str = "") -> Resolution:
    """An item when all candidates share a category in this city, else ambiguous."""
    specials = [n[1:] for n in names if n.startswith("\x00")]
    items = tuple(n for n in names if not n.startswith("\x00"))
    if specials and not items:
        return Resolution("special", special=specials[0], confidence=conf, matched_by=by, inferred=inferred, via=via)
    if len({category_of(n) for n in items}) == 1 and not specials:
        return Resolution("item", items, confidence=conf, matched_by=by, inferred=inferred, via=via)
    return Resolution("ambiguous", items + tuple(specials), confidence=conf, matched_by=by, via=via)


def exact(index: Index, k: str, category_of: CategoryOf) -> Resolution | None:
    """Name, alias or special name."""
    if k in index.specials:
        return Resolution("special", special=index.specials[k], confidence=1.0, matched_by="special")
    names = index.lookup(k)
    if names:
        by = "exact" if names[0] == k or k == names[0].lower() else "alias"
        return _pick(index, names, category_of, 1.0, by)
    return None


def modifiers(index: Index, k: str, category_of: CategoryOf) -> Resolution | None:
    """Drop harmless modifiers (废旧、用过的、…的、等) and look up again."""
    variants = []
    bare = _MODIFIER_PREFIX.sub("", k)
    for cand in (bare, _FILLER_SUFFIX.sub("", bare), _FILLER_SUFFIX.sub("", k), k.replace("的", ""), bare.replace("的", "")):
        if cand and cand != k and cand not in variants:
            variants.append(cand)
    for cand in variants:
        found = exact(index, cand, category_of)
        if found is not None:
            return Resolution(found.kind, found.names, found.special, 0.95, "modifier", via=cand)
    return None


def compound(index: Index, k: str, category_of: CategoryOf) -> Resolution | None:
    """The longest known tail of an unknown compound ("精华玻璃瓶" → 玻璃瓶), as an inference."""
    for start in range(1, len(k) - 1):
        tail = k[start:]
        head = k[:start]
        if _RISKY.search(head):
            return None
        found = exact(index, tail, category_of)
        if found is None:
            continue
        conf = round(0.8 + 0.15 * len(tail) / len(k), 3)
        head_found = exact(index, head, category_of) if head in _MATERIAL_WORDS else None
        if found.kind == "item" and head_found is not None and head_found.kind == "item":
            if category_of(head_found.names[0]) != category_of(found.names[0]):  # "塑料花盆": material vs object
                return Resolution("ambiguous", (found.names[0], head_found.names[0]), confidence=conf, matched_by="compound")
        return Resolution(found.kind, found.names, found.special, conf, "compound", inferred=True, via=tail)
    return material(index, k, category_of)


def material(index: Index, k: str, category_of: CategoryOf) -> Resolution | None:
    """An unknown object named by a deciding material ("不锈钢勺子" → 金属制品)."""
    if _SUBSTANCE_TAIL.search(k):
        return None
    for prefix, name in _MATERIALS:
        if k.startswith(prefix) and len(k) > len(prefix) and name in index.items:
            return Resolution("item", (name,), confidence=0.85, matched_by="material", inferred=True, via=prefix)
    return None


def pinyin(index: Index, k: str, category_of: CategoryOf) -> Resolution | None:
    """Latin text as pinyin or initials; Chinese text by its pinyin (homophones)."""
    if k.isascii():
        if not k.isalpha():
            return None
        if k in index.pinyin:
            return _pick(index, index.pinyin[k], category_of, 0.92, "pinyin")
        if 2 <= len(k) <= 6 and k in index.initials:
            return _pick(index, index.initials[k], category_of, 0.85, "initials")
        return None
    names = index.pinyin.get(pinyin_full(k))
    if not names or len(k) < 2:
        return None
    # A typo keeps most characters: "点池" → 电池 shares 池; "砂锅" and "沙果" share none.
    close = tuple(n for n in names if any(_same_chars(k, s) * 2 >= len(k) for s in index.spellings(n)))
    # Two-character words sounding alike are different words more often than typos
    # ("鱼竿" / "鱼肝", "麻将" / "麻酱"): ask back instead of answering.
    if close and len(k) >= 3:
        return _pick(index, close, category_of, 0.88, "homophone")
    return Resolution("ambiguous", tuple(n.lstrip("\x00") for n in close or names), confidence=0.6,
                      matched_by="homophone")


def _same_chars(a: str, b: str) -> int:
    """Characters equal at the same position (0 when lengths differ)."""
    return sum(x == y for x, y in zip(a, b)) if len(a) == len(b) else 0


def fuzzy(index: Index, k: str, category_of: CategoryOf) -> Resolution:
    """Closest names by characters and by pinyin; ambiguous unless one category clearly leads."""
    scored: dict[str, float] = {}
    if k.isascii():
        if len(k) >= 4:
            for choice, score, _ in process.extract(k, index.pinyin_near(len(k), 2), scorer=fuzz.ratio, limit=5, score_cutoff=75):
                for name in index.pinyin[choice]:
                    scored[name] = max(scored.get(name, 0.0), score / 100 * 0.88)
    else:
        # Candidates share a character with the query: without one, neither score can reach a suggestion.
        near = index.keys_sharing(k, 2)
        chars = [c for c in near if abs(len(c) - len(k)) <= 1]
        for choice, score, _ in process.extract(k, chars, scorer=fuzz.ratio, limit=5, score_cutoff=50):
            for name in index.lookup(choice):
                scored[name] = max(scored.get(name, 0.0), score / 100 * 0.9)
        py = pinyin_full(k)
        sounds = {index.key_pinyin[c] for c in near if c in index.key_pinyin}
        for choice, score, _ in process.extract(py, sounds, scorer=fuzz.ratio, limit=5, score_cutoff=75):
            # A near pinyin of Chinese text is a different word more often than a typo: suggest only.
            for name in index.pinyin[choice]:
                if any(set(k) & set(sp) for sp in index.spellings(name)):
                    scored[name] = max(scored.get(name, 0.0), score / 100 * 0.75)
    if not scored:
        return Resolution("none")
    ranked = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))
    best_name, best = ranked[0]
    rivals = [n for n, s in ranked[1:] if s >= best - 0.08]
    names = tuple(n for n, s in ranked[:4] if s >= SUGGEST_CONFIDENCE)
    if best >= OK_CONFIDENCE and not best_name.startswith("\x00"):
        if all(not r.startswith("\x00") and category_of(r) == category_of(best_name) for r in rivals):
            return Resolution("item", (best_name,), confidence=round(best, 3), matched_by="fuzzy", inferred=True)
    if not names:
        return Resolution("none")
    return Resolution("ambiguous", tuple(n.lstrip("\x00") for n in names), confidence=round(best, 3), matched_by="fuzzy")


def resolve(index: Index, k: str, category_of: CategoryOf, fuzzy_ok: bool = True) -> Resolution:
    """Run the stages in order and return the first confident outcome."""
    if not k:
        return Resolution("none")
    for stage in (exact, modifiers, compound, pinyin):
        found = stage(index, k, category_of)
        if found is not None:
            return found
    return fuzzy(index, k, category_of) if fuzzy_ok else Resolution("none")
