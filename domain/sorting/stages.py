"""Resolution of one item mention: exact, modifiers, compound head, pinyin, fuzzy."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Literal

from rapidfuzz import fuzz, process

from domain.sorting.classes import ClassMatch, Ontology
from domain.sorting.index import Index, pinyin_full
from domain.sorting.model import BULKY, FOOD, HAZARDOUS, RECYCLABLE, RENOVATION
from domain.sorting.pinyin_cache import two_char_words

OK_CONFIDENCE = 0.8
SUGGEST_CONFIDENCE = 0.6

# Words around an item that do not change its category.
_MODIFIER_PREFIX = re.compile(
    r"^(?:一个|一只|一些|一堆|一袋|一包|一瓶|一盒|一块|一张|一根|一杯|几个|这个|那个|这些|那些|这种|家里的|家里|"
    r"废弃的|废弃|废旧的|废旧|用过的|用剩的|用完的|用坏的|坏掉的|坏了的|坏的|不要的|没用的|吃剩的|吃剩|吃完的|"
    r"喝剩的|喝完的|泡过的|泡发过的|泡发的|泡开的|过期的|过期|旧的|破的|空的|碎掉的|打碎的|碎的|剩下的|剩余的|多余的|装修剩下的|宠物的|宠物|"
    r"废|旧|坏|破|空)+"
)
# A battery's size said after it ("碱性电池5号", "锂电池AA"): the kind decides, not the size.
_BATTERY_SIZE = re.compile(r"(?<=电池)(?:[0-9]{1,2}号|[一二三五七九]号|aaa|aa|[0-9]v)$")
_FILLER_SUFFIX = re.compile(r"(?:之类的|之类|什么的|啥的|这种东西|这类东西|东西|一类|类|等等|等|们|儿|子|碎片|碎了)$")
# Prefix words that may change a category (dirty paper is not recyclable): never infer past them.
_RISKY = re.compile(r"[脏污油湿沾染泡粘装]|带(?!鱼)")  # 带鱼 is a fish, not "with"
# Words before 的 that may make a thing something else ("塑料的苹果", "玩具的香蕉"): never dropped.
_NOT_STATE = re.compile(r"假|玩具|模型|仿真|装饰|摆件|图案|印|画")
_DRY = "其他垃圾"
# Words that make a thing smaller, built in or an appliance: bulky or renovation waste no longer follows.
_SIZE_CHANGERS = re.compile(r"儿童|童|玩具|迷你|小|折叠|充气|婴儿|宝宝|宠物|桌面|便携|车载|电|消毒|烘|干衣|整体|定制|入墙|"
                            r"嵌入|壁挂|拆下|一次性|隔尿|模型|仿真|^口|^手|软")
# Names ending in a substance ("玻璃水", "玻璃胶", "瓷砖清洁剂") are not objects of that material.
_SUBSTANCE_TAIL = re.compile(r"[水液剂胶油膏粉霜乳漆蜡泥]$")

# Heads naming a material: when the material's own category disagrees with the object's, ask back.
_MATERIAL_WORDS = frozenset("塑料 玻璃 金属 不锈钢 铁 铝 铜 陶瓷 瓷 木 木头 木质 竹 竹子 纸 纸质 布 布艺 橡胶 硅胶 泡沫 皮 皮革".split())
# Words in front of a known tail that may change its bin (material, single use): the tail alone does not decide.
_CHANGERS = ("一次性", "塑料", "硅胶", "橡胶", "树脂", "泡沫", "铝箔", "锡纸", "纸质", "纸", "竹", "木", "布", "皮", "棉",
             "玻璃", "陶瓷", "金属", "不锈钢", "铁", "铝", "铜", "亚克力", "尼龙", "乳胶", "藤", "草",
             "led")  # LED lamps are hazardous in Shanghai: "LED灯串" is not just a 灯串
# A tail decides only when the names ending with it mostly agree ("…纸袋" splits between paper and greasy bags).
_MIN_AGREEMENT = 0.8
# Materials that are recyclable themselves: in front of a recyclable object they agree with it
# ("塑料竖笛", "木头砧板", "纸质礼品盒"), so the object's answer stands.
_RECYCLABLE_MATERIALS = frozenset("塑料 硬塑料 金属 不锈钢 铁 铁皮 铝 铜 木 木头 木质 实木 纸 纸质 牛皮纸 布 布艺 帆布".split())
_MIN_SAMPLE = 3

CategoryOf = Callable[[str], str]


@dataclass(frozen=True)
class Resolution:
    """Outcome for one mention; names are item names, special a special's name."""

    kind: Literal["item", "special", "class", "ambiguous", "none"]
    names: tuple[str, ...] = ()
    special: str = ""
    confidence: float = 0.0
    matched_by: str = ""
    inferred: bool = False
    via: str = ""
    #: The city's category of a class answer.
    category: str = ""


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


def _singular(word: str) -> list[str]:
    """English singulars to try: batteries → battery, boxes → box, bottles → bottle."""
    found = []
    if word.endswith("ies") and len(word) > 4:
        found.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        found.append(word[:-2])
    if word.endswith("s") and len(word) > 2:
        found.append(word[:-1])
    return found


def _possessed(k: str, known: Callable[[str], bool] | None = None) -> tuple[str, ...]:
    """"烂掉的苹果" → 苹果, "螃蟹吃剩的壳" → 螃蟹壳: the thing after the last 的, unless the words before may change it.

    Words before that look risky (油, 粘, 泡 …) are harmless when they only spell a known owner
    ("粘毛器撕下来的纸" → 粘毛器纸); then only the owner's part is tried, never the bare thing.
    """
    if "的" not in k:
        return ()
    before, after = k.rsplit("的", 1)
    if not after or _LIST_WORD.search(before) or "霉" in before:
        return ()  # "螃蟹壳和绑螃蟹的绳子" is two things; mould moves paper and cloth to dry waste (food: see _stated)
    if before in _MATERIAL_WORDS or before in _CHANGERS or _NOT_STATE.search(before):
        return ()  # "塑料的苹果" is not an apple
    owner = _MODIFIER_PREFIX.sub("", re.sub(r"(?:里面|里头|里|上面|上)?(?:吃剩|用剩|用完|喝完|剩下|留下|掉下|倒出来|倒出|"
                                           r"撕下来|撕下|扫出来|刮下来|拆下来|剪下来|换下来|取下来)?$", "", before))
    risky = bool(_RISKY.search(before))
    if risky and not (known is not None and owner and known(owner) and not _RISKY.search(before.replace(owner, "", 1))):
        return ()
    found = [after] if len(after) >= 2 and not risky else []
    bare = _MODIFIER_PREFIX.sub("", after)
    if found and bare != after and len(bare) >= 2:
        found.append(bare)  # "剥了糖纸的过期糖果" → 糖果
    if owner and len(after) <= 2:
        # A part named after its owner is the more precise name: "奶茶里剩下的珍珠" → 奶茶珍珠, not 珍珠 (pearls).
        found.insert(0, owner + after)
    return tuple(found)


def modifiers(index: Index, k: str, category_of: CategoryOf) -> Resolution | None:
    """Drop harmless modifiers (废旧、用过的、…的、等) and look up again."""
    variants = []
    bare = _MODIFIER_PREFIX.sub("", k)
    if k.isascii():
        variants.extend(_singular(k))
    # The whole name without 的 first: "过期的药" is 过期药 (an item), not the bare "药" (which asks back).
    for cand in (k.replace("的", ""), bare, _FILLER_SUFFIX.sub("", bare), _FILLER_SUFFIX.sub("", k), bare.replace("的", ""),
                 _BATTERY_SIZE.sub("", bare), *_possessed(k, lambda t: t in index.exact or t in index.specials)):
        if cand and cand != k and cand not in variants:
            variants.append(cand)
    for cand in variants:
        found = exact(index, cand, category_of)
        if found is not None:
            return Resolution(found.kind, found.names, found.special, 0.95, "modifier", via=cand)
    return _stated(index, k, category_of)


def _stated(index: Index, k: str, category_of: CategoryOf) -> Resolution | None:
    """"臭掉的鱼", "泡过的枸杞", "猫罐头里的肉": a state or a container before 的 does not move food out of
    the food bin; "花盆里的土": what was inside a container is the thing; "油腻的锡纸": dirt does not move
    a dry-waste thing. Anything else before 的 (materials, 装过…) keeps the question open."""
    if "的" not in k:
        return None
    before, after = k.rsplit("的", 1)
    if not before or not after or any(m in before for m in _CHANGERS) or _NOT_STATE.search(before):
        return None
    found = exact(index, after, category_of)
    if found is None or found.kind != "item":
        return None
    category = category_of(found.names[0])
    inside = before.endswith("里") and not _RISKY.search(before)
    dirty_dry = category == _DRY and re.fullmatch(r"(?:很|有点|沾满|全是)?(?:油腻|油污|油乎乎|脏|脏兮兮|湿|湿掉|发霉)(?:了|掉)?", before)
    food = category == FOOD and not re.search(r"[装沾染粘药电漆]", before)  # "泡了药的酒" is a medicine
    if food or inside or dirty_dry:
        return Resolution("item", found.names, confidence=0.9, matched_by="modifier", via=after)
    return None


# Words around a known thing in a resident's sentence that say what happened to it or ask about
# it, never what it is ("咖喱饭剩了一半", "百合花谢了", "染发膏用剩的", "泡沫箱干净的能回收吗").
_PREDICATE = re.compile(
    r"(?:装修时|装修|没开封|没开过|没拆封|未开封|没吃完|没喝完|没用完|吃不完|用不完|喝不完|洗干净|干干净净|干净|沥干|晾干|"
    r"倒出来|倒掉|敲下来|拆下来|剪下来|掉下来|换下来|取下来|撕下来|刮下来|扫出来|剩下|剩了|剩余|吃剩|喝剩|用剩|"
    r"吃完|喝完|用完|用过|用坏|穿破|穿坏|穿旧|玩坏|摔碎|摔坏|打碎|碎掉|碎了|坏掉|坏了|死掉|死了|枯萎|枯死|烂掉|腐烂|"
    r"发霉|长毛|变质|馊掉|过期|开封|拆封|不要|不用|没用|一半|半个|一点|一些|整个|全部|已经|之后|以后|"
    r"能不能|可不可以|可以|能|要不要|需要|应该|怎么|如何|处理|扔掉|丢掉|扔|丢|放|回收|哪里|哪儿|哪个|哪|桶|算|"
    r"了|过|完|掉|的|着|吗|呢|吧|啊|呀|哦|嘛|都|还|也|就|又|要|剩|坏|死|谢|枯|烂|馊|霉|碎|破|旧|脏|吃|喝|用|煮|泡|蒸|洗)*"
)
_LIST_WORD = re.compile(r"和|跟|还有|以及|与")
# A resident's sentence about one thing is short; the scan is quadratic, so longer text is not scanned.
_MAX_SENTENCE = 30
_LONGEST_NAME = 16  # longer than any name in the KB (14)


def sentence(index: Index, k: str, category_of: CategoryOf) -> Resolution | None:
    """A known thing inside a short sentence whose other words only say what happened to it."""
    if not 4 <= len(k) <= _MAX_SENTENCE:
        return None
    for size in range(min(len(k) - 1, _LONGEST_NAME), 1, -1):
        for start in range(len(k) - size + 1):
            part = k[start:start + size]
            if part not in index.exact and part not in index.specials:
                continue
            rest = k[start + size:]
            rest = rest[1:] if rest[:1] in ("子", "儿") else rest  # "肉包子馊了": 肉包 + 子
            if _PREDICATE.fullmatch(k[:start]) and _PREDICATE.fullmatch(rest):
                found = exact(index, part, category_of)
                if found is not None:
                    return Resolution(found.kind, found.names, found.special, 0.9, "sentence", via=part)
    return None


# Words saying a thing is greasy or dirty ("沾了油的", "油腻的"): they may turn a clean recyclable into 其他垃圾,
# and change nothing for a thing that is not recyclable anyway ("沾满油的披萨盒" is a 披萨盒).
_DIRT = re.compile(
    r"^(?:(?:沾满了?|沾了|沾过|沾有|沾|粘了|粘满了?|带|有|满是)(?:油|油污|油渍|汤汁|酱汁|菜汤|污渍|脏东西)的|"
    r"油腻腻的|油腻的|油乎乎的|油汪汪的|脏兮兮的|脏了的|弄脏了?的|很脏的|脏的)"
)


def dirtied(index: Index, k: str, category_of: CategoryOf) -> Resolution | None:
    """A known thing that is not recyclable, said to be greasy or dirty: the dirt does not change its bin."""
    m = _DIRT.match(k)
    if m is None or len(k) == m.end():
        return None
    rest = k[m.end():]
    found = exact(index, rest, category_of) or modifiers(index, rest, category_of)
    if found is None or found.kind != "item" or any(category_of(n) == RECYCLABLE for n in found.names):
        return None  # clean paper is recyclable, greasy paper is not: the item alone does not say
    return Resolution("item", found.names, confidence=0.9, matched_by="modifier", via=rest)


def _tail(index: Index, k: str, category_of: CategoryOf) -> tuple[str, Resolution] | None:
    """The longest known tail of a compound (at least two characters), stopping at risky words."""
    for start in range(1, len(k) - 1):
        head = k[:start]
        if _RISKY.search(head):
            return None
        found = exact(index, k[start:], category_of)
        if found is not None and start == 1 and found.kind == "item" and _splits_known_word(index, k, found, category_of):
            return None  # 山药片 is not 山 + 药片, 沙发套 not 沙 + 发套: ask rather than guess
        if found is not None:
            return k[start:], found
    return None


def _splits_known_word(index: Index, k: str, tail: Resolution, category_of: CategoryOf) -> bool:
    """The first two characters are a known thing of another bin than the one-character-shorter tail."""
    owners = index.lookup(k[:2])
    return bool(owners) and category_of(owners[0]) != category_of(tail.names[0])


def _class_answer(match: ClassMatch, city: str, conf: float) -> Resolution:
    cls = match.cls
    return Resolution("class", (cls.name,), confidence=conf, matched_by="class", inferred=True,
                      via=cls.name, category=cls.category_in(city))


def _known_category(index: Index, category_of: CategoryOf) -> Callable[[str], str]:
    """National-or-city category of a known name or alias key, '' when unknown."""
    def known(text: str) -> str:
        names = index.lookup(text)
        return category_of(names[0]) if names else ""
    return known


def _tail_agrees(index: Index, tail: str, name: str) -> bool:
    """True unless the item names ending with this tail disagree about the bin."""
    counts = index.suffix_categories.get(tail, {})
    own = index.items[name].category
    total = sum(counts.values())
    return total < _MIN_SAMPLE or counts.get(own, 0) / total >= _MIN_AGREEMENT


def _named_by_lead(index: Index, lead: str, tail: str, category_of: CategoryOf) -> Resolution | None:
    """"CR2032电池", "LR44电池": the words in front already name an item of that kind (an alias of
    纽扣电池, which ends with 电池) — that item, not the generic question the tail alone would ask."""
    if len(lead) < 2:
        return None
    names = tuple(n for n in index.lookup(lead) if not n.startswith("\x00") and n.lower().endswith(tail))
    if not names or len({category_of(n) for n in names}) != 1:
        return None
    return Resolution("item", names, confidence=0.9, matched_by="compound", inferred=True, via=lead)


def _composite_part(index: Index, k: str) -> Resolution | None:
    """A part of a known special named by its parent ("粽子馅", "月饼盒子"): the special, told which part."""
    for end in range(len(k) - 1, 1, -1):
        name = index.specials.get(k[:end])
        if name is not None and k[end:][-1] in _PARTS:
            return Resolution("special", special=name, confidence=0.9, matched_by="part", via=k)
    return None


def _prefix_applies(index: Index, onto: Ontology, match: ClassMatch, k: str, category_of: CategoryOf) -> bool:
    """A deciding prefix ("不锈钢", "电") applies when what follows is an object, not a substance or a food."""
    if not match.cls.decisive or _SUBSTANCE_TAIL.search(k):
        return False
    rest = match.rest
    if len(k) - len(rest) == 1 and any(index.lookup(k[:j]) for j in range(2, len(k) - 1)):
        # "电脑贴纸", "电视遥控器": the character starts a known word (电脑), so it names that
        # object, not the material or kind; the known tail decides, as for any compound.
        return False
    rest_names = index.lookup(rest)
    if rest_names:
        # "铁观音" (a tea), "瓷砖块" (renovation): the rest decides, not the prefix.
        return category_of(rest_names[0]) not in (FOOD, HAZARDOUS, RENOVATION, BULKY)
    rest_classes = onto.head_classes(rest, _known_category(index, category_of))
    if rest_classes:
        # "铁板饭" is a dish: a food class after the prefix is not an object of that material.
        return rest_classes[0].cls.category not in (FOOD, HAZARDOUS)
    # A one-character prefix (铁, 电, 瓷) starts many words that are not about the material.
    return len(k) - len(rest) >= 2 and len(rest) >= 1


def infer(index: Index, k: str, category_of: CategoryOf, onto: Ontology | None = None,
          city: str = "") -> Resolution | None:
    """An unknown name judged by a known tail, a deciding prefix or its class; disagreement asks back.

    Size and fitting decide bulky and renovation waste: an inferred 大件垃圾 or 装修垃圾 was wrong
    about one time in eight in the leave-one-out check (one in sixty for the other bins), mostly
    where a word in front changes the size or the fitting (儿童自行车, 充气床垫, 整体橱柜, 消毒碗柜).
    Those become a question; 旧沙发, 实木大床, 老式八仙桌 stay answered.
    """
    found = _infer(index, k, category_of, onto, city)
    if found is None or not found.inferred or found.kind not in ("item", "class"):
        return found
    category = found.category if found.kind == "class" else category_of(found.names[0])
    lead = k[: len(k) - len(found.via)] if found.via and k.endswith(found.via) else k
    if category in (BULKY, RENOVATION) and _SIZE_CHANGERS.search(lead):
        names = found.names if found.kind == "item" else ()
        return Resolution("ambiguous", names, confidence=found.confidence, matched_by=found.matched_by, via=found.via)
    return found


def _infer(index: Index, k: str, category_of: CategoryOf, onto: Ontology | None = None,
           city: str = "") -> Resolution | None:
    """An unknown name judged by a known tail, a deciding prefix or its class; disagreement asks back."""
    onto = onto or Ontology(())
    prefix = onto.prefix_class(k)
    heads = onto.head_classes(k, _known_category(index, category_of))
    sized = [m for m in heads if m.cls.category in (BULKY, RENOVATION)]
    if sized and prefix is not None and not _RISKY.search(sized[0].rest):
        return _class_answer(sized[0], city, 0.85)  # a bamboo chair is furniture first, bamboo second
    if prefix is not None and _prefix_applies(index, onto, prefix, k, category_of):
        wanted = prefix.cls.category_in(city)
        tail = _tail(index, k, category_of)
        if tail is not None and tail[1].kind == "item" and category_of(tail[1].names[0]) == wanted:
            name, found = tail
            return Resolution("item", found.names, confidence=round(0.8 + 0.15 * len(name) / len(k), 3),
                              matched_by="compound", inferred=True, via=name)
        return _class_answer(prefix, city, 0.85)
    head = heads[0] if heads else None
    tail = _tail(index, k, category_of)
    if tail is not None and tail[1].kind == "special" and head is not None and head.how == "part":
        tail = None  # "开心果壳": the parent decides, not the generic "壳" question
    if tail is not None:
        named = _named_by_lead(index, k[: len(k) - len(tail[0])], tail[0], category_of)
        if named is not None:
            return named
    whole = _composite_part(index, k)
    if whole is not None and (tail is None or tail[1].kind != "item"):
        return whole
    if tail is not None:
        name, found = tail
        conf = round(0.8 + 0.15 * len(name) / len(k), 3)
        lead = k[: len(k) - len(name)]
        if found.kind == "item":
            category = category_of(found.names[0])
            head_found = exact(index, lead, category_of) if lead in _MATERIAL_WORDS else None
            if head_found is not None and head_found.kind == "item" and category_of(head_found.names[0]) != category:
                # "塑料花盆": material vs object
                return Resolution("ambiguous", (found.names[0], head_found.names[0]), confidence=conf, matched_by="compound")
            agrees = lead in _RECYCLABLE_MATERIALS and category == RECYCLABLE
            if head_found is None and any(m in lead for m in _CHANGERS) and not agrees:
                return Resolution("ambiguous", (found.names[0],), confidence=conf, matched_by="compound")
            if head is not None and head.how == "part" and head.cls.category_in(city) != category:
                return Resolution("ambiguous", (found.names[0],), confidence=conf, matched_by="compound")
            if not _tail_agrees(index, name, found.names[0]):
                return Resolution("ambiguous", (found.names[0],), confidence=conf, matched_by="compound")
        return Resolution(found.kind, found.names, found.special, conf, "compound", inferred=True, via=name)
    if head is not None and not _RISKY.search(head.rest):
        return _class_answer(head, city, 0.88 if head.how == "part" else 0.85)
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
    close = tuple(n for n in close if _compatible(k, n, index))
    if not close:
        return None  # same sound, no shared character: offered only when nothing better exists
    # Two-character words sounding alike are different words more often than typos
    # ("鱼竿" / "鱼肝", "麻将" / "麻酱"): ask back instead of answering.
    # But text that is no word at all ("烟投", "口照", "沙法") is a typo.
    if len(k) >= 3 or k not in two_char_words():
        return _pick(index, close, category_of, 0.88, "homophone", inferred=True)
    return Resolution("ambiguous", tuple(n.lstrip("\x00") for n in close), confidence=0.6, matched_by="homophone")


def same_sound(index: Index, k: str) -> Resolution:
    """Last resort: names with exactly the query's pinyin, offered as a question."""
    names = index.pinyin.get(pinyin_full(k), ()) if not k.isascii() and len(k) >= 2 else ()
    if not names:
        return Resolution("none")
    return Resolution("ambiguous", tuple(n.lstrip("\x00") for n in names), confidence=0.6, matched_by="homophone")


# Parts of a thing: a query naming one part is never answered with another part ("粽子馅" ≠ "粽子绳").
_PARTS = frozenset("馅叶绳壳皮核籽渣盒袋瓶罐盖膜芯汤骨刺梗根纸线套垫")
# Modifiers that change a thing's class: never dropped or added by a fuzzy match ("电热水袋" ≠ "热水袋").
_CLASS_MODIFIERS = ("充电", "电动", "电热", "电子", "电", "不锈钢", "金属", "铁", "铝", "铜", "钢", "药", "玻璃", "陶瓷", "塑料", "纸")


def _modifier(text: str) -> str:
    return next((m for m in _CLASS_MODIFIERS if text.startswith(m)), "")


def _compatible(k: str, name: str, index: Index) -> bool:
    """A candidate keeps the query's part and class-changing modifier (by any of its spellings)."""
    own = name.lstrip("\x00")
    if k[-1] in _PARTS and own[-1] in _PARTS and own[-1] != k[-1]:
        return False
    for spelling in index.spellings(name):
        if not spelling:
            continue
        if k[-1] in _PARTS and spelling[-1] in _PARTS and spelling[-1] != k[-1]:
            continue
        mine, theirs = _modifier(k), _modifier(spelling)
        if mine and mine != theirs:  # the query's modifier is dropped or changed
            continue
        if theirs and not mine and len(spelling) > len(k):  # the candidate adds one
            continue
        return True
    return False


def _adds_container(k: str, choice: str) -> bool:
    """"玻璃清洁剂" is the liquid, not the "玻璃清洁剂瓶" it came in: a fuzzy match never adds a part."""
    return len(choice) > len(k) and choice[-1] in _PARTS and k[-1] not in _PARTS and choice.startswith(k)


def _related(k: str, spelling: str) -> bool:
    """A suggestion shares a two-character piece with the query (or, for short ones, its head), not just a sound."""
    if len(k) <= 2 and k[-1] == spelling[-1] and k[-1] not in "子儿头们":
        return True
    return any(k[i:i + 2] in spelling for i in range(len(k) - 1))


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
            if _adds_container(k, choice):
                continue
            for name in index.lookup(choice):
                if _compatible(k, name, index) and _related(k, choice):
                    scored[name] = max(scored.get(name, 0.0), score / 100 * 0.9)
        py = pinyin_full(k)
        sounds = {index.key_pinyin[c] for c in near if c in index.key_pinyin}
        for choice, score, _ in process.extract(py, sounds, scorer=fuzz.ratio, limit=5, score_cutoff=75):
            # A near pinyin of Chinese text is a different word more often than a typo: suggest only.
            for name in index.pinyin[choice]:
                if _compatible(k, name, index) and any(_related(k, sp) for sp in index.spellings(name) if sp):
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


def resolve(index: Index, k: str, category_of: CategoryOf, fuzzy_ok: bool = True,
            onto: Ontology | None = None, city: str = "") -> Resolution:
    """Run the stages in order and return the first confident outcome."""
    if not k:
        return Resolution("none")
    for stage in (exact, modifiers, sentence, dirtied):
        found = stage(index, k, category_of)
        if found is not None:
            return found
    if not k.isascii() and len(k) >= 3:  # a homophone typo of a whole known name beats a guess from its tail
        for name in dict.fromkeys((k, _bare(k))):  # "过期的感帽药" → 感帽药 → 感冒药
            found = pinyin(index, name, category_of)
            if found is not None and found.kind == "item":
                return found
    for name in dict.fromkeys((k, _bare(k))):
        found = infer(index, name, category_of, onto, city)
        if found is not None:
            return found
    found = pinyin(index, k, category_of)
    if found is not None:
        return found
    if not fuzzy_ok:
        return Resolution("none")
    found = fuzzy(index, k, category_of)
    return found if found.kind != "none" else same_sound(index, k)


def _bare(k: str) -> str:
    """The name without harmless modifiers, for inference ("旧的羊毛大衣" → 羊毛大衣)."""
    bare = _FILLER_SUFFIX.sub("", _MODIFIER_PREFIX.sub("", k))
    return bare.replace("的", "") if len(bare) >= 2 else k
