"""Matcher: turns one chat message into a Classification for a city."""
from __future__ import annotations

import re
from typing import Callable

from domain.sorting.intents import chitchat_kind, guide_category
from domain.sorting.kb import NATIONAL, KnowledgeBase
from domain.sorting.model import FOOD, Answer, Classification, Part, ResolvedPart, Special
from domain.sorting.normalize import (Normalizer, english_bare, key, strip_english, strip_noise, strip_pinyin,
                                      strip_wrappers)
from domain.sorting.stages import OK_CONFIDENCE, CategoryOf, Resolution, resolve

_SEPARATORS = re.compile(r"[,，、;；/|\s]+|还有|以及|和|跟|与|及|加上|外加|或者|或")
_LIST_PUNCT = re.compile(r"[,，、;；]")
_LIST_WORDS = re.compile(r"(?<=.{2})(?:和|跟|还有|以及)(?=.{2})")
_EN_SEPARATORS = re.compile(r"\s*(?:[,;/|&]|\band\b|\bor\b|\bhe\b|\bgen\b)\s*")  # "he", "gen": pinyin 和, 跟
_MAX_PARTS = 8


# A thing together with what holds it or hangs on it: answered part by part.
_WITH_HOLDER = re.compile(r"^(?:贴着|绑着|带着|连着|装着|装了|包着|带有|带)(.{1,10}?)的(.{2,})$")
# A food still in its package ("没开封的过期罐头", "整箱过期的杯装酸奶"): the food and the package go to
# different bins. The package word says which package; the others leave it to the material.
_PACKAGED = re.compile(r"没开封|没拆封|未开封|未拆封|没开过|没拆过|没打开|带着包装|带包装|连包装|原包装|整箱|整盒|整袋|整罐|整瓶|"
                       r"盒装|罐装|袋装|瓶装|杯装|听装")
_PACKAGE_PARTS = {
    "罐": (Part("罐子（倒空洗净）", item="罐头盒"),),
    "听": (Part("罐子（倒空洗净）", item="罐头盒"),),
    "瓶": (Part("瓶子（倒空洗净）", item="塑料瓶"),),
    "盒": (Part("干净的纸盒、塑料盒", item="纸盒"), Part("沾满油污的餐盒", item="外卖餐盒")),
    "袋": (Part("包装袋", item="塑料袋"),),
    "杯": (Part("塑料杯、封口膜", item="一次性纸杯"),),
}
_ANY_PACKAGE = (Part("纸盒、玻璃瓶、塑料瓶、金属罐（倒空洗净）", item="纸盒"),
                Part("塑料袋、塑料膜、小包装袋、脱氧剂", item="塑料袋"))
# Names of a container that residents use for the food in it.
_FOOD_BY_CONTAINER = {"罐头": ("罐头里的食物", "罐")}
_JOINED = re.compile(r"(?<=.{2})(?:连同|连着|连带|连|带着)(?=.{2})")


def _as_list(text: str, known: Callable[[str], bool]) -> str | None:
    """"X连Y" → "X、Y"; "带Y的X" → "X、Y"; None when the text joins nothing.

    A connector inside a known name ("带鱼", "牛仔连衣裙") joins nothing.
    """
    held = _WITH_HOLDER.match(text)
    joined = _JOINED.search(text)
    at = 0 if held else joined.start() if joined else -1
    if at < 0:
        return None
    for size in (2, 3, 4):
        for start in range(max(0, at - size + 1), at + 1):
            if known(text[start:start + size]):
                return None
    if held:
        return f"{held.group(2)}、{held.group(1)}"
    return _JOINED.sub("、", text, count=1)


class Matcher:
    """Classify messages against a knowledge base; stateless apart from lazy indexes."""

    def __init__(self, kb: KnowledgeBase, normalizer: Normalizer | None = None) -> None:
        self.kb = kb
        self.normalizer = normalizer or Normalizer()

    def classify(self, query: str, city: str = NATIONAL) -> Classification:
        """Classify one message: guide, chit-chat, one item, several items, or not found."""
        city = city if city in self.kb.profiles else NATIONAL
        cleaned = self.normalizer.clean(query)
        if cleaned.isascii():
            cleaned = strip_pinyin(strip_english(cleaned))
            whole = strip_noise(cleaned)
            if whole not in self.kb.index.exact and whole not in self.kb.index.specials:
                cleaned = english_bare(cleaned)  # "old batteries" → "batteries", unless listed as such
        compact = strip_noise(cleaned)
        base = Classification(query=query, city=city, status="not_found", normalized=compact)
        if not compact:
            return base
        guide = guide_category(compact, self.kb.profile(city), self.kb.profile(NATIONAL))
        if guide:
            return Classification(query, city, "guide", compact, guide=guide)
        core = self._core(compact)
        category_of = self._category_of(city)
        index = self.kb.index
        joined = _with_container(compact, core)
        if joined:
            # "奶茶里的珍珠" is 奶茶珍珠 (tapioca), not a pearl: the container names it when the pair is known.
            found = resolve(index, joined, category_of, fuzzy_ok=False, onto=self.kb.ontology, city=city)
            if found.kind in ("item", "special") and found.matched_by in ("exact", "alias", "special", "modifier"):
                return self._build(query, city, joined, found)
        first = resolve(index, core, category_of, onto=self.kb.ontology, city=city)
        if first.kind in ("item", "special") and first.matched_by in ("exact", "alias", "special"):
            return self._build(query, city, core, first)
        packed = self._packaged(query, city, core, category_of)
        if packed is not None:
            return packed
        joined = _as_list(cleaned, lambda t: t in index.exact or t in index.specials)
        if joined is not None:  # "吃剩的外卖连餐盒", "带电池的遥控器": a thing with its container or part
            multi = self._multi(query, city, joined)
            if multi is not None:
                return multi
        if first.kind in ("item", "special") and first.matched_by in ("modifier", "sentence"):
            # "西瓜皮、易拉罐、用过的纸巾": a list written with commas is a list, whatever its tail says.
            # "粽叶和吃剩的糯米": a list joined by 和 too, when its pieces are each known.
            multi = self._multi(query, city, cleaned) if _LIST_PUNCT.search(cleaned) or _LIST_WORDS.search(cleaned) else None
            return multi if multi is not None else self._build(query, city, core, first)
        chat = chitchat_kind(compact, core)
        if chat:
            return Classification(query, city, "chitchat", core, special=chat)
        multi = self._multi(query, city, cleaned)
        if multi is not None:
            return multi
        return self._build(query, city, core, first)

    def _core(self, text: str) -> str:
        """The thing named, wrappers stripped; a leading 额/那 … stays when only then the name is known."""
        core = strip_wrappers(text)
        if self._known(core):
            return core
        kept = strip_wrappers(text, interjections=False)
        return kept if kept != core and self._known(kept) else core

    def _known(self, k: str) -> bool:
        return bool(self.kb.index.lookup(k)) or k in self.kb.index.specials

    def _packaged(self, query: str, city: str, core: str, category_of: CategoryOf) -> Classification | None:
        """A food named with its package ("没开封的罐头", "盒装蛋糕"): the food and the package, each to its bin."""
        words = _PACKAGED.findall(core)
        rest = re.sub(r"的+", "的", _PACKAGED.sub("", core)).strip("的")
        if not words or len(rest) < 2:
            return None
        kind = next((w[0] if w.endswith("装") else w[1] for w in words
                     if (w[0] if w.endswith("装") else w[1]) in _PACKAGE_PARTS), "")
        whole = next((food for name, food in _FOOD_BY_CONTAINER.items() if rest.endswith(name)), None)
        if whole is not None:
            food, kind = whole[0], kind or whole[1]
            res = Resolution("item", (food,), confidence=0.9, matched_by="package")
        else:
            res = resolve(self.kb.index, rest, category_of, fuzzy_ok=False, onto=self.kb.ontology, city=city)
            if res.kind == "special" and self.kb.specials[res.special].kind == "composite":
                return self._build(query, city, core, res)  # 牛奶, 月饼: their own parts name the package
            if res.kind != "item" or res.inferred or res.confidence < OK_CONFIDENCE or category_of(res.names[0]) != FOOD:
                return None
            food = res.names[0]
        package = _PACKAGE_PARTS.get(kind, _ANY_PACKAGE)
        special = Special(food, "composite", parts=(Part(f"{food}（取出）", category=FOOD), *package))
        return self._special(query, city, core, special, Resolution("special", special=food, confidence=0.9,
                                                                    matched_by="package"))

    def _category_of(self, city: str) -> CategoryOf:
        """The city's category of an item name."""
        kb = self.kb

        def category_of(name: str) -> str:
            return kb.category_for(name, city)[0]

        return category_of

    def _multi(self, query: str, city: str, cleaned: str) -> Classification | None:
        """Several items in one message ("电池和香蕉皮"), each classified on its own."""
        splitter = _EN_SEPARATORS if cleaned.isascii() else _SEPARATORS
        pieces = [self._core(strip_noise(english_bare(strip_english(p)) if p.isascii() else p))
                  for p in splitter.split(cleaned)]
        pieces = [p for p in pieces if p][:_MAX_PARTS]
        if len(pieces) < 2:
            return None
        category_of = self._category_of(city)
        subs = [self._build(p, city, p, resolve(self.kb.index, p, category_of, fuzzy_ok=False,
                                                onto=self.kb.ontology, city=city)) for p in pieces]
        known = [s for s in subs if s.status != "not_found"]
        if len(known) < 2 and len(known) < len(subs):
            return None
        answers = tuple(a for s in known if s.status == "ok" for a in s.answers)
        return Classification(
            query, city, "ok", strip_noise(cleaned), answers=answers, items=tuple(known),
            missing=tuple(s.normalized for s in subs if s.status == "not_found"),
        )

    def _build(self, query: str, city: str, core: str, res: Resolution) -> Classification:
        """Classification for one resolved mention."""
        if res.kind == "special":
            return self._special(query, city, core, self.kb.specials[res.special], res)
        if res.kind == "item" and res.confidence >= OK_CONFIDENCE:
            return Classification(query, city, "ok", core, answers=(self._answer(res.names[0], city, res),))
        if res.kind == "class":
            label = self.kb.profile(city).label(res.category)
            answer = Answer(item=core, category=res.category, label=label, confidence=res.confidence,
                            matched_by=res.matched_by, inferred=True, basis=res.via)
            return Classification(query, city, "ok", core, answers=(answer,))
        if res.kind in ("item", "ambiguous") and res.names:
            return Classification(query, city, "ambiguous", core, suggestions=res.names[:4])
        return Classification(query, city, "not_found", core, suggestions=self._nearby(core, city))

    def _answer(self, name: str, city: str, res: Resolution) -> Answer:
        category, note = self.kb.category_for(name, city)
        item = self.kb.items[name]
        return Answer(
            item=name, category=category, label=self.kb.profile(city).label(category),
            confidence=res.confidence, matched_by=res.matched_by, tip=item.tip,
            inferred=res.inferred, note=note, basis=res.via if res.inferred else "",
        )

    def _special(self, query: str, city: str, core: str, special: Special, res: Resolution) -> Classification:
        profile = self.kb.profile(city)
        parts = []
        for part in special.parts:
            category = (self.kb.category_for(part.item, city)[0] if part.item else "") or part.category
            parts.append(ResolvedPart(part.what, category, profile.label(category) if category else "", part.action))
        if special.kind != "composite":
            return Classification(query, city, "ambiguous", core, parts=tuple(parts), special=special.name,
                                  suggestions=special.options, question=special.question, tip=special.tip)
        named = _named_part(special, {core, res.via})
        order = sorted(range(len(parts)), key=lambda i: i != named)
        answers = tuple(
            Answer(item=parts[i].what, category=parts[i].category, label=parts[i].label, confidence=res.confidence,
                   matched_by="part" if i == named else "special")
            for i in order if parts[i].category
        )
        return Classification(
            query, city, "ok", core, answers=answers, parts=tuple(parts), special=special.name,
            question=special.question, tip=special.tip, part=special.parts[named].what if named >= 0 else "",
        )

    def _nearby(self, core: str, city: str) -> tuple[str, ...]:
        """A few names sharing characters with an unknown query, for a helpful not-found reply."""
        if len(core) < 2:
            return ()
        found: list[str] = []
        for size in (3, 2):
            for start in range(len(core) - size + 1):
                for name in self.kb.index.lookup(core[start:start + size]):
                    if name not in found:
                        found.append(name)
        return tuple(found[:3])


def _with_container(compact: str, core: str) -> str:
    """"奶茶里的珍珠" → "奶茶珍珠": the thing named with the container the wrappers cut off ("" when none)."""
    at = compact.find("里的")
    if at < 1 or "里的" in core or not compact[at + 2:].startswith(core):
        return ""
    container = strip_wrappers(compact[:at])
    return container + core if container and len(container) <= 6 else ""


def _named_part(special: Special, said: set[str]) -> int:
    """Index of the part the query names ("粽叶", "月饼盒"), -1 when it names the whole."""
    said = {k for k in said if k and k != key(special.name)}
    for i, part in enumerate(special.parts):
        if said & {key(n) for n in part.names}:
            return i
    # The longest piece of what was said that a part's description contains: "香烟盒" → "烟盒".
    pieces = sorted({k[i:] for k in said for i in range(len(k) - 1)}, key=len, reverse=True)
    for piece in pieces:
        for i, part in enumerate(special.parts):
            if piece in key(part.what) and piece != key(special.name):
                return i
    return -1
