"""A reporter's own cases: 我的投诉, lookup by JC number, and the after-closure survey."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from handlers.predicates import normalize_command
from handlers.types import Context, Incoming
from services.cases import SURVEY_QUESTION, CaseTransitionError, local_text, record_survey
from models.cases import CLOSED, Case

NUMBER = re.compile(r"^jc\d{12}$")
LIST_LIMIT = 10
SURVEY_DAYS = 7
FIXED_YES = ("已解决", "解决了", "已经解决", "解决", "好了", "已整改", "是")
FIXED_NO = ("未解决", "没解决", "没有解决", "还没解决", "没好", "未整改", "否", "没有")
FIXED_DIGITS = {"1": True, "2": False}  # the answers to SURVEY_QUESTION
SATISFACTION_WORDS = {"满意": 1, "非常满意": 1, "很满意": 1, "基本满意": 2, "一般": 2,
                      "还行": 2, "不满意": 3, "很不满意": 3, "非常不满意": 3}
SATISFACTION_DIGITS = {"1": 1, "2": 2, "3": 3}
ASK_SATISFACTION = "请为本次处理打分：回复 1 满意、2 基本满意、3 不满意。"
ACTIONS = {"submit": "提交", "dispatch": "派单", "reroute": "改派", "accept": "接单处置",
           "return": "退回重新分派", "rectify": "整改完成待核查", "close": "办结",
           "verify_failed": "核查未通过，返工", "reject": "不予受理", "extend": "延期",
           "duplicate": "合并到同类案件", "rework": "返工", "triage": "待分派"}


def list_cases(ctx: Context, m: Incoming) -> str:
    """我的投诉: the reporter's latest cases."""
    cases = list(ctx.session.scalars(select(Case).where(Case.reporter_openid == m.openid)
                                     .order_by(Case.created_at.desc(), Case.id.desc())
                                     .limit(LIST_LIMIT)))
    if not cases:
        return "您还没有提交过投诉。发“纠错”可以拍照反映垃圾分类问题。"
    lines = [f"{c.number} {c.problem_type} {c.status}" for c in cases]
    return "您最近的投诉：\n" + "\n".join(lines) + "\n发送编号可查看详情。"


def lookup(ctx: Context, m: Incoming) -> str:
    """Details of one of the reporter's own cases (others' cases are not shown)."""
    number = normalize_command(m.text).upper()
    case = ctx.session.scalar(select(Case).where(Case.number == number,
                                                 Case.reporter_openid == m.openid))
    if case is None:
        return f"没有找到您提交的投诉{number}，请核对编号。发“我的投诉”查看全部。"
    lines = [f"投诉编号：{case.number}", f"问题类型：{case.problem_type}",
             f"当前状态：{case.status}",
             f"责任单位：{case.unit.name if case.unit else '区分类办'}"]
    if case.deadline_at and case.is_open:
        lines.append(f"办理时限：{local_text(case.deadline_at)}")
    if case.reject_reason:
        lines.append(f"不予受理原因：{case.reject_reason}")
    steps = [f"{local_text(e.at)} {ACTIONS[e.action]}" for e in case.events if e.action in ACTIONS]
    return "\n".join(lines) + "\n进展：\n" + "\n".join(steps[-6:])


def _awaiting(ctx: Context, openid: str) -> Case | None:
    """The reporter's latest recently closed case still missing an answer."""
    return ctx.session.scalars(select(Case).where(
        Case.reporter_openid == openid, Case.status == CLOSED,
        Case.closed_at >= ctx.now - timedelta(days=SURVEY_DAYS),
        (Case.fixed.is_(None)) | (Case.satisfaction.is_(None)),
    ).order_by(Case.closed_at.desc())).first()


def _parse(text: str, asking_fixed: bool) -> tuple[bool | None, int | None]:
    """(fixed, score) from a reply. Digits mean the question being asked: 1/2 for "fixed?"
    (1 已解决, 2 未解决), 1/2/3 for the score; words work at either step."""
    word = normalize_command(text).strip(" ，,。.!！")
    digits = FIXED_DIGITS if asking_fixed else SATISFACTION_DIGITS
    if word in digits:
        return (FIXED_DIGITS[word], None) if asking_fixed else (None, SATISFACTION_DIGITS[word])
    if word in SATISFACTION_WORDS:
        return None, SATISFACTION_WORDS[word]
    if word in FIXED_NO:
        return False, None
    for yes in FIXED_YES:
        if word.startswith(yes):
            rest = word[len(yes):].strip(" ，,。")
            return True, SATISFACTION_WORDS.get(rest, SATISFACTION_DIGITS.get(rest))
    return None, None


def survey_answer(ctx: Context, m: Incoming) -> bool:
    """Predicate: a survey reply from someone with a closed case awaiting an answer."""
    if m.msg_type not in ("text", "voice") or not m.text:
        return False
    # Judge the words first: most messages are no survey answer, and then no state is read
    # (which keeps plain sorting questions on the webhook's fast path).
    if not any(answer != (None, None) for answer in (_parse(m.text, asking_fixed=True),
                                                    _parse(m.text, asking_fixed=False))):
        return False
    case = _awaiting(ctx, m.openid)
    if case is None:
        return False
    fixed, score = _parse(m.text, asking_fixed=case.fixed is None)
    return fixed is not None or score is not None


def survey(ctx: Context, m: Incoming) -> str:
    case = _awaiting(ctx, m.openid)
    assert case is not None
    fixed, score = _parse(m.text, asking_fixed=case.fixed is None)
    if case.fixed is not None and fixed is not None:
        fixed = None  # already answered; take only the score
    try:
        record_survey(ctx.session, ctx.config, case, ctx.now, fixed=fixed, satisfaction=score)
    except CaseTransitionError as exc:
        return exc.message_zh
    ctx.wake.add("outbox")
    if fixed is False:
        return (f"抱歉问题还没解决。投诉{case.number}已重新派给"
                f"{case.unit.name if case.unit else '责任单位'}返工，整改后会再通知您。")
    if case.fixed is None:  # a score came first: still ask whether it was fixed
        return "感谢您的评价！" + SURVEY_QUESTION
    if case.satisfaction is None:
        return "感谢反馈！" + ASK_SATISFACTION
    return f"感谢您的评价！投诉{case.number}已完成回访。"
