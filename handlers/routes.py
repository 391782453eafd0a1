"""The one routing table: message types, events, menu keys and commands → handlers.

Order matters: the first route whose predicate holds handles the message. Global commands
come first, then an active conversation, then commands that start something, then the
catch-alls. Capabilities plug in here without touching the webhook.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from handlers import basic, cadre, complaint, my_cases, quiz, sorting
from handlers.predicates import (click, click_prefix, event, in_flow, msg_type, text_is,
                                 text_matches, textual)
from handlers.types import Handler, Incoming, Predicate


@dataclass(frozen=True)
class Route:
    name: str
    when: Predicate
    do: Handler


ROUTES: list[Route] = [
    Route("subscribe", event("subscribe"), basic.welcome),
    Route("unsubscribe", event("unsubscribe"), basic.unsubscribe),
    Route("help", text_is("帮助", "help", "?", "？", "菜单", "功能", "你能做什么"), basic.show_help),
    Route("cancel", text_is("取消", "退出", "算了", "cancel"), basic.cancel),
    Route("view", event("view", "templatesendjobfinish", "location", "scan"), basic.nothing),
    Route("quiz-answer", in_flow(quiz.FLOW), quiz.answer),
    Route("complaint-step", in_flow(complaint.FLOW), complaint.step),
    Route("cadre-rectify", in_flow(cadre.FLOW), cadre.rectify_step),
    Route("cadre-bind", text_matches(r"绑定\s*[a-z0-9]{4,16}$"), cadre.bind),
    Route("cadre-unbind", text_is("解绑", "解除绑定"), cadre.unbind),
    Route("cadre-todo", text_is("待办", "我的待办", "待办事项"), cadre.todo),
    Route("cadre-command", text_matches(r"(接单|办结|退回|延期|完成)\s*\S"), cadre.command),
    Route("quiz-start", text_is("答题", "知识问答", "问答", "小测验", "测验"), quiz.start),
    Route("guide-menu", click_prefix("GUIDE_"), sorting.guide),
    Route("complaint-menu", click("COMPLAINT"), complaint.start),
    Route("complaint-start", text_is(*complaint.START_WORDS), complaint.start),
    Route("complaint-resubmit", text_is("提交", "提交投诉"), complaint.submit_outside_flow),
    Route("my-cases", text_is("我的投诉", "投诉进度", "我的举报", "查询投诉"), my_cases.list_cases),
    Route("case-lookup", text_matches(r"jc\d{12}$"), my_cases.lookup),
    Route("case-survey", my_cases.survey_answer, my_cases.survey),
    Route("complaint-photo", complaint.photo_outside_flow, complaint.offer),
    Route("sorting", textual(), sorting.answer),
    Route("empty-text", msg_type("text", "voice"), basic.show_help),
    Route("unsupported", msg_type("video", "shortvideo", "link", "file", "image", "location"),
          basic.unsupported),
]

# Said once when a user's conversation of this flow timed out before their next message.
EXPIRED_NOTICE: dict[str, str] = {
    quiz.FLOW: quiz.EXPIRED,
    complaint.FLOW: complaint.EXPIRED,
    cadre.FLOW: cadre.EXPIRED,
}


class _NeedsState(Exception):
    """A predicate asked the context for something: it depends on stored state."""


class _MessageOnly:
    """A stand-in context for `plain_question`: no conversation, and nothing else to read."""

    def __init__(self, openid: str) -> None:
        # conversation.current() answers from this cache without a session: no conversation.
        self.cache = {("conv", openid): None}

    def __getattr__(self, name: str) -> object:
        raise _NeedsState(name)


def plain_question(m: Incoming) -> bool:
    """True when `m` reaches the sorting route for a user with no conversation open, judged
    from the message alone (the caller checks that no conversation row exists).

    A route before "sorting" whose predicate needs stored state (a survey awaiting an answer)
    makes the message not plain: it is handled on the full path.
    """
    if m.msg_type not in ("text", "voice") or not m.text:
        return False
    if len(m.content) > MAX_REMEMBERED:
        return _judge(m.msg_type, m.content)
    return _remembered(m.msg_type, m.content)


MAX_REMEMBERED = 200  # longer texts are judged afresh (the cache stays a few MB at most)


def _judge(msg_type: str, content: str) -> bool:
    """`plain_question` for a text or voice message. Its predicates read only the words (a
    state read raises _NeedsState), so the verdict depends on (type, words) alone."""
    m = Incoming(msg_type=msg_type, openid="", content=content)
    ctx: Any = _MessageOnly(m.openid)
    for route in ROUTES:
        if route.name == "sorting":
            return True
        try:
            if route.when(ctx, m):
                return False
        except _NeedsState:
            return False
    return False


_remembered = lru_cache(maxsize=4096)(_judge)
