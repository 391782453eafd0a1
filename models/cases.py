"""Complaint cases (纠错投诉), their photos, history and extension requests."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime

# Status names as the office uses them.
PENDING = "待受理"
DISPATCHED = "已派单"
IN_PROGRESS = "处置中"
RECTIFIED = "已整改待核查"
CLOSED = "已办结"
RETURNED = "退回"
EXTENDED = "延期"
DUPLICATE = "重复"
REJECTED = "不予受理"
OPEN_STATUSES = (PENDING, DISPATCHED, IN_PROGRESS, RECTIFIED, RETURNED, EXTENDED)
ALL_STATUSES = OPEN_STATUSES + (CLOSED, DUPLICATE, REJECTED)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    problem_type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="wechat")  # wechat | open311 | web
    reporter_openid: Mapped[str | None] = mapped_column(String(64), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    route_reason: Mapped[str] = mapped_column(String(16), default="")
    # What arrived (GCJ-02 from WeChat) and what we use (WGS-84).
    raw_lat: Mapped[float | None] = mapped_column(Float)
    raw_lng: Mapped[float | None] = mapped_column(Float)
    raw_crs: Mapped[str | None] = mapped_column(String(8))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    fixed: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    # When the reminder scan next has to look at this case (None: its clock is not running),
    # and the last reminder stage reached: none | yellow | red | parent | office.
    # Kept by reminders/schedule.py; the scan picks cases by (status, next_reminder_at).
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_stage: Mapped[str] = mapped_column(String(8), default="none")

    unit = relationship("Unit")
    photos = relationship("CasePhoto", back_populates="case", order_by="CasePhoto.id")
    events = relationship("CaseEvent", back_populates="case", order_by="CaseEvent.id")

    __table_args__ = (Index("ix_cases_open_deadline", "status", "deadline_at"),
                      Index("ix_cases_reminder_due", "status", "next_reminder_at"))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CasePhoto(Base):
    """A photo by media id; downloaded after the reply, retried until stored or given up."""

    __tablename__ = "case_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="report")  # report | rectify
    media_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|stored|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(String(300))
    thumb_path: Mapped[str | None] = mapped_column(String(300))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case = relationship("Case", back_populates="photos")


class CaseEvent(Base):
    """Every transition and message on a case: who, when, what, and a note."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_kind: Mapped[str] = mapped_column(String(16))  # resident|cadre|office|system
    actor: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    case = relationship("Case", back_populates="events")


class ExtensionRequest(Base):
    __tablename__ = "extension_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadres.id"))
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|refused
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
