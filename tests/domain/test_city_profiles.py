"""City profiles on the real knowledge base: labels, bins, regulations, overrides, guides, fallback.

Nothing here depends on item counts: other data files grow independently.
"""
from pathlib import Path

import pytest

from domain.sorting.check import find_problems
from domain.sorting.kb import KnowledgeBase, read_profile
from domain.sorting.matcher import Matcher
from domain.sorting.model import BULKY, CATEGORIES, FOOD, HAZARDOUS, RECYCLABLE, RENOVATION, RESIDUAL
from domain.sorting.render import render_reply


#: key → (name, regulation, regulation_date)
REGULATIONS = {
    "national": ("全国通用", "GB/T 19095-2019 生活垃圾分类标志", "2019-12-01"),
    "shanghai": ("上海", "上海市生活垃圾管理条例", "2019-07-01"),
    "beijing": ("北京", "北京市生活垃圾管理条例", "2020-05-01"),
    "shenzhen": ("深圳", "深圳市生活垃圾分类管理条例", "2020-09-01"),
    "guangzhou": ("广州", "广州市生活垃圾分类管理条例", "2018-07-01"),
    "hangzhou": ("杭州", "杭州市生活垃圾管理条例", "2019-08-15"),
    # The 条例's effective date is not confirmed; left empty rather than guessed.
    "chongqing": ("重庆", "重庆市生活垃圾管理条例", ""),
}

#: key → {national category: (label, bin colour)} for the four bins.
BINS = {
    "national": {RECYCLABLE: ("可回收物", "蓝色"), HAZARDOUS: ("有害垃圾", "红色"),
                 FOOD: ("厨余垃圾", "绿色"), RESIDUAL: ("其他垃圾", "灰色")},
    "shanghai": {RECYCLABLE: ("可回收物", "蓝色"), HAZARDOUS: ("有害垃圾", "红色"),
                 FOOD: ("湿垃圾", "棕色"), RESIDUAL: ("干垃圾", "黑色")},
    "beijing": {RECYCLABLE: ("可回收物", "蓝色"), HAZARDOUS: ("有害垃圾", "红色"),
                FOOD: ("厨余垃圾", "绿色"), RESIDUAL: ("其他垃圾", "灰色")},
    "shenzhen": {RECYCLABLE: ("可回收物", "蓝色"), HAZARDOUS: ("有害垃圾", "红色"),
                 FOOD: ("厨余垃圾", "绿色"), RESIDUAL: ("其他垃圾", "灰色")},
    "guangzhou": {RECYCLABLE: ("可回收物", "蓝色"), HAZARDOUS: ("有害垃圾", "红色"),
                  FOOD: ("餐厨垃圾", "绿色"), RESIDUAL: ("其他垃圾", "黑色")},
    "hangzhou": {RECYCLABLE: ("可回收物", "蓝色"), HAZARDOUS: ("有害垃圾", "红色"),
                 FOOD: ("易腐垃圾", "绿色"), RESIDUAL: ("其他垃圾", "灰色")},
    "chongqing": {RECYCLABLE: ("可回收物", "蓝色"), HAZARDOUS: ("有害垃圾", "红色"),
                  FOOD: ("厨余垃圾", "绿色"), RESIDUAL: ("其他垃圾", "灰色")},
}

CITIES = sorted(REGULATIONS)
#: The cities whose overrides this file owns (Shanghai's are checked by the checker's own run).
NEW_CITIES = ["beijing", "chongqing", "guangzhou", "hangzhou", "shenzhen"]


# --- profiles ---------------------------------------------------------------------------------

@pytest.mark.parametrize("city", CITIES)
def test_profile_exists_with_regulation_and_date(kb: KnowledgeBase, city: str) -> None:
    name, regulation, date = REGULATIONS[city]
    profile = kb.profiles[city]
    assert profile.key == city
    assert profile.name == name
    assert profile.regulation == regulation
    assert profile.regulation_date == date


@pytest.mark.parametrize("city", CITIES)
def test_every_national_category_has_a_label_rules_and_examples(kb: KnowledgeBase, city: str) -> None:
    profile = kb.profiles[city]
    assert set(profile.categories) == set(CATEGORIES)
    for category in CATEGORIES:
        rule = profile.categories[category]
        assert rule.label.strip(), (city, category)
        assert rule.rules and all(r.strip() for r in rule.rules), (city, category)
        assert rule.examples, (city, category)
        assert rule.description.strip(), (city, category)


@pytest.mark.parametrize("city", CITIES)
def test_four_bins_have_the_city_label_and_colour(kb: KnowledgeBase, city: str) -> None:
    profile = kb.profiles[city]
    for category, (label, colour) in BINS[city].items():
        assert (profile.label(category), profile.rule(category).bin_colour) == (label, colour)
    assert profile.rule(BULKY).bin_colour == ""
    assert profile.rule(RENOVATION).bin_colour == ""


@pytest.mark.parametrize("city", CITIES)
def test_national_names_stay_aliases_of_the_city_label(kb: KnowledgeBase, city: str) -> None:
    profile = kb.profiles[city]
    food = profile.rule(FOOD)
    for term in ("厨余垃圾", "湿垃圾", "易腐垃圾", "餐厨垃圾"):
        assert term == food.label or term in food.aliases, (city, term)
    residual = profile.rule(RESIDUAL)
    for term in ("其他垃圾", "干垃圾"):
        assert term == residual.label or term in residual.aliases, (city, term)


def test_read_profile_without_regulation_keys_gives_empty_strings(tmp_path: Path) -> None:
    (tmp_path / "profile.toml").write_text('key = "x"\nname = "X"\n', encoding="utf-8")
    profile = read_profile(tmp_path)
    assert (profile.regulation, profile.regulation_date) == ("", "")


# --- answers and replies use the city's labels and bins ---------------------------------------

@pytest.mark.parametrize("city", CITIES)
def test_food_answer_and_reply_use_the_city_label_and_bin(kb: KnowledgeBase, matcher: Matcher, city: str) -> None:
    label, colour = BINS[city][FOOD]
    c = matcher.classify("香蕉皮", city)
    assert c.status == "ok"
    assert c.city == city
    assert (c.answers[0].item, c.answers[0].category, c.answers[0].label) == ("香蕉皮", FOOD, label)
    assert render_reply(c, kb.profile(city)).startswith(f"香蕉皮：{label}（{colour}桶）")


@pytest.mark.parametrize("city", CITIES)
def test_residual_reply_names_the_city_bin(kb: KnowledgeBase, matcher: Matcher, city: str) -> None:
    label, colour = BINS[city][RESIDUAL]
    c = matcher.classify("烟头", city)
    assert (c.answers[0].category, c.answers[0].label) == (RESIDUAL, label)
    assert f"{label}（{colour}桶）" in render_reply(c, kb.profile(city))


def test_hangzhou_food_label_is_yifu(matcher: Matcher) -> None:
    assert matcher.classify("香蕉皮", "hangzhou").answers[0].label == "易腐垃圾"


# --- overrides change the answer against national -------------------------------------------

@pytest.mark.parametrize(("city", "name", "national", "local", "note"), [
    ("guangzhou", "花生壳", FOOD, RESIDUAL, "广州：花生壳属于其他垃圾"),
    ("guangzhou", "瓜子壳", FOOD, RESIDUAL, "广州：瓜子壳属于其他垃圾"),
    ("guangzhou", "玉米芯", FOOD, RESIDUAL, "广州：玉米芯属于其他垃圾"),
    ("guangzhou", "LED灯", HAZARDOUS, RESIDUAL, "广州：LED灯不含汞，属于其他垃圾"),
    ("shenzhen", "衣柜", BULKY, RECYCLABLE, "深圳：废旧家具属于可回收物，体积大的请预约回收或搬到指定暂存点"),
    ("shenzhen", "沙发", BULKY, RECYCLABLE, "深圳：废旧家具属于可回收物，体积大的请预约回收或搬到指定暂存点"),
    ("shenzhen", "碎玻璃", RECYCLABLE, RESIDUAL, "深圳：碎玻璃用纸张包裹、胶带缠好后投放其他垃圾"),
    ("shenzhen", "破碎灯管", HAZARDOUS, RESIDUAL, "深圳：已破碎的灯管用纸张包裹、胶带缠好后投放其他垃圾"),
])
def test_override_changes_the_answer(kb: KnowledgeBase, matcher: Matcher, city: str, name: str,
                                     national: str, local: str, note: str) -> None:
    base = matcher.classify(name, "national").answers[0]
    assert (base.item, base.category, base.note) == (name, national, "")
    here = matcher.classify(name, city)
    answer = here.answers[0]
    assert (answer.item, answer.category, answer.label, answer.note) == (
        name, local, kb.profile(city).label(local), note)
    reply = render_reply(here, kb.profile(city))
    assert reply.startswith(f"{name}：{kb.profile(city).label(local)}")
    assert note in reply


@pytest.mark.parametrize(("city", "name", "category"), [
    ("shenzhen", "花生壳", FOOD),
    ("beijing", "花生壳", FOOD),
    ("guangzhou", "衣柜", BULKY),
    ("hangzhou", "衣柜", BULKY),
    ("chongqing", "LED灯", HAZARDOUS),
])
def test_overrides_stay_in_their_city(matcher: Matcher, city: str, name: str, category: str) -> None:
    answer = matcher.classify(name, city).answers[0]
    assert (answer.item, answer.category, answer.note) == (name, category, "")


def test_checker_reports_no_override_problems_for_the_new_cities(kb: KnowledgeBase) -> None:
    problems = [line for line in find_problems(kb).overrides if line.split(":")[0] in NEW_CITIES]
    assert problems == []


@pytest.mark.parametrize("city", NEW_CITIES)
def test_every_override_names_an_item_and_changes_it(kb: KnowledgeBase, city: str) -> None:
    for name, override in kb.profiles[city].overrides.items():
        assert name in kb.items, (city, name)
        assert override.category != kb.items[name].category, (city, name)
        assert override.note.startswith(kb.profiles[city].name + "："), (city, name)


def test_furniture_class_is_recyclable_only_in_shenzhen(kb: KnowledgeBase) -> None:
    furniture = next(c for c in kb.classes if c.name == "家具")
    assert furniture.category_in("shenzhen") == RECYCLABLE
    assert {city: furniture.category_in(city) for city in CITIES if city != "shenzhen"} == {
        city: BULKY for city in CITIES if city != "shenzhen"}


# --- guides with the city's own words --------------------------------------------------------

@pytest.mark.parametrize(("city", "query", "category"), [
    ("hangzhou", "易腐垃圾有哪些", FOOD),
    ("hangzhou", "厨余垃圾有哪些", FOOD),
    ("hangzhou", "湿垃圾是什么", FOOD),
    ("guangzhou", "餐厨垃圾有哪些", FOOD),
    ("guangzhou", "厨余垃圾有哪些", FOOD),
    ("beijing", "厨余垃圾有哪些", FOOD),
    ("beijing", "湿垃圾是什么", FOOD),
    ("shenzhen", "厨余垃圾有哪些", FOOD),
    ("chongqing", "厨余垃圾有哪些", FOOD),
    ("shanghai", "湿垃圾有哪些", FOOD),
    ("national", "厨余垃圾有哪些", FOOD),
    ("beijing", "干垃圾是什么", RESIDUAL),
    ("guangzhou", "黑色桶装什么", RESIDUAL),
    ("beijing", "灰色桶装什么", RESIDUAL),
    ("hangzhou", "灰色桶装什么", RESIDUAL),
    ("shenzhen", "有害垃圾有哪些", HAZARDOUS),
])
def test_guide_in_the_city_words(kb: KnowledgeBase, matcher: Matcher, city: str, query: str, category: str) -> None:
    c = matcher.classify(query, city)
    assert (c.status, c.guide) == ("guide", category)
    rule = kb.profile(city).rule(category)
    assert render_reply(c, kb.profile(city)).startswith(f"【{rule.label}（{rule.bin_colour}桶）】")


@pytest.mark.parametrize("city", CITIES)
def test_overview_names_the_city_and_its_four_bins(kb: KnowledgeBase, matcher: Matcher, city: str) -> None:
    c = matcher.classify("垃圾怎么分类", city)
    assert (c.status, c.guide) == ("guide", "all")
    text = render_reply(c, kb.profile(city))
    assert text.startswith(f"{REGULATIONS[city][0]}生活垃圾分为四类：")
    for label, colour in BINS[city].values():
        assert f"{label}（{colour}桶）" in text


# --- unknown cities ---------------------------------------------------------------------------

@pytest.mark.parametrize("city", ["tianjin", "", "GUANGZHOU", "广州"])
def test_unknown_city_falls_back_to_national(kb: KnowledgeBase, matcher: Matcher, city: str) -> None:
    assert kb.profile(city).key == "national"
    c = matcher.classify("花生壳", city)
    assert c.city == "national"
    assert (c.answers[0].category, c.answers[0].label, c.answers[0].note) == (FOOD, "厨余垃圾", "")
    assert render_reply(c, kb.profile(city)).startswith("花生壳：厨余垃圾（绿色桶）")
