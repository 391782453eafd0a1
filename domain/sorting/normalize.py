"""Query normalisation: width, script, case, punctuation and question wrappers."""
from __future__ import annotations

import re
import unicodedata
from functools import cached_property

_ENDINGS = "吗嘛么呢呀啊哇哦吧啦不否"
_CATS = r"(?:干|湿|有害|可回收|可回收物|厨余|其他|其它|大件|装修|餐厨|可回收的|有害的)"

# Question wrappers, tried repeatedly at the end of the query (order matters: longer first).
_SUFFIXES = [
    rf"(?:到底|究竟)?(?:是|属于|算|算是|归|归于|应该是|应该属于)?{_CATS}(?:垃圾|物)?还是{_CATS}(?:垃圾|物)?[{_ENDINGS}]*$",
    rf"(?:到底|究竟)?(?:是|属于|算|算是|归|归于|应该是|应该属于|是不是|属不属于){_CATS}(?:垃圾|物)?[{_ENDINGS}]*$",
    r"(?:应该|要|该|需要|得)?(?:怎么|如何|怎样|咋)(?:样)?(?:扔|丢|分类|分|处理|投放|回收|处置|办)(?:比较好|才对|才好|才行|才安全|合适|最好|好)?[{e}]*$".format(e=_ENDINGS),
    r"(?:能|可以|能不能|可不可以)?(?:冲|倒|扔|丢)(?:进|到|入)?(?:马桶|下水道|水池|下水口)(?:里)?[{e}]*$".format(e=_ENDINGS),
    rf"(?:为什么|为啥|怎么)(?:是|属于|算|不是|不属于|不算)?{_CATS}?(?:垃圾|物)?[{_ENDINGS}]*$",
    r"(?:分别|各自|都)$",
    rf"(?:能|可以|能不能|可不可以|是否可以)?(?:扔|丢|放|投|投放|倒)(?:到|进|在|入)?{_CATS}(?:垃圾|物)?(?:桶|箱)?(?:里)?[{_ENDINGS}]*$",
    r"(?:应该|要|该)?(?:扔|丢|放|投放|投|倒)(?:到|进|在|入)?(?:哪个|哪一个|哪只|什么|啥|哪种|哪)(?:颜色的)?(?:桶|箱子|箱|垃圾桶|垃圾箱|里)(?:里)?[{e}]*$".format(e=_ENDINGS),
    r"(?:能|可以|可不可以|能不能|是否可以|是否能)(?:回收|被回收|卖钱|卖)[{e}不]*$".format(e=_ENDINGS),
    r"(?:应该|要|该|得)?(?:扔|丢|放|投放|投|倒|处理)(?:到|进|在|入)?(?:哪里|哪儿|哪边|哪个地方|什么地方|哪)(?:去)?[{e}]*$".format(e=_ENDINGS),
    r"(?:打碎了|碎掉了|碎了|坏掉了|坏了|破了|烂了|用完了|过期了|不要了|没用了|不能用了|吃不完|用不完)(?:了)?$",
    r"(?:是|属于|算|算是|归|归为|归于|分为|分到|分成|分|应该是|应该属于|应该算|应该归)?(?:什么|啥|哪一?类|哪种|哪个|哪些)(?:类别|类型|类|种类|分类)?的?(?:垃圾|类别|分类)?[{e}]*$".format(e=_ENDINGS),
    r"(?:的)?(?:垃圾)?(?:分类|类别)$",
    r"(?:是|属于)(?:垃圾)[{e}]*$".format(e=_ENDINGS),
    r"[{e}]+$".format(e=_ENDINGS),
]
# Hesitations in front of the thing ("额，电池"); also the first character of some names (额温枪).
_INTERJECTION = r"^(?:哎呀|哎|唉|嗯|额|呃|那么|那|对了|还有|就是)"
_PREFIXES = [
    r"^(?:请问一下|请问下|请问|问一下|问下|我想问一下|我想问下|我想问|想问一下|想问下|想问|请教一下|请教|麻烦问一下|麻烦问下|麻烦|你好|您好|小助手|机器人|帮我查一下|帮我查|帮忙查一下|帮忙查|查一下|查下|查询|查)",
    r"^(?:我要扔的是|我扔的是|要扔的是|扔的是|我要扔|我想扔|我要丢|我想丢|要扔|想扔|扔|丢)(?:个|一个|掉)?",
    r"^(?:我家里有个|我家有个|家里有个|我家有|我有个|我有一个|有一个|有个|我家的|家里的|我的|这个|那个)",
    r"^(?:一下)",
    _INTERJECTION,
    r"^.{1,6}?里的(?=.{2})",  # "花盆里的土", "冰箱里的剩菜": the thing is what was inside
]
_SUFFIX_RE = [re.compile(p) for p in _SUFFIXES]
_PREFIX_RE = [re.compile(p) for p in _PREFIXES]
_PREFIX_RE_KEEP_LEAD = [re.compile(p) for p in _PREFIXES if p is not _INTERJECTION]
_TRAILING_PUNCT = re.compile(r"[\s。.!！?？~～…]+$")


def _is_noise(ch: str) -> bool:
    """True for punctuation, symbols (emoji included), spaces and control characters."""
    cat = unicodedata.category(ch)
    return cat[0] in "PSZC"


#: Text made only of these needs no per-character look: most keys and queries (a load-time saving).
_PLAIN = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]*")


def strip_noise(text: str) -> str:
    """Drop punctuation, emoji and whitespace."""
    if _PLAIN.fullmatch(text):
        return text
    return "".join(ch for ch in text if not _is_noise(ch))


def strip_wrappers(text: str, interjections: bool = True) -> str:
    """Remove question wrappers such as 请问 … 是什么垃圾 (never to an empty string).

    With interjections=False a leading 额/嗯/那 … is kept: the caller tries that reading when the
    usual one names nothing known ("额温枪" is a thermometer, not "um, 温枪").
    """
    current = text
    prefixes = _PREFIX_RE if interjections else _PREFIX_RE_KEEP_LEAD
    for _ in range(4):
        before = current
        for rx in prefixes:
            cut = rx.sub("", current)
            if cut:
                current = cut
        for rx in _SUFFIX_RE:
            cut = rx.sub("", current)
            if cut:
                current = cut
        if current == before:
            break
    return current


# English questions ("is a battery recyclable?", "how do I dispose of old batteries"): cut to the thing.
_EN_LEAD = re.compile(
    r"^(?:(?:please|hi|hello|excuse me)[, ]+)?(?:how (?:do|should|can|to) (?:i |we |you )?(?:dispose of|throw away|throw out|"
    r"get rid of|recycle|sort|discard|bin)|how to (?:dispose of|throw away|sort|recycle)|where (?:do|should|can) (?:i |we )?"
    r"(?:put|throw|dispose of|bin)|where does|where do|which bin (?:is|for|does)?|what bin (?:is|for|does|do)?|"
    r"what (?:kind of |type of |category of )?(?:waste|garbage|trash|rubbish) (?:is|are)|is|are|can i recycle|can you recycle|"
    r"what about|and)\s+"
)
_EN_TAIL = re.compile(
    r"\s+(?:which|what) (?:bin|category|trash can|garbage can)(?:\s+.*)?$|"
    r"\s+(?:go|goes|go in|go into|belong to|belongs to|belong in|belongs in|recyclable|hazardous|harmful)"
    r"(?:\s+or\s+(?:not|\w+(?: waste)?))?\s*$|\s+or\s+not\s*$"
)
# After "is X …": the category named in a yes/no question ("is a bone kitchen waste").
_EN_CATEGORY_TAIL = re.compile(
    r"\s+(?:a |an )?(?:kitchen waste|food waste|wet waste|dry waste|residual waste|other waste|household food waste|"
    r"hazardous waste|recyclable waste|recyclables?|trash|garbage|rubbish)(?:\s+or\s+.+)?\s*$"
)
# Words in front of the thing that do not change it.
_EN_ARTICLES = re.compile(r"^(?:(?:a|an|the|some|my|this|that|these|those|old|used|empty|broken|unwanted|leftover)\s+)+")


def strip_english(text: str) -> str:
    """Cut an English question down to the thing it names (lowercase ASCII text)."""
    current = text.strip()
    for _ in range(3):
        before = current
        led = _EN_LEAD.sub("", current).strip()
        if led != current:
            current = _EN_CATEGORY_TAIL.sub("", led).strip() or led
        current = _EN_TAIL.sub("", current).strip() or current
        if current == before:
            break
    return current


# A pinyin question: "yantou shi shenme laji", "dianchi zenme reng", "suliaodai reng nali".
_PINYIN_TAIL = re.compile(
    r"(?:\s*(?:shi|shu\s*yu|suan)\s*(?:shen\s*me|sha)(?:\s*la\s*ji|\s*lei)?|\s*shen\s*me\s*la\s*ji"
    r"|\s*(?:shi\s*)?na\s*(?:yi\s*)?(?:zhong|lei|ge)(?:\s*la\s*ji)?)\s*(?:a|ne|ya)?$"
    r"|\s*(?:ying\s*gai\s*)?(?:zen\s*me|ru\s*he)\s*(?:reng|diu|chu\s*li|fen\s*lei|fen)\s*$"
    r"|\s+(?:reng|diu|fang)\s*(?:na\s*li|na\s*er|nar|na\s*ge\s*tong|na)\s*$"
)


def strip_pinyin(text: str) -> str:
    """Cut a pinyin question's wrapper ("dianchi shi shenme laji" → "dianchi"), never to nothing."""
    return _PINYIN_TAIL.sub("", text).strip() or text


_TO_V = str.maketrans({c: "v" for c in "üǖǘǚǜ"})


def strip_tones(text: str) -> str:
    """Pinyin with tone marks to plain letters ("jī gǔ tou" → "ji gu tou"; ü → v, as pypinyin writes it)."""
    plain = unicodedata.normalize("NFD", text.translate(_TO_V))
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


def english_bare(text: str) -> str:
    """An English name without articles and harmless adjectives ("the old batteries" → "batteries")."""
    return _EN_ARTICLES.sub("", text.strip()) or text


def key(text: str) -> str:
    """Lookup key for data text: NFKC width folding, lowercase, no punctuation or spaces."""
    return strip_noise(unicodedata.normalize("NFKC", text).lower())


class Normalizer:
    """Turns raw chat text into lookup keys; holds the OpenCC converter."""

    @cached_property
    def _t2s(self) -> object:
        import opencc  # loaded on first use: a few milliseconds

        return opencc.OpenCC("t2s")

    def clean(self, text: str) -> str:
        """Width-fold, simplify, lowercase and trim a raw message (keeps inner separators)."""
        text = unicodedata.normalize("NFKC", text)
        if any(ord(ch) > 0x2E7F for ch in text):
            text = self._t2s.convert(text)  # type: ignore[attr-defined]
        text = _TRAILING_PUNCT.sub("", text.strip().lower())
        if not text.isascii() and all(ord(ch) < 0x2E80 for ch in text):
            text = strip_tones(text)  # typed pinyin with tone marks
        return "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Sk", "Cf", "Cc", "Cs"))

    def query_key(self, text: str) -> str:
        """Full normalisation of one item mention: clean, drop noise, strip wrappers."""
        return strip_wrappers(strip_noise(self.clean(text)))
