"""Chinese chat replies for classifications (short, for WeChat)."""
from __future__ import annotations

from domain.sorting.guides import bin_phrase, category_guide, overview
from domain.sorting.intents import OVERVIEW
from domain.sorting.model import Answer, Classification, CityProfile, ResolvedPart

_EXAMPLE = "比如发送“电池”“香蕉皮”“奶茶杯”"
_CHITCHAT = {
    "greeting": "你好！我是垃圾分类小助手，发物品名称就能查它属于哪一类，" + _EXAMPLE + "。",
    "insult": "我会继续努力的～有物品不知道怎么分，直接发名称给我吧，" + _EXAMPLE + "。",
    "joke": "人可不是垃圾哦😄 想查物品怎么分类，请直接发名称，" + _EXAMPLE + "。",
}


def _answer_line(a: Answer, profile: CityProfile, subject: str = "") -> str:
    if a.inferred:
        basis = a.basis or a.item
        line = f"{subject or a.item}（按“{basis}”判断）：{bin_phrase(profile, a.category)}"
    else:
        line = f"{a.item}：{bin_phrase(profile, a.category)}"
    if a.note:
        line += f"。{a.note}"
    return line


def _how(profile: CityProfile, category: str) -> str:
    rules = profile.rule(category).rules
    return f"投放：{rules[0]}" if rules else ""


def _part_line(p: ResolvedPart, profile: CityProfile) -> str:
    if p.action:
        return f"· {p.what}：{p.action}"
    return f"· {p.what}：{bin_phrase(profile, p.category)}"


def _single(c: Classification, profile: CityProfile) -> str:
    a = c.answers[0]
    lines = [_answer_line(a, profile, c.normalized)]
    how = _how(profile, a.category)
    if how:
        lines.append(how)
    if a.tip:
        lines.append(f"提示：{a.tip}")
    return "\n".join(lines)


def _special(c: Classification, profile: CityProfile) -> str:
    head = f"{c.special}要分开投放：" if c.status == "ok" else f"{c.special}要看种类："
    lines = [head, *(_part_line(p, profile) for p in c.parts)]
    if c.part and c.answers:
        first = c.answers[0]
        lines = [f"{c.normalized}：{bin_phrase(profile, first.category)}", f"整个{c.special}要分开投放：",
                 *(_part_line(p, profile) for p in c.parts)]
    if c.question:
        lines.append(c.question)
    if c.tip:
        lines.append(f"提示：{c.tip}")
    return "\n".join(lines)


def _ambiguous(c: Classification) -> str:
    options = "、".join(f"“{s}”" for s in c.suggestions)
    return f"没有完全找到“{c.normalized}”。你问的是{options}吗？请回复更准确的名称。"


def _not_found(c: Classification, profile: CityProfile) -> str:
    if not c.normalized:
        return "请发送物品名称，" + _EXAMPLE + "。"
    text = f"暂时没有查到“{c.normalized}”，这个问题已记录，我们会尽快补充。"
    if c.suggestions:
        text += "相近的有：" + "、".join(c.suggestions) + "。"
    # Never send an unknown thing to a bin: a battery or a medicine would be the worst guess.
    return text + ("拿不准时请先别投放：带电池或插电的物品、药品、油漆、灯管等不能混投，"
                   "可以换个说法再问我，或问问小区的分类指导员。")


def _multi(c: Classification, profile: CityProfile) -> str:
    lines = []
    for sub in c.items:
        if sub.status == "ok" and sub.answers and not sub.special:
            lines.append(_answer_line(sub.answers[0], profile, sub.normalized))
        elif sub.special:
            cases = "；".join(f"{p.what}{p.action or bin_phrase(profile, p.category)}" for p in sub.parts)
            lines.append(f"{sub.special}：{cases}")
        else:
            lines.append(f"{sub.normalized}：你问的是" + "、".join(sub.suggestions[:3]) + "？")
    if c.missing:
        lines.append("未查到：" + "、".join(c.missing) + "（已记录）")
    return "\n".join(lines)


def render_reply(c: Classification, profile: CityProfile) -> str:
    """The chat text for a classification under a city profile."""
    if c.status == "guide":
        return overview(profile) if c.guide == OVERVIEW else category_guide(profile, c.guide)
    if c.status == "chitchat":
        return _CHITCHAT.get(c.special, _CHITCHAT["greeting"])
    if c.items:
        return _multi(c, profile)
    if c.special:
        return _special(c, profile)
    if c.status == "ok" and c.answers:
        return _single(c, profile)
    if c.status == "ambiguous" and c.suggestions:
        return _ambiguous(c)
    return _not_found(c, profile)
