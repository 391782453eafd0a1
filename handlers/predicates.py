"""Small predicates the routing table is written in."""
from __future__ import annotations

import re

from handlers import conversation
from handlers.types import Incoming, Predicate


def msg_type(*types: str) -> Predicate:
    return lambda ctx, m: m.msg_type in types


def event(*names: str) -> Predicate:
    return lambda ctx, m: m.msg_type == "event" and m.event in names


def click(*keys: str) -> Predicate:
    return lambda ctx, m: m.msg_type == "event" and m.event == "click" and m.event_key in keys


def click_prefix(prefix: str) -> Predicate:
    return lambda ctx, m: (m.msg_type == "event" and m.event == "click"
                           and m.event_key.startswith(prefix))


def _textual(m: Incoming) -> bool:
    return m.msg_type in ("text", "voice")


def text_is(*words: str) -> Predicate:
    """The whole message (ignoring spaces and end punctuation) is one of the words."""
    wanted = {w.lower() for w in words}
    return lambda ctx, m: _textual(m) and normalize_command(m.text) in wanted


def text_matches(pattern: str) -> Predicate:
    """The message matches a regular expression from its start."""
    rx = re.compile(pattern, re.IGNORECASE)
    return lambda ctx, m: _textual(m) and rx.match(normalize_command(m.text)) is not None


def textual() -> Predicate:
    return lambda ctx, m: _textual(m) and bool(m.text)


def in_flow(flow: str) -> Predicate:
    return lambda ctx, m: conversation.in_flow(ctx, m.openid, flow)


def normalize_command(text: str) -> str:
    """Trim spaces, full-width spaces and trailing punctuation (voice text ends with 。)."""
    return text.replace("\u3000", " ").strip().rstrip("。.!！?？~～").strip().lower()
