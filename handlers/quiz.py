"""The knowledge quiz (线上知识问答): a few questions one at a time, state in the database."""
from __future__ import annotations

import random
from dataclasses import asdict

from domain.sorting.quiz import Question, grade, make_question, parse_choice
from handlers import conversation
from handlers.types import Context, Incoming

FLOW = "quiz"
QUESTIONS = 5
IDLE_MINUTES = 60
EXPIRED = "上次的答题已超时结束，发“答题”可以重新开始。"


def _question(ctx: Context, seed: int, index: int) -> Question:
    kb = ctx.kb.matcher(ctx.session).kb
    return make_question(kb, ctx.config.CITY_PROFILE, random.Random(seed * 1000 + index))


def start(ctx: Context, m: Incoming) -> str:
    seed = random.SystemRandom().randrange(1, 2**31)
    q = _question(ctx, seed, 0)
    conversation.start(ctx, m.openid, FLOW,
                       {"seed": seed, "index": 0, "score": 0, "question": asdict(q)},
                       idle_minutes=IDLE_MINUTES)
    return (f"垃圾分类知识问答开始！共{QUESTIONS}题，随时发“取消”退出。\n\n"
            f"第1题 {q.prompt}")


def answer(ctx: Context, m: Incoming) -> str:
    conv = conversation.current(ctx, m.openid)
    assert conv is not None and conv.flow == FLOW
    state = dict(conv.state)
    q = Question(**{**state["question"], "options": tuple(state["question"]["options"])})
    if parse_choice(q, m.text) is None:
        return "答题进行中：请回复 A/B/C/D（或类别名称），发“取消”退出答题。\n\n" + q.prompt
    correct, explanation = grade(q, m.text)
    score = state["score"] + (1 if correct else 0)
    index = state["index"] + 1
    if index >= QUESTIONS:
        conversation.end(ctx, m.openid)
        verdict = "太棒了，全部答对！" if score == QUESTIONS else "继续加油！"
        return (f"{explanation}\n\n答题结束，你答对了 {score}/{QUESTIONS} 题。{verdict}"
                "发“答题”再来一轮。")
    nxt = _question(ctx, state["seed"], index)
    conversation.save(ctx, conv, {**state, "index": index, "score": score,
                                  "question": asdict(nxt)}, idle_minutes=IDLE_MINUTES)
    return f"{explanation}\n\n第{index + 1}题 {nxt.prompt}"
