"""The complaint conversation (纠错投诉): photos, place, problem type, description, submit."""
from __future__ import annotations

import math
from typing import Any

from sqlalchemy import delete, select

from handlers import conversation
from handlers.predicates import normalize_command
from handlers.types import Context, Incoming
from services.intake import MAX_PHOTOS, Intake, cases_today, create_case, daily_limit_reached
from services.cases import local_text
from models.cases import Case
from models.case_settings import ComplaintSettings, load_complaint_settings
from models.messaging import Conversation

FLOW = "complaint"
START_WORDS = ("纠错", "投诉", "举报", "随手拍", "纠错投诉", "我要投诉", "我要举报", "我要纠错")
SUBMIT_WORDS = ("提交", "确认", "确定", "提交投诉")
# {minutes}: CONVERSATION_IDLE_MIN, filled in by handlers/dispatch.py.
EXPIRED = "上次的投诉填写超过{minutes}分钟未操作，已自动取消。如需反映问题，请重新发送“纠错”。"
DESC_PREFIXES = ("描述", "说明", "补充", "备注")
ADDRESS_PREFIXES = ("地址", "位置", "地点")
CANCEL_HINT = "发“取消”可随时退出。"
BAD_LOCATION = "未能识别该位置（坐标无效），请重新发送位置，或直接输入地址。已填写的内容都保留着。"


def valid_location(lat: float | None, lng: float | None) -> bool:
    """A real place: finite, latitude within ±90 and longitude within ±180 degrees."""
    return (lat is not None and lng is not None and math.isfinite(lat) and math.isfinite(lng)
            and -90 <= lat <= 90 and -180 <= lng <= 180)


def _settings(ctx: Context) -> ComplaintSettings:
    return load_complaint_settings(ctx.config)


def _limit_message(ctx: Context, openid: str) -> str | None:
    if not daily_limit_reached(ctx.session, ctx.config, openid, ctx.now):
        return None
    return (f"您今天已提交{cases_today(ctx.session, openid, ctx.now)}条投诉，"
            f"达到每日上限（{ctx.config.COMPLAINT_DAILY_LIMIT}条），请明天再提交。"
            "已提交的投诉可发“我的投诉”查看进度。")


def _intro(settings: ComplaintSettings) -> str:
    return ("请提供以下信息（顺序不限）：\n"
            f"① 现场照片（可发多张，最多{MAX_PHOTOS}张）\n"
            "② 位置：点“+”发送位置，或直接输入地址\n"
            "③ 问题类型，回复编号：\n" + settings.menu() + "\n"
            "④ 补充描述（可选）：以“描述”开头发送\n"
            "齐全后回复“提交”。" + CANCEL_HINT)


def start(ctx: Context, m: Incoming) -> str:
    """Begin a complaint from the menu or a keyword."""
    limited = _limit_message(ctx, m.openid)
    if limited:
        return limited
    conversation.start(ctx, m.openid, FLOW, {"photos": []})
    return "感谢您参与垃圾分类监督！\n" + _intro(_settings(ctx))


def offer(ctx: Context, m: Incoming) -> str:
    """A photo outside any conversation: keep it and ask whether it is a report."""
    limited = _limit_message(ctx, m.openid)
    if limited:
        return "收到图片。" + limited
    conversation.start(ctx, m.openid, FLOW, {"photos": [m.media_id] if m.media_id else []})
    return ("收到照片。是要反映垃圾分类问题（纠错投诉）吗？\n如是，请继续发送位置并选择问题类型；"
            "不是请回复“取消”。\n\n" + _intro(_settings(ctx)))


def missing(state: dict[str, Any]) -> list[str]:
    out = []
    if not state.get("photos"):
        out.append("现场照片")
    if state.get("lat") is None and not state.get("address"):
        out.append("位置（发送位置或输入地址）")
    if not state.get("type"):
        out.append("问题类型（回复编号）")
    return out


def _progress(state: dict[str, Any], settings: ComplaintSettings) -> str:
    lacking = missing(state)
    if not lacking:
        return "信息已齐全，回复“提交”即可提交；可继续补充照片或描述。" + CANCEL_HINT
    text = "还需要：" + "、".join(lacking) + "。"
    if "问题类型（回复编号）" in lacking:
        text += "\n" + settings.menu()
    if len(lacking) == 1 and not state.get("type") and state.get("photos"):
        text += f"\n也可直接回复“提交”（类型记为“{settings.default_type}”）。"
    return text + ("\n" if "\n" in text else "") + CANCEL_HINT


def step(ctx: Context, m: Incoming) -> str:
    """Any message while the complaint conversation is open."""
    conv = conversation.current(ctx, m.openid)
    assert conv is not None and conv.flow == FLOW
    state = dict(conv.state)
    settings = _settings(ctx)
    if m.msg_type == "image":
        photos = list(state.get("photos") or [])
        if len(photos) >= MAX_PHOTOS:
            return f"最多{MAX_PHOTOS}张照片，这张未收录。" + _progress(state, settings)
        if m.media_id and m.media_id not in photos:
            photos.append(m.media_id)
        state["photos"] = photos
        ack = f"已收到第{len(photos)}张照片。"
    elif m.msg_type == "location":
        if not valid_location(m.lat, m.lng):
            # Checked here, where it enters: a NaN or lat 999 kept in the state used to make
            # every later 提交 fail. The rest of the report is kept.
            return BAD_LOCATION + _progress(state, settings)
        state.update(lat=m.lat, lng=m.lng, label=m.label[:200])
        ack = f"已收到位置：{m.label or '地图定位'}。"
    elif m.msg_type in ("text", "voice") and m.text:
        command = normalize_command(m.text)
        if command in SUBMIT_WORDS:
            return submit(ctx, m, state, settings)
        ack = _text(state, m.text, settings)
    else:
        return "投诉填写中，请发送照片、位置或文字。" + _progress(state, settings)
    conversation.save(ctx, conv, state)
    return ack + _progress(state, settings)


def _text(state: dict[str, Any], text: str, settings: ComplaintSettings) -> str:
    """A problem type, an address or a description, judged by form and by what is missing."""
    text = text.strip()[:500]
    chosen = settings.choose(normalize_command(text))
    if chosen is not None:
        state["type"] = chosen.name
        return f"问题类型：{chosen.name}。"
    for prefix in ADDRESS_PREFIXES:
        if text.startswith(prefix):
            state["address"] = text[len(prefix):].lstrip(":：， ,")[:300]
            return f"地址：{state['address']}。"
    for prefix in DESC_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):].lstrip(":：， ,")
            break
    else:
        if state.get("lat") is None and not state.get("address"):
            state["address"] = text[:300]
            return f"地址：{state['address']}。"
    state["desc"] = ((state.get("desc") or "") + " " + text).strip()[:1000]
    return "已记下描述。"


def submit(ctx: Context, m: Incoming, state: dict[str, Any],
           settings: ComplaintSettings) -> str:
    lacking = [x for x in missing(state) if not x.startswith("问题类型")]
    if lacking:
        return "还不能提交，缺少：" + "、".join(lacking) + "。" + CANCEL_HINT
    limited = _limit_message(ctx, m.openid)
    if limited:
        conversation.end(ctx, m.openid)
        return limited
    # Claim the conversation row: of two concurrent "提交", only one deletes it.
    conv = conversation.current(ctx, m.openid)
    if conv is not None:
        ctx.session.expunge(conv)
    claimed = ctx.session.execute(delete(Conversation).where(
        Conversation.openid == m.openid, Conversation.flow == FLOW)
        .execution_options(synchronize_session=False)).rowcount
    ctx.cache[("conv", m.openid)] = None
    if claimed != 1:
        return "这条投诉已经提交过了，发“我的投诉”查看进度。"
    address = state.get("address") or state.get("label") or ""
    result = create_case(ctx.session, ctx.config, Intake(
        openid=m.openid, problem_type=state.get("type") or settings.default_type,
        photo_media_ids=tuple(state.get("photos") or ()), lat=state.get("lat"),
        lng=state.get("lng"), address=address, description=state.get("desc") or ""), ctx.now)
    ctx.wake.update({"media", "outbox"})
    case = result.case
    if result.duplicate_of is not None:
        orig = result.duplicate_of
        return (f"提交成功，编号：{case.number}。\n附近已有同类问题正在处理"
                f"（编号{orig.number}，{orig.unit.name if orig.unit else '区分类办'}），"
                "您的反映已合并到该案件，进展会一并通知您。感谢监督！")
    unit = result.unit.name if result.unit else "区分类办"
    pending = " （待分派）" if case.status == "待受理" else ""
    return (f"投诉已提交！编号：{case.number}\n问题类型：{case.problem_type}\n"
            f"责任单位：{unit}{pending}\n办理时限：{local_text(case.deadline_at)}前\n"
            "派单、整改和办结时会通知您，发“我的投诉”或编号可查询进度。感谢监督！")


def submit_outside_flow(ctx: Context, m: Incoming) -> str:
    """提交 with no complaint being filled in: usually a second tap after it was filed."""
    latest = ctx.session.scalar(select(Case.id).where(Case.reporter_openid == m.openid)
                                .limit(1))
    if latest is None:
        return "当前没有填写中的投诉。如需反映垃圾分类问题，请先发送“纠错”。"
    # No number here: the receipt already gave it, and a number reads like a new case.
    return ("您的投诉已经提交过了，无需重复提交。发“我的投诉”可查看进度；"
            "如要反映新的问题，请发送“纠错”。")


def photo_outside_flow(ctx: Context, m: Incoming) -> bool:
    """Predicate: an image while no conversation of any kind is open."""
    return m.msg_type == "image" and conversation.current(ctx, m.openid) is None
