"""Sorting questions, guides and the quiz, through the webhook like WeChat sends them."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from models import Conversation, KbItem, KbMiss


def test_single_item_gets_the_shanghai_label(user: Any) -> None:
    reply = user.say("香蕉皮是什么垃圾")
    assert reply is not None and "湿垃圾" in reply and "香蕉皮" in reply


def test_voice_text_with_trailing_full_stop(user: Any) -> None:
    reply = user.voice("塑料瓶属于什么垃圾。")
    assert reply is not None and "可回收物" in reply


def test_several_items_in_one_message(user: Any) -> None:
    reply = user.say("香蕉皮和塑料瓶")
    assert reply is not None and "湿垃圾" in reply and "可回收物" in reply


def test_bare_battery_gets_the_cases_not_a_coin_toss(user: Any) -> None:
    reply = user.say("电池")
    assert reply is not None and "有害垃圾" in reply and "干垃圾" in reply


def test_joke_gets_a_polite_steer(user: Any, runtime: Any) -> None:
    reply = user.say("前男友是什么垃圾")
    assert reply is not None and "查不到" not in reply and "暂时没有查到" not in reply
    with runtime.sessions.begin() as s:
        assert s.scalars(select(KbMiss)).all() == []


def test_unknown_item_is_recorded_with_a_count(user: Any, runtime: Any) -> None:
    for _ in range(2):
        reply = user.say("量子纠缠态")
        assert reply is not None and "已记录" in reply
    with runtime.sessions.begin() as s:
        miss = s.scalar(select(KbMiss))
        assert miss is not None and miss.count == 2 and "量子" in miss.query


def test_answer_by_class_is_said_and_recorded_for_review(user: Any, runtime: Any) -> None:
    reply = user.say("量子纠缠仪")
    assert reply == "量子纠缠仪（按“电器电子产品”判断）：可回收物（蓝色桶）\n投放：轻投轻放"
    with runtime.sessions.begin() as s:
        miss = s.scalar(select(KbMiss))
        assert miss is not None and (miss.query, miss.status, miss.count) == ("量子纠缠仪", "inferred", 1)


def test_category_guide_for_the_city(user: Any) -> None:
    reply = user.say("有害垃圾有哪些")
    assert reply is not None and "有害垃圾" in reply and "红" in reply


def test_guide_menu_click(user: Any) -> None:
    reply = user.click("GUIDE_KITCHEN")
    assert reply is not None and "湿垃圾" in reply


def test_office_edit_changes_the_answer(user: Any, runtime: Any, clock: Any) -> None:
    assert "暂时没有查到" in (user.say("量子纠缠态") or "")
    with runtime.sessions.begin() as s:
        s.add(KbItem(name="量子纠缠态", category="有害垃圾", aliases="量子机", tip="",
                     updated_at=clock.now, updated_by="admin"))
    reply = user.say("量子机")
    assert reply is not None and "有害垃圾" in reply


def test_quiz_runs_to_a_score_and_survives_restarts(user: Any, runtime: Any, app: Any) -> None:
    first = user.say("答题")
    assert first is not None and "第1题" in first
    for n in range(2, 6):
        reply = user.say("A")
        assert reply is not None and f"第{n}题" in reply
        assert ("答对了" in reply) or ("正确答案" in reply)
    last = user.say("B")
    assert last is not None and "答题结束" in last and "/5" in last
    with runtime.sessions.begin() as s:
        assert s.get(Conversation, user.openid) is None


def test_quiz_state_lives_in_the_database(user: Any, runtime: Any) -> None:
    user.say("答题")
    with runtime.sessions.begin() as s:
        conv = s.get(Conversation, user.openid)
        assert conv is not None and conv.flow == "quiz" and conv.state["index"] == 0
    assert "第2题" in (user.say("1") or "")


def test_quiz_reasks_on_an_unreadable_answer_and_cancels(user: Any) -> None:
    user.say("答题")
    again = user.say("不知道呢")
    assert again is not None and "请回复" in again and "第1题" not in again.split("\n")[0]
    assert "已取消" in (user.say("取消") or "")


def test_quiz_expires_after_an_hour_idle(user: Any, clock: Any) -> None:
    user.say("答题")
    clock.advance(minutes=61)
    reply = user.say("A")
    assert reply is not None and "超时" in reply


def test_kb_classify_cli(app: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "classify", "--city", "shanghai", "香蕉皮", "dianchi"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows[0]["status"] == "ok"
    assert rows[0]["answers"][0]["category"] == "厨余垃圾"
    assert rows[0]["answers"][0]["label"] == "湿垃圾"
    assert rows[1]["status"] in ("ambiguous", "ok")


def test_kb_classify_reads_stdin(app: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "classify"], input="塑料瓶\n\n过期药品\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["query"] for r in rows] == ["塑料瓶", "过期药品"]
    assert rows[1]["answers"][0]["category"] == "有害垃圾"


def test_kb_classify_rejects_unknown_city(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["kb", "classify", "--city", "atlantis", "x"])
    assert result.exit_code != 0 and "atlantis" in result.output
