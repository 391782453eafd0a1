"""A fake WeChat / WeCom API server on loopback: real paths, real JSON, recorded calls.

Errors and delays can be injected per path to test retries, timeouts and fallbacks.
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Call:
    path: str
    args: dict[str, str]
    body: Any


@dataclass
class Fault:
    errcode: int = 0
    http_status: int = 200
    delay: float = 0.0
    times: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


class FakeWeChat:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.tokens: set[str] = set()
        self.token_fetches = 0
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- control ---------------------------------------------------------------
    def start(self) -> "FakeWeChat":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def fail(self, path: str, errcode: int = 0, *, http_status: int = 200, delay: float = 0.0,
             times: int = 1, **extra: Any) -> None:
        """The next `times` calls to `path` answer with this error/delay."""
        self.faults.setdefault(path, []).append(
            Fault(errcode, http_status, delay, times, dict(extra)))

    def add_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        self.media[media_id] = (data, content_type)

    def sent(self, path: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path]

    def messages_to(self, openid: str) -> list[str]:
        """Texts of customer-service and template messages sent to an openid, in order."""
        out = []
        for c in list(self.calls):
            if c.path == "/cgi-bin/message/custom/send" and c.body.get("touser") == openid:
                out.append(c.body["text"]["content"])
            elif c.path == "/cgi-bin/message/template/send" and c.body.get("touser") == openid:
                out.append(" ".join(v["value"] for v in c.body["data"].values()))
        return out

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.faults.clear()

    # -- server ----------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self._respond(request)(environ, start_response)

    def _fault(self, path: str) -> Fault | None:
        with self._lock:
            queue = self.faults.get(path) or []
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    def _respond(self, request: Request) -> Response:
        path = request.path
        body: Any = None
        if request.method == "POST":
            raw = request.get_data()
            try:
                body = json.loads(raw.decode("utf-8")) if raw else None
            except (ValueError, UnicodeDecodeError):
                body = raw
        with self._lock:
            self.calls.append(Call(path, dict(request.args), body))
        fault = self._fault(path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.http_status != 200:
                return Response("upstream error", status=fault.http_status)
            if fault.errcode:
                return _json({"errcode": fault.errcode, "errmsg": "injected", **fault.extra})
        return self._ok(path, request, body)

    def _ok(self, path: str, request: Request, body: Any) -> Response:
        if path in ("/cgi-bin/stable_token", "/cgi-bin/token", "/cgi-bin/gettoken"):
            token = "tok_" + secrets.token_hex(8)
            with self._lock:
                self.tokens.add(token)
                self.token_fetches += 1
            return _json({"access_token": token, "expires_in": 7200})
        if path.startswith("/cgi-bin/webhook/"):
            if not request.args.get("key"):
                return _json({"errcode": 93000, "errmsg": "invalid webhook url"})
            return _json({"errcode": 0, "errmsg": "ok"})
        if request.args.get("access_token") not in self.tokens:
            return _json({"errcode": 40001, "errmsg": "invalid credential"})
        if path == "/cgi-bin/media/get":
            media = self.media.get(request.args.get("media_id", ""))
            if media is None:
                return _json({"errcode": 40007, "errmsg": "invalid media_id"})
            return Response(media[0], content_type=media[1])
        if path == "/cgi-bin/message/template/send":
            return _json({"errcode": 0, "errmsg": "ok", "msgid": int(time.time() * 1000)})
        if path == "/cgi-bin/message/send":
            return _json({"errcode": 0, "errmsg": "ok", "invaliduser": ""})
        if path == "/cgi-bin/message/custom/send":
            return _json({"errcode": 0, "errmsg": "ok"})
        return _json({"errcode": 404, "errmsg": "unknown api"})


def _json(data: dict[str, Any]) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), content_type="application/json")
