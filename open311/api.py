"""The GeoReport v2 endpoints under /open311/v2, as .json or .xml.

Reading services and requests is public by default (OPEN311_READ_NEEDS_KEY=1 asks for a key);
filing a request always needs a write key.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NoReturn

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from runtime import from_app, Runtime
from config import TZ
from dashboard.photos import stored_bytes
from models import ApiKey, Case, CasePhoto
from services.intake import Intake, create_case
from models.case_settings import load_complaint_settings
from models.cases import OPEN_STATUSES
from open311.fields import SPEC_URL, as_request, service_list
from open311.keys import find_key
from open311.xml import to_xml

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
MIN_YEAR, MAX_YEAR = 2000, 2999


class ApiError(HTTPException):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code


def fail(code: int, description: str) -> NoReturn:
    raise ApiError(code, description)


FORMATS = ("json", "xml")


def reply(value: Any, root: str, status: int = 200) -> ResponseReturnValue:
    """JSON, or XML under `root` when the path ends in .xml."""
    if request.path.endswith(".xml"):
        return Response(to_xml(root, value), status, mimetype="text/xml")
    return jsonify(value), status


def _format(fmt: str) -> None:
    if fmt not in FORMATS:
        abort(404)


@bp.errorhandler(HTTPException)
def as_error_list(exc: HTTPException) -> ResponseReturnValue:
    """Errors as the standard's list of {code, description}."""
    code = exc.code or 500
    return reply([{"code": code, "description": exc.description or exc.name}], "errors", code)


def _rt() -> Runtime:
    return from_app(current_app)


def _reader(session: Session) -> None:
    """Reads are public unless OPEN311_READ_NEEDS_KEY is set."""
    if _rt().config.OPEN311_READ_NEEDS_KEY:
        _key(session)


def _key(session: Session, write: bool = False) -> ApiKey:
    given = request.values.get("api_key", "") or request.headers.get("X-Api-Key", "")
    key = find_key(session, given)
    if key is None:
        fail(401, "a valid api_key is required")
    if write and not key.can_write:
        fail(403, "this api_key may only read")
    return key


def _absolute(endpoint: str, **values: object) -> str:
    """PUBLIC_BASE_URL + the path; never the request's Host header (a client can set it)."""
    return _rt().config.PUBLIC_BASE_URL.rstrip("/") + url_for(endpoint, **values)


def _photo_url(case: Case) -> str | None:
    photo = next((p for p in case.photos if p.status == "stored" and p.kind == "report"), None)
    return _absolute("open311.media", photo_id=photo.id) if photo else None


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> ResponseReturnValue:
    _format(fmt)
    base = _absolute("open311.services", fmt="json").rsplit("/", 1)[0] + "/"
    return reply({"changeset": "2026-11-01T00:00:00+08:00", "contact": "区生活垃圾分类办公室",
                  "key_service": "请向区分类办申请 API key（提交投诉需要）",
                  "endpoints": [{"specification": SPEC_URL, "url": base,
                                 "changeset": "2026-11-01T00:00:00+08:00",
                                 "type": "production",
                                 "formats": ["application/json", "text/xml"]}]}, "discovery")


@bp.get("/services.<fmt>")
def services(fmt: str) -> ResponseReturnValue:
    _format(fmt)
    with _rt().sessions.begin() as s:
        _reader(s)
    return reply(service_list(load_complaint_settings(_rt().config)), "services")


def _when(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        fail(400, f"{name} must be a W3C datetime, e.g. 2026-11-23T10:00:00+08:00")
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        # 0001-01-01 or 9999-12-31 overflow when converted to UTC for the query.
        fail(400, f"{name} must lie between {MIN_YEAR} and {MAX_YEAR}")
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


def _search(s: Session) -> list[Case]:
    query = select(Case).order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_RESULTS)
    ids = [i.strip() for i in request.args.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        return list(s.scalars(query.where(Case.number.in_(ids[:MAX_RESULTS]))))
    start, end = _when("start_date"), _when("end_date")
    if start is None and end is None:
        start = _rt().clock() - DEFAULT_WINDOW
    if start is not None:
        query = query.where(Case.created_at >= start)
    if end is not None:
        query = query.where(Case.created_at <= end)
    codes = [c.strip() for c in request.args.get("service_code", "").split(",") if c.strip()]
    if codes:
        query = query.where(Case.problem_type.in_(codes))
    statuses = {x.strip() for x in request.args.get("status", "").split(",") if x.strip()}
    if statuses - {"open", "closed"}:
        fail(400, "status must be open or closed")
    if statuses == {"open"}:
        query = query.where(Case.status.in_(OPEN_STATUSES))
    elif statuses == {"closed"}:
        query = query.where(Case.status.not_in(OPEN_STATUSES))
    return list(s.scalars(query))


@bp.get("/requests.<fmt>")
def list_requests(fmt: str) -> ResponseReturnValue:
    _format(fmt)
    with _rt().sessions.begin() as s:
        _reader(s)
        return reply([as_request(c, _photo_url(c)) for c in _search(s)], "service_requests")


@bp.get("/requests/<number>.<fmt>")
def one_request(number: str, fmt: str) -> ResponseReturnValue:
    _format(fmt)
    with _rt().sessions.begin() as s:
        _reader(s)
        case = s.scalar(select(Case).where(Case.number == number))
        if case is None:
            fail(404, f"no service request {number}")
        return reply([as_request(case, _photo_url(case))], "service_requests")


def _coordinate(name: str, limit: float) -> float | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        fail(400, f"{name} must be a number")
    if not -limit <= value <= limit:
        fail(400, f"{name} is out of range")
    return value


@bp.post("/requests.<fmt>")
def create_request(fmt: str) -> ResponseReturnValue:
    _format(fmt)
    rt = _rt()
    settings = load_complaint_settings(rt.config)
    code = request.form.get("service_code", "").strip()
    lat, lng = _coordinate("lat", 90), _coordinate("long", 180)
    address = request.form.get("address_string", "").strip()[:300]
    with rt.sessions.begin() as s:
        _key(s, write=True)
        if settings.type_named(code) is None:
            fail(400, "service_code is missing or unknown; see services.json")
        if (lat is None) != (lng is None) or (lat is None and not address):
            fail(400, "a location is required: lat and long, or address_string")
        intake = Intake(openid=None, problem_type=code, lat=lat, lng=lng, crs="wgs84",
                        address=address, source="open311",
                        description=request.form.get("description", "").strip()[:1000])
        submitted = create_case(s, rt.config, intake, rt.clock())
        number = submitted.case.number
        notice = f"已受理，编号{number}"
    rt.kick({"outbox"})
    return reply([{"service_request_id": number, "service_notice": notice,
                   "account_id": None}], "service_requests", 201)


@bp.get("/media/<int:photo_id>.jpg")
def media(photo_id: int) -> ResponseReturnValue:
    """A case's report photo (already sanitised: upright, resized, no EXIF)."""
    with _rt().sessions.begin() as s:
        _reader(s)
        photo = s.get(CasePhoto, photo_id)
        if photo is None or photo.status != "stored" or photo.kind != "report":
            abort(404)
        relative = photo.path
    return Response(stored_bytes(_rt().photos, relative), mimetype="image/jpeg")


