"""Cases as GeoReport v2 service requests; never anything that identifies the reporter."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from config import TZ
from models import Case
from models.case_settings import ComplaintSettings
from models.cases import DUPLICATE, OPEN_STATUSES, REJECTED

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"


def w3c(moment: datetime | None) -> str | None:
    """ISO 8601 in Beijing time with its offset, e.g. 2026-11-23T10:00:00+08:00."""
    return moment.astimezone(TZ).replace(microsecond=0).isoformat() if moment else None


def status_of(case: Case) -> str:
    return "open" if case.status in OPEN_STATUSES else "closed"


def status_notes(case: Case) -> str:
    if case.status == REJECTED and case.reject_reason:
        return f"{case.status}：{case.reject_reason}"
    if case.status == DUPLICATE and case.duplicate_of_id:
        return f"{case.status}（已合并到其他案件）"
    return case.status


def service_list(settings: ComplaintSettings) -> list[dict[str, Any]]:
    return [{"service_code": t.name, "service_name": t.name,
             "description": f"{t.name}（办理时限{t.deadline_text}）", "metadata": False,
             "type": "realtime", "keywords": "垃圾分类", "group": "生活垃圾分类"}
            for t in settings.types]


def as_request(case: Case, media_url: str | None) -> dict[str, Any]:
    """The standard's fields only; the reporter's openid is never among them."""
    return {
        "service_request_id": case.number,
        "status": status_of(case),
        "status_notes": status_notes(case),
        "service_name": case.problem_type,
        "service_code": case.problem_type,
        "description": case.description,
        "agency_responsible": case.unit.name if case.unit is not None else "",
        "service_notice": "",
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.deadline_at),  # the deadline, kept after closing
        "address": case.address,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": media_url,
    }
