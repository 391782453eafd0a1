"""Shared set-up for the dashboard and Open311 tests: a small district, people, cases."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from runtime import Runtime
from config import ROOT
from models import Cadre, Case, CasePhoto, Resident, User
from services.intake import Intake, create_case
from services.units import import_units, read_unit_rows, unit_by_code

ADMIN = ("office", "office-pass-1")
UNIT_USER = ("beiling", "beiling-pass-1")
REPORTER = "o_resident_1"
XSS = "<script>alert('x')</script>垃圾桶满了"
LINGNAN = (31.243061, 121.462121)  # 岭南社区 (北岭街道), WGS-84
HUBIN = (31.244841, 121.480974)  # 湖滨社区 (东湖街道)


@dataclass
class Seeded:
    own_case: int  # in the unit user's street
    other_case: int  # in another street
    own_number: str
    other_number: str
    own_photo: int
    other_photo: int
    unit_ids: dict[str, int]


def jpeg(colour: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG")
    return buf.getvalue()


def _photo(s: Any, media_dir: Path, case: Case, now: Any) -> int:
    rel = f"{case.number}/report-1.jpg"
    (media_dir / case.number).mkdir(parents=True, exist_ok=True)
    (media_dir / rel).write_bytes(jpeg())
    photo = CasePhoto(case_id=case.id, kind="report", media_id=f"m-{case.number}",
                      status="stored", attempts=1, path=rel, thumb_path=rel, width=64,
                      height=48, created_at=now)
    s.add(photo)
    s.flush()
    return photo.id


def seed(runtime: Runtime) -> Seeded:
    """The demo district, two dashboard users, two cadres, a resident and two cases."""
    now = runtime.clock()
    with runtime.sessions.begin() as s:
        import_units(s, read_unit_rows(ROOT / "data" / "demo" / "units.csv"))
        units = {code: unit_by_code(s, code) for code in
                 ("D01", "D01-S01", "D01-S01-C01", "D01-S02", "D01-S02-C01")}
        ids = {code: u.id for code, u in units.items() if u is not None}
        s.add_all([
            Cadre(unit_id=ids["D01-S01-C01"], name="林社工", role="leader", openid="o_cadre_ln",
                  active=True),
            Cadre(unit_id=ids["D01-S02-C01"], name="胡社工", role="leader", openid="o_cadre_hb",
                  active=True),
            User(name=ADMIN[0], password_hash=generate_password_hash(ADMIN[1]), role="admin",
                 active=True, failed_logins=0),
            User(name=UNIT_USER[0], password_hash=generate_password_hash(UNIT_USER[1]),
                 role="unit", unit_id=ids["D01-S01"], active=True, failed_logins=0),
            Resident(openid=REPORTER, subscribed=True, first_seen_at=now, last_message_at=now),
        ])
        s.flush()
        own = create_case(s, runtime.config, Intake(
            openid=REPORTER, problem_type="混投错投", lat=LINGNAN[0], lng=LINGNAN[1],
            crs="wgs84", address="岭南路12号", description=XSS), now).case
        other = create_case(s, runtime.config, Intake(
            openid=REPORTER, problem_type="垃圾满溢/外溢", lat=HUBIN[0], lng=HUBIN[1],
            crs="wgs84", address="湖滨路66号", description="湖滨路垃圾满溢"), now).case
        media = runtime.config.media_dir
        return Seeded(own.id, other.id, own.number, other.number, _photo(s, media, own, now),
                      _photo(s, media, other, now), ids)


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: Any, name: str, password: str) -> Any:
    page = client.get("/dashboard/login")
    return client.post("/dashboard/login", data={
        "name": name, "password": password, "csrf_token": csrf_token(page.get_data(True))})


def post_form(client: Any, page_url: str, url: str, data: dict[str, str]) -> Any:
    """Post a form the way the browser would: with the token from the page it sits on."""
    token = csrf_token(client.get(page_url).get_data(True))
    return client.post(url, data={**data, "csrf_token": token})


def case_row(runtime: Runtime, case_id: int) -> Case:
    with runtime.sessions.begin() as s:
        case = s.get(Case, case_id)
        assert case is not None
        _ = case.unit, list(case.events)
        return case


def user_row(runtime: Runtime, name: str) -> User:
    with runtime.sessions.begin() as s:
        found = s.scalar(select(User).where(User.name == name))
        assert found is not None
        return found
