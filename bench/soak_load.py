"""The soak's district and its people: residents asking, residents complaining, cadres in chat.

Everything reaches the app the way WeChat delivers it (signed XML posted to /wechat), and
cadres learn of new cases from the pushes the fake WeChat API received, as a cadre would on
the phone. Used by bench/soak.py.
"""
from __future__ import annotations

import csv
import math
import random
import re
import threading
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.simulator import WeChatServer, message_xml, new_msg_id
from bot.wxml import dedupe_key, parse_fields
from domain.geo import wgs84_to_gcj02
from tests.support.fake_wechat import FakeWeChat
from tests.support.soak_checks import Outcome

ACCOUNT = "gh_soak"
QUESTIONS = ["电池", "香蕉皮是什么垃圾", "塑料瓶属于什么垃圾", "旧衣服怎么扔", "外卖盒", "过期药品",
             "大骨头", "奶茶杯", "玻璃瓶", "用过的纸巾", "dianchi", "花生壳", "量子纠缠发生器"]
PROBLEM_TYPES = 6  # the numbered list in data/complaints.toml
TEMPLATE = "/cgi-bin/message/template/send"


@dataclass(frozen=True)
class Spot:
    """A place a resident reports from: WeChat's GCJ-02 coordinates and a label."""
    lat: float
    lng: float
    label: str


def district_spots(units_csv: Path, per_unit: int, seed: int = 7) -> list[Spot]:
    """`per_unit` random points inside each unit's service area (communities, properties,
    streets), so that complaints land at many spots and most are not one another's
    duplicates (same type within 100 m while open: services/intake.open_duplicate)."""
    rnd = random.Random(seed)
    spots = []
    with open(units_csv, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if not row["lat"]:
                continue
            lat, lng, radius = float(row["lat"]), float(row["lng"]), float(row["radius_m"])
            label = row["address_keywords"].split("|")[-1]
            for n in range(per_unit):
                d, a = radius * 0.8 * math.sqrt(rnd.random()), rnd.uniform(0, 2 * math.pi)
                p_lat = lat + d * math.cos(a) / 111_320
                p_lng = lng + d * math.sin(a) / (111_320 * math.cos(math.radians(lat)))
                g_lat, g_lng = wgs84_to_gcj02(p_lat, p_lng)
                spots.append(Spot(round(g_lat, 6), round(g_lng, 6), f"{label}{n + 1}号附近"))
    return spots


def left_alone(number: str) -> bool:
    """Every third case is never accepted, so its reminders run through every stage."""
    return zlib.crc32(number.encode()) % 3 == 0


class Load:
    """The callers: deliveries with WeChat's retries, and the record of every answer."""

    def __init__(self, token: str, fake: FakeWeChat, jpeg: bytes, stop: threading.Event,
                 think: float) -> None:
        self.wechat, self.fake, self.jpeg = WeChatServer(token), fake, jpeg
        self.stop, self.think = stop, think
        self.app_url = ""
        self.lock = threading.Lock()
        self.outcomes: dict[str, Outcome] = {}
        self.complaints: dict[str, str] = {}  # reporter openid → case number from the reply
        self.cadre_actions = {"bound": 0, "accepted": 0, "rectified": 0, "refused": 0}
        self._assigned: dict[str, list[str]] = {}  # acting cadre openid → case numbers pushed
        self._calls_seen = 0

    # -- delivering -------------------------------------------------------------------------
    def deliver(self, kind: str, openid: str, msg_type: str, repeat: int = 1,
                **fields: Any) -> str:
        """Deliver until a 200: 503s and broken connections retried with the same delivery,
        up to 8 times, as WeChat does; `repeat` delivers it again after the answer."""
        xml = message_xml(openid, ACCOUNT, msg_type, int(time.time()), new_msg_id(), **fields)
        key = dedupe_key(parse_fields(xml.encode("utf-8")))
        with self.lock:
            outcome = self.outcomes.setdefault(key, Outcome(kind))
        reply = ""
        for _ in range(repeat):
            for attempt in range(8):
                status, body, started, took = self._post(xml)
                with self.lock:
                    outcome.latencies_ms.append((started, took))
                    if status == 200:
                        reply = _reply_text(body)
                        outcome.replies.append((200, reply))
                    else:
                        outcome.errors.append((time.monotonic(), f"{status} {body[:30]}"))
                if status == 200:
                    break
                time.sleep(min(2.0, 0.3 * (attempt + 1)))
        return reply

    def _post(self, xml: str) -> tuple[int, str, float, float]:
        d = self.wechat.deliver(xml)
        url = f"{self.app_url}/wechat?" + "&".join(f"{k}={v}" for k, v in d.params.items())
        started = time.monotonic()
        try:
            req = urllib.request.Request(url, data=d.body, method="POST",
                                         headers={"Content-Type": "text/xml"})
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, body = resp.status, resp.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            status, body = exc.code, ""
        except OSError as exc:
            status, body = 0, type(exc).__name__
        return status, body, started, (time.monotonic() - started) * 1000

    def photo(self, owner: str) -> str:
        media_id = f"soak_{owner}_{new_msg_id()}"
        self.fake.add_media(media_id, self.jpeg, "image/jpeg")
        return media_id

    # -- residents --------------------------------------------------------------------------
    def questions(self, seed: int, residents: int) -> None:
        rnd = random.Random(seed)
        while not self.stop.is_set():
            openid = f"o_soak_res_{rnd.randrange(residents)}"
            repeat = 2 if rnd.random() < 0.05 else 1  # WeChat's retry after a lost answer
            self.deliver("question", openid, "text", repeat=repeat, Content=rnd.choice(QUESTIONS))
            time.sleep(self.think)

    def complaints_loop(self, seed: int, spots: list[Spot]) -> None:
        rnd = random.Random(seed)
        n = 0
        while not self.stop.is_set():
            n += 1
            openid, spot = f"o_soak_rep_{seed}_{n}", rnd.choice(spots)
            self.deliver("complaint", openid, "text", Content="纠错")
            media_id = self.photo(openid)
            self.deliver("complaint", openid, "image", PicUrl=f"http://mmbiz.example/{media_id}",
                         MediaId=media_id)
            self.deliver("complaint", openid, "location", Location_X=spot.lat,
                         Location_Y=spot.lng, Scale=16, Label=spot.label)
            self.deliver("complaint", openid, "text", Content=str(rnd.randint(1, PROBLEM_TYPES)))
            repeat = 2 if rnd.random() < 0.2 else 1  # WeChat's retry of the submit itself
            reply = self.deliver("complaint", openid, "text", repeat=repeat, Content="提交")
            number = re.search(r"JC\d{12}", reply)
            with self.lock:
                self.complaints[openid] = number.group(0) if number else ""
            time.sleep(self.think * 4)

    # -- cadres -----------------------------------------------------------------------------
    def bind(self, openid: str, code: str) -> bool:
        ok = "绑定成功" in self.deliver("cadre", openid, "text", Content=f"绑定 {code}")
        self.cadre_actions["bound"] += ok
        return ok

    def _collect_assigned(self, acting: set[str]) -> None:
        """New-case pushes to acting cadres, read from the fake API's log (append-only)."""
        with self.lock:
            calls = self.fake.calls[self._calls_seen:]
            self._calls_seen += len(calls)
            for c in calls:
                if c.path != TEMPLATE or not isinstance(c.body, dict):
                    continue
                to, data = c.body.get("touser"), c.body.get("data", {})
                if to in acting and "派" in data.get("first", {}).get("value", ""):
                    self._assigned.setdefault(to, []).append(data["keyword1"]["value"])

    def cadres_loop(self, acting: list[str], everyone_acting: set[str], pause: float) -> None:
        """Each acting cadre (one per unit) accepts the cases pushed to them (接单), and a few
        seconds later reports them rectified: 办结, a photo, 提交."""
        accepted: dict[str, tuple[str, float]] = {}
        seen: set[str] = set()
        while not self.stop.wait(1.0):
            self._collect_assigned(everyone_acting)
            for openid in acting:
                with self.lock:
                    numbers = self._assigned.pop(openid, [])
                for number in numbers:
                    if number in seen or left_alone(number) or self.stop.is_set():
                        continue
                    seen.add(number)
                    if "已接单" in self.deliver("cadre", openid, "text", Content=f"接单 {number}"):
                        self.cadre_actions["accepted"] += 1
                        accepted[number] = (openid, time.monotonic())
                    else:
                        self.cadre_actions["refused"] += 1
                    time.sleep(pause)
            for number, (openid, at) in list(accepted.items()):
                if time.monotonic() - at < 5 or self.stop.is_set():
                    continue
                del accepted[number]
                self.deliver("cadre", openid, "text", Content=f"办结 {number}")
                media_id = self.photo(openid)
                self.deliver("cadre", openid, "image", PicUrl=f"http://mmbiz.example/{media_id}",
                             MediaId=media_id)
                if "已上报整改" in self.deliver("cadre", openid, "text", Content="提交"):
                    self.cadre_actions["rectified"] += 1
                else:
                    self.cadre_actions["refused"] += 1
                time.sleep(pause)


def _reply_text(body: str) -> str:
    m = re.search(r"<Content><!\[CDATA\[(.*?)\]\]></Content>", body, re.S)
    return m.group(1) if m else body.strip()


def jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()
