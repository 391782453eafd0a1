"""Bare kind-words whose bin depends on the material or use ask back; the specific names are answered."""
from __future__ import annotations

import pytest

from domain.sorting.matcher import Matcher

KIND_WORDS = ["碗", "盘子", "筷子", "勺子", "锅", "壶", "手套", "花盆", "罐子", "喷雾罐", "袋子", "盒子", "盖子",
              "桶", "箱子", "垫子", "架子", "珍珠"]


@pytest.mark.parametrize("word", KIND_WORDS)
def test_a_bare_kind_word_asks_back_with_options(matcher: Matcher, word: str) -> None:
    c = matcher.classify(word, "shanghai")
    assert c.status == "ambiguous" and c.question and len(c.suggestions) >= 2, (word, c)
    assert len({p.category for p in c.parts}) >= 2, (word, c.parts)  # the cases really differ in bin


@pytest.mark.parametrize("text", ["旧碗", "这个盘子怎么扔", "筷子是什么垃圾", "不要的锅"])
def test_kind_words_in_questions_ask_back_too(matcher: Matcher, text: str) -> None:
    assert matcher.classify(text, "shanghai").status == "ambiguous", text


@pytest.mark.parametrize(("text", "category"), [
    ("陶瓷碗", "其他垃圾"), ("塑料碗", "可回收物"), ("瓷盘", "其他垃圾"), ("竹筷", "其他垃圾"),
    ("不锈钢筷子", "可回收物"), ("铁锅", "可回收物"), ("砂锅", "其他垃圾"), ("毛线手套", "可回收物"),
    ("橡胶手套", "其他垃圾"), ("陶瓷花盆", "其他垃圾"), ("塑料花盆", "可回收物"), ("杀虫剂罐", "有害垃圾"),
    ("塑料袋", "其他垃圾"), ("纸盒", "可回收物"), ("油漆桶", "有害垃圾"), ("床垫", "大件垃圾"),
    ("奶茶珍珠", "厨余垃圾"), ("珍珠项链", "其他垃圾"),
])
def test_specific_names_are_still_answered(matcher: Matcher, text: str, category: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert c.status == "ok" and [a.category for a in c.answers] == [category], (text, c)


def test_a_part_named_with_its_owner_beats_the_bare_part(matcher: Matcher) -> None:
    """"奶茶里剩下的珍珠" is a tapioca pearl (奶茶珍珠), not the bare, ambiguous 珍珠."""
    c = matcher.classify("奶茶里剩下的珍珠", "shanghai")
    assert c.status == "ok" and (c.answers[0].item, c.answers[0].category) == ("奶茶珍珠", "厨余垃圾")
