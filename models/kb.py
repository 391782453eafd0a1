"""The office's edits to the knowledge base and the questions it could not answer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class KbItem(Base):
    """An item added or corrected in the dashboard; overlays the file knowledge base."""

    __tablename__ = "kb_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    category: Mapped[str] = mapped_column(String(16))
    aliases: Mapped[str] = mapped_column(Text, default="")  # "|"-separated
    tip: Mapped[str] = mapped_column(Text, default="")
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class KbMiss(Base):
    """A question the matcher could not answer confidently, with how often it was asked."""

    __tablename__ = "kb_misses"
    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
