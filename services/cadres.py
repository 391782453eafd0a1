"""Cadres: import from CSV/XLSX (upsert), one-time invitation codes, binding WeChat accounts."""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.org_words import CADRE_COLUMNS, cadre_role
from models.people import Cadre, Invitation
from services.spreadsheets import (ImportReport, RowProblem, SheetImportError, TableFormatError,
                                   read_rows, row_label)
from models.units import Unit

COLUMNS = ("unit_code", "name", "role", "openid", "wecom_userid", "phone")
ROLES = ("member", "leader")
INVITATION_DAYS = 7
# No 0/O/1/I/L: codes are read aloud and typed on phones.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class CadreImportError(SheetImportError):
    """A cadre file that cannot be imported: every bad row with its place and reason."""


class BindError(ValueError):
    """An invitation code that cannot be used; the message is shown to the user."""


def read_cadre_rows(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a .csv or .xlsx cadre file as dicts keyed by column name."""
    try:
        return list(read_rows(path, CADRE_COLUMNS, required=("unit_code", "name")))
    except TableFormatError as exc:
        raise CadreImportError([str(exc)]) from exc


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # phone numbers typed into Excel arrive as floats
    return "" if value is None else str(value).strip()


def import_cadres(session: Session, rows: list[dict[str, Any]], *,
                  dry_run: bool = False) -> ImportReport:
    """Upsert cadres by (unit, name), all or nothing; CadreImportError names every bad row."""
    missing = [c for c in ("unit_code", "name") if rows and c not in rows[0]]
    if missing:
        raise CadreImportError([f"缺少列：{', '.join(missing)}"])
    units = {u.code: u for u in session.scalars(select(Unit))}
    problems: list[RowProblem] = []
    planned: list[tuple[Unit, str, str, Mapping[str, Any]]] = []
    seen: dict[tuple[str, str], str] = {}
    for index, row in enumerate(rows):
        where = row_label(row, index)
        code, name = _text(row.get("unit_code")), _text(row.get("name"))
        given = _text(row.get("role"))
        role = cadre_role(given) if given else "member"
        unit = units.get(code)
        reasons = []
        if unit is None:
            reasons.append(f"单位编码（unit_code）{code!r} 不存在")
        if not name:
            reasons.append("姓名（name）为空")
        elif (code, name) in seen:
            reasons.append(f"{code} {name} 与{seen[code, name]}重复")
        if role is None:
            reasons.append("角色（role）应为 负责人/主要负责人/分管领导（leader）或 "
                           f"成员/联络员（member），实为 {given!r}")
        seen.setdefault((code, name), where)
        problems += [RowProblem(where, r) for r in reasons]
        if unit is not None and name and role is not None and not reasons:
            planned.append((unit, name, role, row))
    if problems:
        raise CadreImportError(problems)
    report = ImportReport("cadres", dry_run=dry_run)
    for unit, name, role, row in planned:
        cadre = session.scalar(select(Cadre).where(Cadre.unit_id == unit.id, Cadre.name == name))
        (report.updated if cadre else report.created).append(f"{unit.code} {name}")
        if dry_run:
            continue
        if cadre is None:
            cadre = Cadre(unit_id=unit.id, name=name)
            session.add(cadre)
        cadre.role, cadre.active = role, True
        cadre.openid = _text(row.get("openid")) or cadre.openid
        cadre.wecom_userid = _text(row.get("wecom_userid")) or None
        cadre.phone = _text(row.get("phone")) or None
        cadre.unit = unit
    session.flush()
    return report


def issue_invitation(session: Session, *, unit_code: str, name: str, now: datetime,
                     role: str = "member", days: int = INVITATION_DAYS) -> Invitation:
    """A fresh one-time binding code for a person of a unit."""
    unit = session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise BindError(f"unknown unit {unit_code!r}")
    if role not in ROLES:
        raise BindError("role must be member or leader")
    code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    invitation = Invitation(code=code, unit_id=unit.id, name=name, role=role, created_at=now,
                            expires_at=now + timedelta(days=days))
    session.add(invitation)
    session.flush()
    return invitation


def bind(session: Session, *, openid: str, code: str, now: datetime) -> Cadre:
    """Use an invitation: the openid becomes that cadre's (created when new)."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.code == code.strip().upper()).with_for_update())
    if invitation is None:
        raise BindError("绑定码无效，请核对后重发，或联系区分类办重新获取。")
    if invitation.used_at is not None:
        raise BindError("该绑定码已使用过，请联系区分类办重新获取。")
    if invitation.expires_at <= now:
        raise BindError("该绑定码已过期，请联系区分类办重新获取。")
    current = cadre_for_openid(session, openid)
    if current is not None:
        raise BindError(f"您已绑定为{current.unit.name}的{current.name}，如需更换请先发“解绑”。")
    cadre = session.scalar(select(Cadre).where(Cadre.unit_id == invitation.unit_id,
                                               Cadre.name == invitation.name))
    if cadre is None:
        cadre = Cadre(unit_id=invitation.unit_id, name=invitation.name)
        session.add(cadre)
    elif cadre.openid and cadre.openid != openid:
        cadre.openid = None  # the old account loses access; the office re-issued the code
        session.flush()
    cadre.role, cadre.openid, cadre.active = invitation.role, openid, True
    invitation.used_at, invitation.used_by = now, openid
    session.flush()
    return cadre


def unbind(session: Session, openid: str) -> Cadre | None:
    """Detach the openid from its cadre; returns the cadre that was bound, if any."""
    cadre = session.scalar(select(Cadre).where(Cadre.openid == openid))
    if cadre is not None:
        cadre.openid = None
        session.flush()
    return cadre


def cadre_for_openid(session: Session, openid: str) -> Cadre | None:
    """The active cadre bound to this WeChat account, if any."""
    if not openid:
        return None
    return session.scalar(select(Cadre).where(Cadre.openid == openid, Cadre.active.is_(True)))


def unit_cadres(session: Session, unit_id: int, role: str | None = None) -> list[Cadre]:
    """Active cadres of a unit (optionally only one role), in a stable order."""
    q = select(Cadre).where(Cadre.unit_id == unit_id, Cadre.active.is_(True))
    if role is not None:
        q = q.where(Cadre.role == role)
    return list(session.scalars(q.order_by(Cadre.id)))
