"""Responsible units: 区 → 街道 → 社区 / 物业 / 部门, with their service areas."""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base

UNIT_KINDS = ("district", "office", "street", "community", "property", "department")


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    address_keywords: Mapped[str] = mapped_column(Text, default="")  # "|"-separated
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # GeoJSON, WGS-84
    wecom_robot_key: Mapped[str | None] = mapped_column(String(100))
    is_triage: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent = relationship("Unit", remote_side=[id])
    cadres = relationship("Cadre", back_populates="unit")

    @property
    def keywords(self) -> tuple[str, ...]:
        return tuple(k for k in self.address_keywords.split("|") if k)
