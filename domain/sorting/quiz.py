"""Quiz questions: which bin does an item go in? Pure; the chat flow keeps the state."""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from domain.sorting.guides import bin_phrase
from domain.sorting.kb import KnowledgeBase
from domain.sorting.model import FOUR_BINS

_LETTERS = "ABCD"


@dataclass(frozen=True)
class Question:
    """One four-option question; options are the city's labels of the four bins."""

    prompt: str
    options: tuple[str, ...]
    answer_index: int
    explanation: str
    item: str = ""


def make_question(kb: KnowledgeBase, city: str, rng: random.Random) -> Question:
    """A random item that belongs in one of the four bins in this city."""
    profile = kb.profile(city)
    names = sorted(n for n in kb.items if kb.category_for(n, city)[0] in FOUR_BINS)
    if not names:
        raise ValueError("the knowledge base has no items in the four bins")
    name = rng.choice(names)
    category, note = kb.category_for(name, city)
    options = tuple(profile.label(c) for c in FOUR_BINS)
    lines = [f"“{name}”属于{bin_phrase(profile, category)}。"]
    if note:
        lines.append(note)
    elif kb.items[name].tip:
        lines.append(f"提示：{kb.items[name].tip}")
    listing = " ".join(f"{_LETTERS[i]}. {label}" for i, label in enumerate(options))
    return Question(
        prompt=f"考考你：“{name}”属于哪一类？\n{listing}\n回复字母、数字或类别名称。",
        options=options,
        answer_index=FOUR_BINS.index(category),
        explanation="".join(lines),
        item=name,
    )


def parse_choice(question: Question, reply_text: str) -> int | None:
    """Option index chosen by a reply ("A", "1", "ｂ", "湿垃圾", "选C"), or None."""
    text = unicodedata.normalize("NFKC", reply_text).strip().lower()
    text = re.sub(r"^(?:选|我选|答案是|答案|是)", "", text).strip(" .。!！、,，")
    if len(text) == 1 and text.upper() in _LETTERS[: len(question.options)]:
        return _LETTERS.index(text.upper())
    if text.isdigit() and 1 <= int(text) <= len(question.options):
        return int(text) - 1
    for i, label in enumerate(question.options):
        if text in (label, label.removesuffix("垃圾"), label.removesuffix("物")):
            return i
    return None


def grade(question: Question, reply_text: str) -> tuple[bool, str]:
    """(correct, explanation) for a reply; an unreadable reply counts as wrong with a hint."""
    choice = parse_choice(question, reply_text)
    if choice is None:
        return False, "没看懂你的选择，请回复 A/B/C/D 或类别名称。" + question.explanation
    if choice == question.answer_index:
        return True, "答对了！" + question.explanation
    return False, f"不对哦，正确答案是 {_LETTERS[question.answer_index]}。" + question.explanation
