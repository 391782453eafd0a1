"""Questions written as residents write them: sentences, lists, things with their containers, typed pinyin, typos."""
from __future__ import annotations

import pytest

from domain.sorting.matcher import Matcher


def _only(matcher: Matcher, text: str) -> tuple[str, str, str]:
    c = matcher.classify(text, "shanghai")
    assert c.status == "ok" and len(c.answers) == 1, (text, c)
    a = c.answers[0]
    return a.item, a.category, a.matched_by


@pytest.mark.parametrize(("text", "item", "category"), [
    ("咖喱饭剩了一半是什么垃圾", "咖喱饭", "厨余垃圾"),
    ("百合花谢了是什么垃圾", "百合花", "厨余垃圾"),
    ("家里的吊兰死了怎么处理", "吊兰", "厨余垃圾"),
    ("蒸汽眼罩用完扔哪个桶", "蒸汽眼罩", "其他垃圾"),
    ("喝完的奶茶杯子要洗吗", "奶茶杯", "其他垃圾"),
])
def test_a_known_thing_in_a_sentence_about_what_happened_to_it(matcher: Matcher, text: str, item: str,
                                                               category: str) -> None:
    assert _only(matcher, text) == (item, category, "sentence")


@pytest.mark.parametrize("text", ["电池的包装扔哪里", "手机里的照片怎么删"])
def test_a_known_thing_beside_an_unknown_noun_is_not_the_answer(matcher: Matcher, text: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert not any(a.matched_by == "sentence" for a in c.answers)


def test_a_list_written_with_commas_is_answered_item_by_item(matcher: Matcher) -> None:
    c = matcher.classify("西瓜皮、易拉罐、用过的纸巾", "shanghai")
    assert [a.category for a in c.answers] == ["厨余垃圾", "可回收物", "其他垃圾"]
    assert len(c.items) == 3


def test_a_possessive_does_not_reach_across_and(matcher: Matcher) -> None:
    c = matcher.classify("螃蟹壳和绑螃蟹的绳子", "shanghai")
    assert [a.category for a in c.answers] == ["厨余垃圾", "其他垃圾"]


@pytest.mark.parametrize(("text", "categories"), [
    ("绑着绳子的大闸蟹", ["厨余垃圾", "其他垃圾"]),
    ("药盒连说明书和药板", ["可回收物", "可回收物", "有害垃圾"]),
    ("吃剩的炸鸡连纸盒", ["厨余垃圾", "可回收物"]),
])
def test_a_thing_with_its_container_is_answered_in_parts(matcher: Matcher, text: str, categories: list[str]) -> None:
    c = matcher.classify(text, "shanghai")
    assert c.status == "ok" and len(c.items) == len(categories)
    assert [a.category for a in c.answers] == categories


@pytest.mark.parametrize(("text", "item"), [("带鱼", "带鱼"), ("连衣裙", "连衣裙")])
def test_a_connector_inside_a_known_name_joins_nothing(matcher: Matcher, text: str, item: str) -> None:
    assert _only(matcher, text)[0] == item


@pytest.mark.parametrize(("text", "item"), [
    ("xiāng jiāo pí", "香蕉皮"),
    ("yantou shi shenme laji", "烟头"),
    ("lǜ chá", "绿茶"),
])
def test_typed_pinyin_with_tone_marks_or_a_pinyin_question(matcher: Matcher, text: str, item: str) -> None:
    assert _only(matcher, text)[0] == item


def test_a_pinyin_list_joined_by_he(matcher: Matcher) -> None:
    c = matcher.classify("xiguapi he yilaguan", "shanghai")
    assert [a.item for a in c.answers] == ["西瓜皮", "易拉罐"]


@pytest.mark.parametrize(("text", "item"), [("烟投是什么垃圾", "烟头"), ("口照", "口罩"), ("沙法", "沙发")])
def test_a_two_character_typo_that_is_no_word_is_corrected_as_an_inference(matcher: Matcher, text: str,
                                                                           item: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert c.status == "ok" and c.answers[0].item == item
    assert c.answers[0].matched_by == "homophone" and c.answers[0].inferred


@pytest.mark.parametrize("text", ["一米", "三鲜"])  # words, not typos of 薏米, 三弦
def test_a_real_two_character_word_is_not_swapped_for_its_homophone(matcher: Matcher, text: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert not any(a.matched_by == "homophone" for a in c.answers)


def test_a_homophone_behind_a_modifier(matcher: Matcher) -> None:
    c = matcher.classify("过期的感帽药", "shanghai")
    assert c.status == "ok" and c.answers[0].item == "感冒药" and c.answers[0].category == "有害垃圾"
