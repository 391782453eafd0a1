"""Recognise category questions (guides) and chit-chat before item matching."""
from __future__ import annotations

import re

from domain.sorting.model import CATEGORIES, CityProfile

OVERVIEW = "all"

_GUIDE_WORDS = re.compile(
    r"(?:请问|我想问|想问|什么是|啥是|哪些是|什么叫|怎么区分|如何区分)?"
    r"(?:的)?(?:有哪些|有什么|都有啥|都有什么|都有哪些|包括哪些|包括什么|包括|包含哪些|包含什么|是什么|是啥|是指什么|"
    r"指什么|指的是什么|指的什么|的定义|定义|举个例子|举例|例子|怎么投放|如何投放|怎样投放|投放要求|投放规则|投放方法|"
    r"怎么扔|怎么丢|如何扔|怎么分|装什么|装啥|放什么|放啥|扔什么|扔啥|能放什么|能扔什么|可以放什么|可以扔什么|放哪些|"
    r"投什么|投放什么|要求|规定|标准|桶|垃圾桶|箱|垃圾箱|里面|里|呢|吗|啊|呀|的)*$"
)
_COLOURS = {"蓝": "蓝色", "红": "红色", "棕": "棕色", "咖啡": "棕色", "褐": "棕色", "黑": "黑色", "灰": "灰色", "绿": "绿色"}
_COLOUR_RE = re.compile(r"(蓝|红|棕|咖啡|褐|黑|灰|绿)色?的?(?:垃圾)?(?:桶|箱|垃圾桶|垃圾箱)")
_OVERVIEW_RE = re.compile(
    r"^(?:请问)?(?:生活)?垃圾(?:要|应该|该)?(?:怎么|如何|怎样)(?:分类|分)|^(?:生活)?垃圾分(?:几|哪几|多少)类|^(?:生活)?垃圾分类(?:是什么|有哪些|怎么分|规则|标准|知识|指南)?$"
)

_GREETINGS = {
    "你好", "您好", "hi", "hello", "hey", "嗨", "哈喽", "在吗", "在不在", "在么", "早上好", "早", "中午好", "下午好", "晚上好",
    "晚安", "谢谢", "谢谢你", "多谢", "感谢", "thanks", "thankyou", "thx", "好的", "好", "ok", "okay", "知道了", "明白了",
    "收到", "嗯", "嗯嗯", "哦", "哦哦", "哈哈", "哈哈哈", "呵呵", "你是谁", "你叫什么", "你叫什么名字", "你是机器人吗",
    "你是人吗", "你会什么", "你能干什么", "你能做什么", "帮助", "help", "怎么用", "菜单", "再见", "拜拜", "bye", "厉害",
    "真棒", "不错", "棒", "666",
}
_INSULTS = re.compile(r"傻[x逼比b叉]|sb$|^sb|煞笔|沙比|笨蛋|白痴|智障|蠢货|^蠢|^滚$|滚开|滚蛋|滚吧|去死|垃圾机器人|你是垃圾|你才是垃圾|废物机器人|弱智|脑残|你妈|fuck|shit")
_PEOPLE = {
    "前男友", "前女友", "前任", "男朋友", "女朋友", "男友", "女友", "老公", "老婆", "渣男", "渣女", "小三", "老板", "领导", "上司",
    "同事", "老师", "班主任", "室友", "邻居", "我", "你", "他", "她", "它", "我自己", "自己", "人", "男人", "女人", "猪队友",
    "我老公", "我老婆", "我老板", "我前男友", "我前女友", "我的前男友", "我的前女友", "你自己", "单身狗", "我男朋友", "我女朋友",
    "熊孩子", "甲方", "前夫", "前妻", "我妈", "我爸", "婆婆", "丈母娘", "程序员", "产品经理",
}


_POLITE = re.compile(r"(?:好的|好|嗯+|哦+|ok|谢谢你?|谢啦|多谢|感谢|thanks|明白了?|知道了|收到|辛苦了|哈+|呵+|你好|您好|在吗)+")


def chitchat_kind(compact: str, core: str) -> str:
    """'greeting', 'insult' or 'joke' when the message is small talk, else ''."""
    if compact in _GREETINGS or core in _GREETINGS or _POLITE.fullmatch(compact):
        return "greeting"
    if _INSULTS.search(compact):
        return "insult"
    if core in _PEOPLE:
        return "joke"
    return ""


def _category_terms(profile: CityProfile, national: CityProfile) -> list[tuple[str, str]]:
    """(term, category) pairs, longest term first; the city's own names win."""
    terms: dict[str, str] = {}
    for prof in (profile, national):
        for category in CATEGORIES:
            rule = prof.categories.get(category)
            if rule is None:
                continue
            for term in (rule.label, category, *rule.aliases):
                terms.setdefault(term, category)
    return sorted(terms.items(), key=lambda kv: -len(kv[0]))


def guide_category(compact: str, profile: CityProfile, national: CityProfile) -> str:
    """The national category a category question is about, OVERVIEW, or '' if not a guide question."""
    if _OVERVIEW_RE.search(compact):
        return OVERVIEW
    for term, category in _category_terms(profile, national):
        pos = compact.find(term)
        if pos < 0:
            continue
        rest = compact[:pos] + compact[pos + len(term):]
        return category if _GUIDE_WORDS.fullmatch(rest) else ""
    match = _COLOUR_RE.search(compact)
    if match:
        rest = compact[: match.start()] + compact[match.end():]
        if not _GUIDE_WORDS.fullmatch(rest):
            return ""
        colour = _COLOURS[match.group(1)]
        for prof in (profile, national):
            for category, rule in prof.categories.items():
                if rule.bin_colour == colour:
                    return category
    return ""
