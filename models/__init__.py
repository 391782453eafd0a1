"""Typed models and the query functions over them. Imports neither Flask nor wechatpy."""
from models.base import Base, UTCDateTime, make_engine, make_session_factory
from models.calendar import CalendarDay
from models.cases import Case, CaseEvent, CasePhoto, ExtensionRequest
from models.kb import KbItem, KbMiss
from models.messaging import (Conversation, Counter, DevInboxMessage, InboundMessage,
                              OutboxMessage, SeenNonce, SharedCount)
from models.people import ApiKey, Cadre, Invitation, Resident, User
from models.tasks import Plan, RankingEntry, Task, TaskReport, TaskUnit
from models.units import Unit

__all__ = [
    "ApiKey", "Base", "Cadre", "CalendarDay", "Case", "CaseEvent", "CasePhoto", "Conversation", "Counter",
    "DevInboxMessage", "ExtensionRequest", "InboundMessage", "Invitation", "KbItem", "KbMiss",
    "OutboxMessage", "Plan", "RankingEntry", "Resident", "SeenNonce", "SharedCount", "Task",
    "TaskReport", "TaskUnit",
    "Unit", "User", "UTCDateTime", "make_engine", "make_session_factory",
]
