"""Matcher stages on a small hand-made knowledge base (independent of the bulk data)."""
from pathlib import Path

import pytest

from domain.sorting.kb import load_kb
from domain.sorting.matcher import Matcher

ITEMS = """name,category,aliases,tip
香蕉皮,厨余垃圾,香蕉,
苹果核,厨余垃圾,,
塑料瓶,可回收物,饮料瓶|矿泉水瓶,倒空
玻璃瓶,可回收物,酒瓶,
旧衣服,可回收物,衣服,
报纸,可回收物,废纸,
餐巾纸,其他垃圾,纸巾,
大骨头,其他垃圾,,
鸡骨头,厨余垃圾,,
干电池,其他垃圾,,
充电电池,有害垃圾,,
塑料盆,可回收物,,
石榴皮,厨余垃圾,,
花盆,其他垃圾,,
塑料,可回收物,,
金属制品,可回收物,,
陶瓷制品,其他垃圾,,
沙果,厨余垃圾,,
LED灯,有害垃圾,,
鱼肝,厨余垃圾,,
热水袋,其他垃圾,,
勺子,其他垃圾,,
开心果,厨余垃圾,,
粽子绳,其他垃圾,,
珍珠,其他垃圾,,
奶茶珍珠,厨余垃圾,,
过期药品,有害垃圾,过期药,
药盒,可回收物,,
菜,厨余垃圾,,
土,其他垃圾,,
"""
CLASSES = """
[[class]]
name = "虾蟹壳"
category = "厨余垃圾"
heads = ["壳"]
parents = ["虾"]

[[class]]
name = "食物残余"
category = "厨余垃圾"
heads = ["壳", "皮"]
parent_category = "厨余垃圾"

[[class]]
name = "电器电子产品"
category = "可回收物"
prefixes = ["电动", "电热", "电"]
decisive = true
heads = ["机"]
exceptions = ["打火机"]

[[class]]
name = "金属制品"
category = "可回收物"
prefixes = ["不锈钢", "铁"]
decisive = true
exceptions = ["铁观音"]

[[class]]
name = "陶瓷制品"
category = "其他垃圾"
prefixes = ["陶瓷"]
decisive = true

[[class]]
name = "衣物"
category = "可回收物"
heads = ["卫衣", "外套"]
exceptions = ["雨衣"]

[[class]]
name = "家具"
category = "大件垃圾"
heads = ["沙发"]
cities = { shanghai = "可回收物" }
"""
ENGLISH = """english,name
battery,电池
plastic bottle,塑料瓶
banana peel,香蕉皮
"""
SPECIAL = """
[[special]]
name = "电池"
kind = "cases"
question = "你问的是干电池还是充电电池？"
options = ["干电池", "充电电池"]
parts = [{ what = "干电池", item = "干电池" }, { what = "充电电池", item = "充电电池" }]

[[special]]
name = "药"
kind = "cases"
question = "是过期药品，还是药盒？"
options = ["过期药品", "药盒"]
parts = [{ what = "过期药品", item = "过期药品" }, { what = "药盒", item = "药盒" }]

[[special]]
name = "奶茶"
kind = "composite"
parts = [{ what = "液体", action = "倒掉" }, { what = "杯子", category = "其他垃圾" }]

[[special]]
name = "粽子"
kind = "composite"
aliases = ["粽叶"]
parts = [
  { what = "粽子馅、糯米", category = "厨余垃圾" },
  { what = "粽叶", category = "其他垃圾", names = ["粽子叶"] },
]
"""
PROFILE = """key = "{key}"
name = "{key}"
[categories."厨余垃圾"]
label = "{food}"
bin = "{colour}"
aliases = ["厨余垃圾", "湿垃圾"]
[categories."其他垃圾"]
label = "{other}"
bin = "黑色"
aliases = ["干垃圾", "其他垃圾"]
[categories."可回收物"]
label = "可回收物"
bin = "蓝色"
[categories."有害垃圾"]
label = "有害垃圾"
bin = "红色"
"""


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    root: Path = tmp_path_factory.mktemp("kb")
    (root / "items").mkdir()
    (root / "items" / "core.csv").write_text(ITEMS, encoding="utf-8")
    (root / "special.toml").write_text(SPECIAL, encoding="utf-8")
    (root / "classes.toml").write_text(CLASSES, encoding="utf-8")
    (root / "english.csv").write_text(ENGLISH, encoding="utf-8")
    for key, food, colour, other in (("national", "厨余垃圾", "绿色", "其他垃圾"), ("shanghai", "湿垃圾", "棕色", "干垃圾")):
        (root / "cities" / key).mkdir(parents=True)
        (root / "cities" / key / "profile.toml").write_text(
            PROFILE.format(key=key, food=food, colour=colour, other=other), encoding="utf-8")
    (root / "cities" / "national" / "overrides.csv").write_text("name,category,note\nLED灯,其他垃圾,\n", encoding="utf-8")
    return Matcher(load_kb(root))


def only(c) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    assert c.status == "ok", c
    assert len(c.answers) == 1, c
    a = c.answers[0]
    return a.item, a.category, a.matched_by


def test_exact_and_alias_with_city_label(matcher: Matcher) -> None:
    c = matcher.classify("香蕉皮", "shanghai")
    assert only(c) == ("香蕉皮", "厨余垃圾", "exact")
    assert c.answers[0].label == "湿垃圾" and c.answers[0].confidence == 1.0
    assert matcher.classify("香蕉皮").answers[0].label == "厨余垃圾"
    assert only(matcher.classify("矿泉水瓶是什么垃圾"))[:2] == ("塑料瓶", "可回收物")
    assert matcher.classify("纸巾", "shanghai").answers[0].label == "干垃圾"


def test_city_override_applies(matcher: Matcher) -> None:
    assert matcher.classify("LED灯", "shanghai").answers[0].category == "有害垃圾"
    assert matcher.classify("LED灯", "national").answers[0].category == "其他垃圾"


@pytest.mark.parametrize("text", ["电池和香蕉皮", "废纸，旧衣服", "苹果核 塑料瓶", "塑料瓶还有苹果核", "纸巾、香蕉皮"])
def test_several_items_in_one_message(matcher: Matcher, text: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert c.status == "ok"
    assert len(c.items) == 2


def test_multi_keeps_order_and_reports_missing(matcher: Matcher) -> None:
    c = matcher.classify("苹果核 塑料瓶 火星石头", "shanghai")
    assert [a.category for a in c.answers] == ["厨余垃圾", "可回收物"]
    assert c.missing == ("火星石头",)


def test_compound_head_is_an_inference(matcher: Matcher) -> None:
    item, category, by = only(matcher.classify("精华玻璃瓶"))
    assert (item, category, by) == ("玻璃瓶", "可回收物", "compound")
    assert matcher.classify("精华玻璃瓶").answers[0].inferred
    assert not matcher.classify("玻璃瓶").answers[0].inferred


def test_compound_refuses_when_material_and_object_disagree(matcher: Matcher) -> None:
    c = matcher.classify("塑料花盆")
    assert c.status == "ambiguous" and set(c.suggestions) == {"花盆", "塑料"}


def test_compound_does_not_infer_past_dirt(matcher: Matcher) -> None:
    assert matcher.classify("脏报纸").status != "ok"


def test_material_decides_unknown_object(matcher: Matcher) -> None:
    assert only(matcher.classify("不锈钢勺子"))[1:] == ("可回收物", "class")
    assert only(matcher.classify("陶瓷勺"))[1:] == ("其他垃圾", "class")
    assert matcher.classify("不锈钢勺子").answers[0].basis == "金属制品"


def test_a_class_changing_modifier_is_never_dropped(matcher: Matcher) -> None:
    """An electric hot-water bag is an appliance, not a plain hot-water bag; a metal spoon is metal."""
    a = matcher.classify("电热水袋", "shanghai").answers[0]
    assert (a.category, a.matched_by, a.basis, a.inferred) == ("可回收物", "class", "电器电子产品", True)
    assert only(matcher.classify("铁勺子"))[1:] == ("可回收物", "class")


def test_one_character_prefix_needs_a_known_object_after_it(matcher: Matcher) -> None:
    """"铁" starts 铁观音 (a tea): a one-character material says nothing unless an object follows."""
    assert matcher.classify("铁观音").status != "ok"
    assert matcher.classify("铁锣烧").status != "ok"


def test_head_noun_class_answers_unknown_names(matcher: Matcher) -> None:
    c = matcher.classify("加绒连帽卫衣", "shanghai")
    assert only(c)[1:] == ("可回收物", "class") and c.answers[0].basis == "衣物"
    assert matcher.classify("旧的雨衣").status != "ok"  # an exception is never inferred


def test_class_follows_the_city(matcher: Matcher) -> None:
    assert matcher.classify("真皮沙发", "shanghai").answers[0].category == "可回收物"
    assert matcher.classify("真皮沙发", "national").answers[0].category == "大件垃圾"


def test_part_classes_look_at_the_parent(matcher: Matcher) -> None:
    assert only(matcher.classify("开心果壳"))[1:] == ("厨余垃圾", "class")
    assert only(matcher.classify("小龙虾壳"))[1:] == ("厨余垃圾", "class")
    assert matcher.classify("火星壳").status != "ok"  # an unknown parent decides nothing


def test_a_part_is_never_swapped_for_another_part(matcher: Matcher) -> None:
    """"粽子馅" is the filling: never answered or suggested as the string."""
    c = matcher.classify("粽子馅", "shanghai")
    assert "粽子绳" not in c.suggestions and all(a.item != "粽子绳" for a in c.answers)
    assert c.special == "粽子" and c.answers[0].category == "厨余垃圾"


def test_named_part_of_a_composite_comes_first(matcher: Matcher) -> None:
    for query in ("粽叶", "粽子叶"):
        c = matcher.classify(query, "shanghai")
        assert c.special == "粽子" and c.part == "粽叶"
        assert [a.category for a in c.answers] == ["其他垃圾", "厨余垃圾"]
    whole = matcher.classify("粽子", "shanghai")
    assert whole.part == "" and [a.category for a in whole.answers] == ["厨余垃圾", "其他垃圾"]


def test_english_names(matcher: Matcher) -> None:
    assert matcher.classify("battery", "shanghai").special == "电池"
    assert matcher.classify("Is a plastic bottle recyclable?", "shanghai").answers[0].item == "塑料瓶"
    assert matcher.classify("how do I dispose of old batteries", "shanghai").special == "电池"
    c = matcher.classify("plastic bottles and banana peel", "shanghai")
    assert [a.item for a in c.answers] == ["塑料瓶", "香蕉皮"]
    assert matcher.classify("spaceship engine", "shanghai").status == "not_found"


def test_two_character_homophones_ask_back_instead_of_answering(matcher: Matcher) -> None:
    """"鱼竿" sounds like "鱼肝" but is a fishing rod: a different word, not a typo."""
    c = matcher.classify("鱼竿", "shanghai")
    assert c.status == "ambiguous" and not c.answers and c.suggestions == ("鱼肝",)


def test_modifiers_are_dropped(matcher: Matcher) -> None:
    assert only(matcher.classify("用过的纸巾"))[:2] == ("餐巾纸", "其他垃圾")
    assert only(matcher.classify("玻璃瓶子"))[0] == "玻璃瓶"
    assert only(matcher.classify("苹果的核"))[0] == "苹果核"


def test_the_whole_name_without_de_comes_before_the_bare_thing(matcher: Matcher) -> None:
    """"过期的药" is 过期药 (an alias of an item), not the bare "药" that asks which kind."""
    assert only(matcher.classify("过期的药", "shanghai"))[:2] == ("过期药品", "有害垃圾")
    assert matcher.classify("药", "shanghai").status == "ambiguous"


def test_a_known_container_names_what_was_inside(matcher: Matcher) -> None:
    """"奶茶里的珍珠" is tapioca (奶茶珍珠), not a pearl; an unknown pair falls back to the thing."""
    assert only(matcher.classify("奶茶里的珍珠", "shanghai"))[:2] == ("奶茶珍珠", "厨余垃圾")
    assert only(matcher.classify("请问奶茶里的珍珠是什么垃圾", "shanghai"))[0] == "奶茶珍珠"
    assert only(matcher.classify("盒子里的珍珠", "shanghai"))[:2] == ("珍珠", "其他垃圾")


def test_a_state_before_de_keeps_food_food(matcher: Matcher) -> None:
    """"冻坏的菜" is still food; "花盆里的土" is the soil; dirt does not move dry waste; a material is never dropped."""
    assert only(matcher.classify("冻坏的菜", "shanghai"))[:2] == ("菜", "厨余垃圾")
    assert only(matcher.classify("花盆里的土", "shanghai"))[:2] == ("土", "其他垃圾")
    assert only(matcher.classify("油腻的纸巾", "shanghai"))[:2] == ("餐巾纸", "其他垃圾")
    for text in ("塑料的香蕉", "装过油的报纸"):
        c = matcher.classify(text, "shanghai")
        assert not (c.status == "ok" and c.answers and c.answers[0].matched_by == "modifier"), c


def test_pinyin_full_and_initials(matcher: Matcher) -> None:
    assert only(matcher.classify("xiangjiaopi"))[::2] == ("香蕉皮", "pinyin")
    assert only(matcher.classify("chongdiandianchi"))[0] == "充电电池"
    assert only(matcher.classify("xjp"))[::2] == ("香蕉皮", "initials")
    assert matcher.classify("DIANCHI").special == "电池"
    c = matcher.classify("slp")  # 塑料盆 and 石榴皮 share initials and differ in category
    assert c.status == "ambiguous" and {"塑料盆", "石榴皮"} <= set(c.suggestions)


def test_homophone_typo_needs_a_shared_character(matcher: Matcher) -> None:
    assert only(matcher.classify("香焦皮"))[::2] == ("香蕉皮", "homophone")
    c = matcher.classify("砂锅")  # sounds like 沙果 but shares no character: do not guess
    assert c.status == "ambiguous" and c.answers == ()


def test_unknown_is_not_found_not_a_guess(matcher: Matcher) -> None:
    c = matcher.classify("量子纠缠态")
    assert c.status == "not_found" and c.answers == ()


def test_special_cases_ask_back_and_composites_come_in_parts(matcher: Matcher) -> None:
    c = matcher.classify("电池是什么垃圾", "shanghai")
    assert c.status == "ambiguous" and c.special == "电池"
    assert [p.label for p in c.parts] == ["干垃圾", "有害垃圾"]
    assert c.question
    m = matcher.classify("奶茶", "shanghai")
    assert m.status == "ok" and [(a.item, a.category) for a in m.answers] == [("杯子", "其他垃圾")]
    assert [(p.action, p.label) for p in m.parts] == [("倒掉", ""), ("", "干垃圾")]


@pytest.mark.parametrize(("text", "category"), [
    ("有害垃圾有哪些", "有害垃圾"), ("厨余垃圾怎么投放", "厨余垃圾"), ("蓝色桶装什么", "可回收物"),
    ("干垃圾是什么", "其他垃圾"), ("棕色桶里放什么", "厨余垃圾"),
])
def test_category_questions_are_guides(matcher: Matcher, text: str, category: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert (c.status, c.guide) == ("guide", category)


def test_item_question_naming_a_category_is_not_a_guide(matcher: Matcher) -> None:
    assert matcher.classify("电池是有害垃圾吗", "shanghai").status == "ambiguous"
    assert only(matcher.classify("大骨头是湿垃圾吗", "shanghai"))[1] == "其他垃圾"


@pytest.mark.parametrize("text", ["你好", "你是谁", "傻X", "前男友是什么垃圾", "谢谢", "好的谢谢", "我老板属于什么垃圾"])
def test_chitchat(matcher: Matcher, text: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert c.status == "chitchat" and c.answers == ()
