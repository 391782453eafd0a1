"""Questions written as residents write them: sentences, lists, things with their containers, typed pinyin, typos."""
from __future__ import annotations

import pytest

from domain.sorting.kb import KnowledgeBase
from domain.sorting.loo import _Hiding
from domain.sorting.matcher import Matcher
from domain.sorting.stages import Resolution, infer


def _infer_hidden(kb: KnowledgeBase, name: str) -> Resolution | None:
    """What inference says of a KB item's name with the item hidden, as for a name the KB lacks."""
    hidden = _Hiding(kb.index, name)
    return infer(hidden, name, lambda n: kb.category_for(n, "shanghai")[0], kb.ontology, "shanghai")


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


@pytest.mark.parametrize(("text", "item", "category"), [
    ("沾满油的披萨盒", "披萨盒", "其他垃圾"),
    ("沾了油的厨房纸", "厨房纸", "其他垃圾"),
    ("油腻的外卖餐盒", "外卖餐盒", "其他垃圾"),
])
def test_dirt_does_not_change_a_thing_that_is_not_recyclable(matcher: Matcher, text: str, item: str,
                                                             category: str) -> None:
    assert _only(matcher, text)[:2] == (item, category)


def test_dirt_on_a_recyclable_is_never_answered_recyclable(matcher: Matcher) -> None:
    c = matcher.classify("沾了油的快递纸袋", "shanghai")
    assert all(a.category != "可回收物" for a in c.answers), c


@pytest.mark.parametrize(("text", "item"), [("塑料竖笛", "竖笛"), ("塑料水枪", "水枪"), ("纸质礼品盒", "礼品盒"),
                                            ("塑料浇水壶", "浇水壶")])
def test_a_recyclable_material_agrees_with_a_recyclable_object(matcher: Matcher, text: str, item: str) -> None:
    assert _only(matcher, text) == (item, "可回收物", "compound")


def test_a_material_that_disagrees_still_asks(matcher: Matcher) -> None:
    assert matcher.classify("陶瓷竖笛", "shanghai").status != "ok" or \
        matcher.classify("陶瓷竖笛", "shanghai").answers[0].category != "可回收物"


@pytest.mark.parametrize(("text", "item", "category"), [
    ("吸尘器里倒出来的灰", "吸尘器灰", "其他垃圾"),
    ("粘毛器撕下来的纸", "粘毛器纸", "其他垃圾"),
    ("装修拆下来的旧马桶", "马桶", "装修垃圾"),
    ("泡发过的木耳", "黑木耳", "厨余垃圾"),
    ("剥了糖纸的过期糖果", "糖果", "厨余垃圾"),
    ("那个就是用完的杀虫剂瓶子怎么扔。", "杀虫剂瓶", "有害垃圾"),
])
def test_what_was_done_to_a_thing_or_where_it_came_from_does_not_hide_it(matcher: Matcher, text: str, item: str,
                                                                          category: str) -> None:
    assert _only(matcher, text)[:2] == (item, category)


def test_risky_words_inside_the_owner_hide_the_bare_thing(matcher: Matcher) -> None:
    """"油漆桶的盖子" may be a hazardous lid: never answered as a bare 盖子 question or a clean lid."""
    c = matcher.classify("油漆桶的盖子", "shanghai")
    assert c.special != "盖子" and all(a.category != "可回收物" for a in c.answers), c


@pytest.mark.parametrize(("text", "item"), [("coconut shell which bin", "椰子壳"), ("button cell battery", "纽扣电池"),
                                            ("bug spray can", "杀虫剂罐")])
def test_english_names_and_a_trailing_which_bin(matcher: Matcher, text: str, item: str) -> None:
    assert _only(matcher, text)[0] == item


@pytest.mark.parametrize(("text", "package"), [
    ("过期没开封的罐头", "可回收物"),
    ("过期的罐装八宝粥没开过怎么扔", "可回收物"),
    ("袋装薯片没开封", "其他垃圾"),
    ("没拆封的过期零食", "其他垃圾"),
])
def test_a_food_in_its_package_is_answered_in_parts(matcher: Matcher, text: str, package: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert c.status == "ok" and c.parts, (text, c)
    categories = [p.category for p in c.parts]
    assert categories[0] == "厨余垃圾" and package in categories[1:], (text, categories)


@pytest.mark.parametrize(("text", "special"), [("没开封的过期盒装牛奶", "牛奶"), ("带包装的过期月饼", "月饼"),
                                               ("整箱过期的杯装酸奶", "牛奶")])
def test_a_packaged_food_with_its_own_parts_keeps_them(matcher: Matcher, text: str, special: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert c.status == "ok" and c.special == special and c.parts, (text, c)


@pytest.mark.parametrize("text", ["没开封的口红", "没开封的电池", "盒装牛奶"])
def test_a_package_word_on_a_thing_that_is_not_food_changes_nothing(matcher: Matcher, text: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert not c.parts or c.special in ("牛奶", "电池"), (text, c)
    assert all(p.what != "包装袋" for p in c.parts)


@pytest.mark.parametrize(("name", "wrong_tail"), [("山药片", "药片"), ("沙发套", "发套"), ("豆沙包", "沙包")])
def test_a_tail_cut_out_of_a_known_word_is_not_the_answer(kb: KnowledgeBase, name: str, wrong_tail: str) -> None:
    """With the item hidden (as for a name the KB lacks), its first two characters name a thing of
    another bin: the one-character-shorter tail is a different word, so no answer comes from it."""
    res = _infer_hidden(kb, name)
    assert res is None or res.via != wrong_tail


def test_a_tail_after_a_word_of_the_same_bin_still_answers(kb: KnowledgeBase) -> None:
    res = _infer_hidden(kb, "芒果皮")
    assert res is not None and res.kind == "item" and kb.category_for(res.names[0], "shanghai")[0] == "厨余垃圾"


@pytest.mark.parametrize("name", ["儿童自行车", "充气床垫", "消毒碗柜"])
def test_a_size_or_fitting_word_turns_an_inferred_bulky_answer_into_a_question(kb: KnowledgeBase, name: str) -> None:
    res = _infer_hidden(kb, name)
    assert res is not None and res.kind == "ambiguous"


def test_an_old_solid_wood_bed_is_still_bulky_waste(matcher: Matcher) -> None:
    c = matcher.classify("旧实木大床", "shanghai")
    assert c.status == "ok" and c.answers[0].category == "大件垃圾"


@pytest.mark.parametrize("text", ["maosha", "mao sha"])
def test_pinyin_ending_in_a_wrapper_syllable_is_not_cut(matcher: Matcher, text: str) -> None:
    assert _only(matcher, text)[0] == "猫砂"  # "sha" (啥) alone is part of the name, not a question


def test_a_list_joined_by_he_beats_the_possessive_of_its_last_piece(matcher: Matcher) -> None:
    c = matcher.classify("过期的感冒药和维生素", "shanghai")
    assert len(c.items) == 2 and c.answers[0].category == "有害垃圾"
