"""Replies, guides, JSON export and quiz grading on the real data."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.sorting.export import classification_to_json
from domain.sorting.kb import KnowledgeBase
from domain.sorting.matcher import Matcher
from domain.sorting.model import CATEGORIES, FOUR_BINS
from domain.sorting.quiz import grade, make_question
from domain.sorting.render import render_reply



def reply(matcher: Matcher, kb: KnowledgeBase, text: str, city: str = "shanghai") -> str:
    return render_reply(matcher.classify(text, city), kb.profile(city))


def test_ok_reply_names_city_label_bin_and_rule(matcher: Matcher, kb: KnowledgeBase) -> None:
    text = reply(matcher, kb, "香蕉皮")
    assert "湿垃圾" in text and "棕色" in text and "破袋" in text
    assert "厨余垃圾" in reply(matcher, kb, "香蕉皮", "national")


def test_inferred_reply_says_what_it_judged_by(matcher: Matcher, kb: KnowledgeBase) -> None:
    assert "按“玻璃瓶”判断" in reply(matcher, kb, "精华玻璃瓶")


def test_special_reply_covers_cases_and_asks(matcher: Matcher, kb: KnowledgeBase) -> None:
    text = reply(matcher, kb, "电池")
    assert "干垃圾" in text and "有害垃圾" in text and "？" in text
    assert "倒入" in reply(matcher, kb, "奶茶")


def test_not_found_reply_sends_nothing_to_a_bin(matcher: Matcher, kb: KnowledgeBase) -> None:
    """An unknown thing may hold a battery: the reply must not name a bin for it."""
    text = reply(matcher, kb, "宇宙飞船引擎")
    assert "已记录" in text and "先别投放" in text
    assert not any(label in text for label in ("干垃圾", "湿垃圾", "可回收物", "有害垃圾"))


def test_guide_and_chitchat_replies(matcher: Matcher, kb: KnowledgeBase) -> None:
    assert "红色" in reply(matcher, kb, "有害垃圾有哪些")
    assert "湿垃圾" in reply(matcher, kb, "垃圾怎么分类")
    joke = reply(matcher, kb, "前男友是什么垃圾")
    assert "电池" in joke and "干垃圾" not in joke


def test_replies_are_short(matcher: Matcher, kb: KnowledgeBase) -> None:
    for text in ("香蕉皮", "电池", "奶茶", "电池和香蕉皮，塑料瓶", "xyz"):
        assert len(reply(matcher, kb, text)) < 300


def test_json_shape(matcher: Matcher) -> None:
    out = classification_to_json(matcher.classify("塑料瓶和香蕉皮", "shanghai"))
    assert out["status"] == "ok"
    assert [(a["category"], a["label"]) for a in out["answers"]] == [("可回收物", "可回收物"), ("厨余垃圾", "湿垃圾")]
    assert set(out["answers"][0]) == {"item", "category", "label", "confidence", "matched_by"}
    chat = classification_to_json(matcher.classify("你好"))
    assert chat["status"] == "not_found" and chat["answers"] == [] and chat["intent"] == "chitchat"


def test_quiz_question_and_grading(kb: KnowledgeBase) -> None:
    rng = random.Random(1)
    for _ in range(20):
        q = make_question(kb, "shanghai", rng)
        assert q.options == ("可回收物", "有害垃圾", "湿垃圾", "干垃圾")
        right_category = FOUR_BINS[q.answer_index]
        assert kb.category_for(q.item, "shanghai")[0] == right_category
        letter = "ABCD"[q.answer_index]
        assert grade(q, letter)[0] and grade(q, letter.lower())[0]
        assert grade(q, str(q.answer_index + 1))[0]
        assert grade(q, q.options[q.answer_index])[0]
        wrong = "ABCD"[(q.answer_index + 1) % 4]
        ok, explanation = grade(q, wrong)
        assert not ok and letter in explanation and q.item in explanation
    assert not grade(q, "不知道")[0]


def test_quiz_is_reproducible(kb: KnowledgeBase) -> None:
    assert make_question(kb, "national", random.Random(5)) == make_question(kb, "national", random.Random(5))



@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30))
def test_any_text_gets_a_valid_classification_and_reply(matcher: Matcher, kb: KnowledgeBase, text: str) -> None:
    c = matcher.classify(text, "shanghai")
    assert c.status in ("ok", "ambiguous", "not_found", "chitchat", "guide")
    assert all(a.category in CATEGORIES and 0 <= a.confidence <= 1 for a in c.answers)
    assert render_reply(c, kb.profile("shanghai"))
    assert classification_to_json(c)["status"] in ("ok", "ambiguous", "not_found")


@pytest.mark.parametrize(("query", "first"), [("粽叶", "其他垃圾"), ("月饼盒", "可回收物"), ("香烟盒", "可回收物")])
def test_composite_json_puts_the_named_part_first(matcher: Matcher, query: str, first: str) -> None:
    """`kb classify` fills answers for composites; the part the query names comes first."""
    out = classification_to_json(matcher.classify(query, "shanghai"))
    assert out["status"] == "ok" and out["special"] and out["part"]
    assert out["answers"][0]["category"] == first and out["answers"][0]["matched_by"] == "part"
    assert len(out["answers"]) >= 2 and out["parts"]


def test_named_part_reply_answers_the_part_then_the_whole(matcher: Matcher, kb: KnowledgeBase) -> None:
    text = reply(matcher, kb, "粽叶")
    assert text.splitlines()[0] == "粽叶：干垃圾（黑色桶）" and "整个粽子要分开投放" in text


def test_inferred_json_says_what_it_was_judged_by(matcher: Matcher) -> None:
    out = classification_to_json(matcher.classify("电动遥控小火车头模型", "shanghai"))
    assert out["answers"][0]["inferred"] is True and out["answers"][0]["basis"] in ("电器电子产品", "模型")
