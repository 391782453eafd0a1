"""What handlers see: a framework-free incoming message and the context of one delivery."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sqlalchemy.orm import Session

from config import Config
from services.kb_matcher import KbService


@dataclass(frozen=True)
class Incoming:
    msg_type: str  # text | image | voice | location | link | event | ...
    openid: str
    account: str = ""
    create_time: int = 0
    msg_id: str | None = None
    content: str = ""  # text, or the recognised text of a voice message
    media_id: str | None = None
    pic_url: str | None = None
    lat: float | None = None
    lng: float | None = None
    label: str = ""
    event: str = ""  # subscribe | unsubscribe | click | view | ...
    event_key: str = ""
    url: str = ""
    title: str = ""

    @property
    def text(self) -> str:
        return self.content.strip()


@dataclass
class Context:
    """One delivery: the session (one transaction), config, the clock and the matcher."""

    session: Session
    config: Config
    now: datetime  # aware, Asia/Shanghai
    kb: KbService  # the sorting matcher: ctx.kb.matcher(ctx.session)
    # Names of background work to wake after the transaction commits ("outbox", "media").
    wake: set[str] = field(default_factory=set)
    notices: list[str] = field(default_factory=list)
    # openids whose conversation this delivery opened: the webhook tells the Redis fast path
    # before the transaction commits (bot/hotpath.py).
    opened: set[str] = field(default_factory=set)
    cache: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Context, Incoming], "str | None"]
Predicate = Callable[[Context, Incoming], bool]
