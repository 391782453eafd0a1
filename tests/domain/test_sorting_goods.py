"""Household goods on the real knowledge base: cases that once went wrong in the matcher."""
import pytest

from domain.sorting.matcher import Matcher


def top(matcher: Matcher, text: str) -> tuple[str, str]:
    c = matcher.classify(text, "shanghai")
    return c.status, (c.answers[0].category if c.answers else "")


@pytest.mark.parametrize("text", ["额温枪", "请问额温枪是什么垃圾"])
def test_a_name_starting_with_an_interjection_is_kept_whole(matcher: Matcher, text: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert c.status == "ok" and c.answers[0].item == "额温枪"


def test_an_interjection_in_front_of_a_name_is_still_dropped(matcher: Matcher) -> None:
    assert top(matcher, "额，香蕉皮") == ("ok", "厨余垃圾")
    assert matcher.classify("嗯电池", "shanghai").special == "电池"


def test_a_word_naming_an_item_of_the_kind_answers_that_item(matcher: Matcher) -> None:
    # 扣电 is an alias of 纽扣电池, which ends with 电池: not the generic 电池 question.
    c = matcher.classify("扣电电池", "shanghai")
    assert c.status == "ok" and c.answers[0].item == "纽扣电池" and c.answers[0].inferred


@pytest.mark.parametrize("text", ["CR2032电池", "cr2025电池", "LR44电池"])
def test_button_cell_model_numbers(matcher: Matcher, text: str) -> None:
    assert top(matcher, text) == ("ok", "有害垃圾")


def test_an_unknown_word_in_front_of_batteries_still_asks(matcher: Matcher) -> None:
    assert matcher.classify("大电池", "shanghai").status == "ambiguous"


@pytest.mark.parametrize(("text", "category"), [("电脑贴纸", "其他垃圾"), ("电脑鼠标垫", "其他垃圾")])
def test_a_one_character_prefix_starting_a_known_word_names_that_object(
        matcher: Matcher, text: str, category: str) -> None:
    # "电" of 电脑 is the computer, not "electric": the known tail (贴纸, 鼠标垫) decides.
    assert top(matcher, text) == ("ok", category)


def test_electric_prefix_still_decides_an_unknown_object(matcher: Matcher) -> None:
    assert top(matcher, "电动晾衣架")[1] == "可回收物"


@pytest.mark.parametrize("text", ["玻璃清洁剂", "洗碗机清洁剂"])
def test_fuzzy_never_answers_a_liquid_with_the_bottle_it_came_in(matcher: Matcher, text: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert not (c.status == "ok" and c.answers[0].item.endswith("瓶"))


@pytest.mark.parametrize("text", ["滚筒刷", "滚轮是什么垃圾"])
def test_things_starting_with_gun_are_not_insults(matcher: Matcher, text: str) -> None:
    assert matcher.classify(text, "shanghai").status != "chitchat"


@pytest.mark.parametrize("text", ["滚", "滚开", "滚蛋"])
def test_telling_the_bot_to_go_away_is_still_an_insult(matcher: Matcher, text: str) -> None:
    assert matcher.classify(text, "shanghai").special == "insult"


@pytest.mark.parametrize(("text", "category"), [("碱性电池5号", "其他垃圾"), ("锂电池5号", "有害垃圾"), ("干电池7号", "其他垃圾")])
def test_a_battery_size_said_after_the_kind_is_dropped(matcher: Matcher, text: str, category: str) -> None:
    assert top(matcher, text) == ("ok", category)


def test_a_consumable_of_an_electric_thing_is_not_an_appliance(matcher: Matcher) -> None:
    # The electric prefix class has 刷头/喷嘴/滤网 … as exceptions: a brush head is not electronics.
    c = matcher.classify("电动洗脸仪刷头", "shanghai")
    assert not (c.status == "ok" and c.answers[0].category == "可回收物" and c.answers[0].basis == "电器电子产品")


def test_led_in_front_of_a_known_light_is_not_dropped(matcher: Matcher) -> None:
    # LED lamps are hazardous in Shanghai; an unknown "LED + light" asks rather than answering the plain light.
    c = matcher.classify("LED灯串", "shanghai")
    assert c.status == "ambiguous"
