"""Rectification plans (整改方案) and their tasks (整改任务)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime


class Plan(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    source_name: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    tasks = relationship("Task", back_populates="plan", order_by="Task.id")


class Task(Base):
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text, default="")
    deadline_text: Mapped[str] = mapped_column(Text, default="")
    due_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates
    recurrence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ongoing: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    unresolved_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str | None] = mapped_column(Text)

    plan = relationship("Plan", back_populates="tasks")
    links = relationship("TaskUnit", back_populates="task")

    __table_args__ = (UniqueConstraint("plan_id", "number"),)


class TaskUnit(Base):
    __tablename__ = "task_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # lead | responsible

    task = relationship("Task", back_populates="links")
    unit = relationship("Unit")


class TaskReport(Base):
    """A unit's report on a task occurrence (done once, or one period of a recurring duty)."""

    __tablename__ = "task_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str] = mapped_column(String(16), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_by: Mapped[str] = mapped_column(String(64), default="")


class RankingEntry(Base):
    """A unit's place in one month's ranking (kept for history and two-month escalation)."""

    __tablename__ = "rankings"
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    rank: Mapped[int] = mapped_column(Integer)
    volume: Mapped[int] = mapped_column(Integer)
    on_time_rate: Mapped[float | None]
    rework_rate: Mapped[float | None]
    bottom: Mapped[bool] = mapped_column(Boolean, default=False)

    unit = relationship("Unit")
    __table_args__ = (UniqueConstraint("month", "unit_id"),)
