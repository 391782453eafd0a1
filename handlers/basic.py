"""Welcome, help, cancel and the polite answers for things we do not handle."""
from __future__ import annotations

from handlers import conversation
from handlers.types import Context, Incoming
from models import Resident

HELP = (
    "您好！我是生活垃圾分类助手，可以：\n"
    "1. 查分类：直接发物品名，如“电池”“奶茶杯怎么扔”，可一次问多样，也可发语音；\n"
    "2. 分类指南：发“有害垃圾有哪些”“厨余垃圾怎么投放”；\n"
    "3. 纠错投诉：发“纠错”或“投诉”，拍照并发送位置，我们派给责任单位限期整改；\n"
    "4. 我的投诉：发“我的投诉”或投诉编号查询进度；\n"
    "5. 知识问答：发“答题”挑战垃圾分类小测验。\n"
    "任何时候发“取消”可退出当前操作，发“帮助”再次查看本说明。"
)
WELCOME = "感谢关注！垃圾分一分，环境美十分。\n\n" + HELP
UNSUPPORTED = "暂时无法处理这类消息。发“帮助”查看我能做什么。"


def welcome(ctx: Context, m: Incoming) -> str:
    resident = ctx.session.get(Resident, m.openid)
    if resident is not None:
        resident.subscribed = True
    return WELCOME


def unsubscribe(ctx: Context, m: Incoming) -> None:
    resident = ctx.session.get(Resident, m.openid)
    if resident is not None:
        resident.subscribed = False
    conversation.end(ctx, m.openid)
    return None


def show_help(ctx: Context, m: Incoming) -> str:
    return HELP


def cancel(ctx: Context, m: Incoming) -> str:
    flow = conversation.end(ctx, m.openid)
    if flow is None:
        return "当前没有进行中的操作。发“帮助”查看我能做什么。"
    return "已取消。发“帮助”查看我能做什么。"


def unsupported(ctx: Context, m: Incoming) -> str:
    return UNSUPPORTED


def nothing(ctx: Context, m: Incoming) -> None:
    """Events that need no answer (menu VIEW links, template delivery reports ...)."""
    return None
