"""Cadres in chat: bind/unbind, 待办, 接单, 办结 (then photos), 退回, 延期, 完成 (tasks)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from config import TZ
from handlers import conversation
from handlers.predicates import normalize_command
from handlers.types import Context, Incoming
from services.cadres import BindError, cadre_for_openid
from services.cadres import bind as bind_cadre
from services.cadres import unbind as unbind_cadre
from services.cases import (Actor, CaseTransitionError, accept_case, local_text,
                                 mark_rectified, request_extension, return_case)
from models.cases import OPEN_STATUSES, Case
from models.people import Cadre
from services.tasks import find_task, open_tasks_for_unit, report_task_done

FLOW = "cadre_rectify"
EXPIRED = "办结上报已超时取消，照片未提交。请重新发“办结 编号”。"
REFUSAL = ("该功能仅限已绑定的责任单位工作人员使用。如您是工作人员，请向区分类办索取绑定码，"
           "发送“绑定 绑定码”完成绑定。")
MAX_PHOTOS = 9
DONE_WORDS = ("提交", "好了", "完成", "发完了", "上报")
COMMAND = re.compile(r"^(接单|办结|退回|延期|完成)\s*(\S.*)?$", re.S)


def _cadre(ctx: Context, m: Incoming) -> Cadre | None:
    return cadre_for_openid(ctx.session, m.openid)


def _case_for(ctx: Context, cadre: Cadre, number: str) -> Case | str:
    case = ctx.session.scalar(select(Case).where(func.upper(Case.number) == number.upper()))
    if case is None or case.unit_id != cadre.unit_id:
        return f"未找到本单位的案件{number}，发“待办”查看本单位案件。"
    return case


def bind(ctx: Context, m: Incoming) -> str:
    code = normalize_command(m.text).removeprefix("绑定").strip()
    try:
        cadre = bind_cadre(ctx.session, openid=m.openid, code=code, now=ctx.now)
    except BindError as exc:
        return str(exc)
    role = "负责人" if cadre.role == "leader" else "工作人员"
    return (f"绑定成功：{cadre.unit.name} {cadre.name}（{role}）。今后案件和任务提醒将发到这里。"
            "发“待办”查看本单位待办。")


def unbind(ctx: Context, m: Incoming) -> str:
    cadre = unbind_cadre(ctx.session, m.openid)
    if cadre is None:
        return "您当前没有绑定责任单位。"
    return f"已解除与{cadre.unit.name} {cadre.name}的绑定，不再接收提醒。"


def todo(ctx: Context, m: Incoming) -> str:
    """待办: the unit's open cases and tasks."""
    cadre = _cadre(ctx, m)
    if cadre is None:
        return REFUSAL
    cases = list(ctx.session.scalars(select(Case).where(
        Case.unit_id == cadre.unit_id, Case.status.in_(OPEN_STATUSES))
        .order_by(Case.deadline_at.is_(None), Case.deadline_at, Case.id).limit(20)))
    tasks = open_tasks_for_unit(ctx.session, cadre.unit_id)[:20]
    lines = [f"{cadre.unit.name} 待办："]
    for c in cases:
        late = "（已超期）" if c.deadline_at and c.deadline_at <= ctx.now else ""
        lines.append(f"{c.number} {c.problem_type} {c.status} 时限{local_text(c.deadline_at)}{late}")
    for t in tasks:
        due = "、".join(t.due_dates) or ("长期坚持" if t.ongoing else t.deadline_text)
        lines.append(f"T{t.id} {t.title[:24]} 时限：{due}")
    if len(lines) == 1:
        return f"{cadre.unit.name}暂无待办案件和任务。"
    lines.append("回复“接单 编号”“办结 编号”“退回 编号 原因”“延期 编号 天数 原因”"
                 "“完成 T编号 说明”办理。")
    return "\n".join(lines)


def command(ctx: Context, m: Incoming) -> str:
    """接单 / 办结 / 退回 / 延期 / 完成, each for the cadre's own unit only."""
    match = COMMAND.match(m.text.replace("\u3000", " ").strip().rstrip("。"))
    cadre = _cadre(ctx, m)
    if cadre is None or match is None:
        return REFUSAL
    verb, rest = match.group(1), (match.group(2) or "").strip()
    parts = rest.split(None, 2)
    if not parts:
        return f"请在“{verb}”后写编号，例如“{verb} JC202611230001”。"
    if verb == "完成":
        return _task_done(ctx, cadre, parts[0], rest[len(parts[0]):].strip())
    found = _case_for(ctx, cadre, parts[0])
    if isinstance(found, str):
        return found
    case, actor = found, Actor.of_cadre(cadre)
    try:
        if verb == "接单":
            accept_case(ctx.session, ctx.config, case, actor, ctx.now)
            return f"已接单：{case.number}，请于{local_text(case.deadline_at)}前整改。"
        if verb == "办结":
            conversation.start(ctx, m.openid, FLOW, {"case": case.number, "media": []})
            return f"请发送案件{case.number}的整改后照片（可多张），发完后回复“提交”。"
        if verb == "退回":
            reason = rest[len(parts[0]):].strip()
            if not reason:
                return "请写明退回原因，例如“退回 编号 不属于本单位辖区”。"
            return_case(ctx.session, ctx.config, case, actor, ctx.now, reason)
            ctx.wake.add("outbox")
            return f"已退回案件{case.number}，区分类办将重新分派。"
        if len(parts) < 3 or not parts[1].isdigit():
            return "格式：延期 编号 天数 原因，例如“延期 JC202611230001 3 需要协调物业”。"
        request_extension(ctx.session, ctx.config, case, actor, ctx.now, int(parts[1]),
                          parts[2], cadre=cadre)
        return f"已提交延期{parts[1]}个工作日的申请，等待区分类办审批。"
    except CaseTransitionError as exc:
        return exc.message_zh


def _task_done(ctx: Context, cadre: Cadre, ref: str, note: str) -> str:
    task = find_task(ctx.session, ref)
    if task is None or cadre.unit_id not in {link.unit_id for link in task.links}:
        return f"未找到本单位的任务{ref}，发“待办”查看。"
    if not note:
        return f"请写明完成情况，例如“完成 T{task.id} 已召开专题会议”。"
    report = report_task_done(ctx.session, task, cadre, note, ctx.now,
                              ctx.now.astimezone(TZ).date())
    return f"已记录任务T{task.id}（{report.period}）的完成情况，感谢！"


def rectify_step(ctx: Context, m: Incoming) -> str | None:
    """Inside 办结: collect photos, then 提交 files the rectification."""
    conv = conversation.current(ctx, m.openid)
    cadre = _cadre(ctx, m)
    if conv is None or cadre is None:
        return REFUSAL
    state = dict(conv.state)
    media: list[str] = list(state.get("media", []))
    if m.msg_type == "image" and m.media_id:
        if len(media) >= MAX_PHOTOS:
            return f"最多{MAX_PHOTOS}张照片，请回复“提交”。"
        media.append(m.media_id)
        conversation.save(ctx, conv, {**state, "media": media})
        return f"已收到第{len(media)}张照片。可继续发送，发完后回复“提交”。"
    if normalize_command(m.text) not in DONE_WORDS:
        return "请发送整改后照片，发完后回复“提交”；发“取消”放弃。"
    if not media:
        return "请至少发送一张整改后照片，再回复“提交”。"
    found = _case_for(ctx, cadre, str(state.get("case", "")))
    conversation.end(ctx, m.openid)
    if isinstance(found, str):
        return found
    try:
        mark_rectified(ctx.session, ctx.config, found, Actor.of_cadre(cadre), ctx.now,
                       photo_media_ids=tuple(media))
    except CaseTransitionError as exc:
        return exc.message_zh
    ctx.wake.update({"media", "outbox"})
    return f"案件{found.number}已上报整改（{len(media)}张照片），等待核查。"
