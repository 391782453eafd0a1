"""Outbound calls to the official-account API and WeCom, with timeouts and clear errors.

A thin client rather than wechatpy's WeChatClient: that client's HTTP calls have no timeout
unless given one, its auto-retry can loop on errcode 40001, and changing API_BASE_URL alone
does not move every URL. Here every path goes under the configured base URL.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

import requests


class WeChatError(Exception):
    """An error answer from WeChat (errcode != 0) or a failed call."""

    retryable = False

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class TransientError(WeChatError):
    """Timeouts, 5xx, 'system busy': worth retrying later."""

    retryable = True


class InvalidToken(WeChatError):
    """40001 / 40014 / 42001: the access token is invalid or expired."""

    retryable = True


class OutsideServiceWindow(WeChatError):
    """45015: more than 48 hours since the user last wrote; use a template message."""


class RateLimited(WeChatError):
    retryable = True


_BY_CODE: dict[int, type[WeChatError]] = {
    -1: TransientError, 40001: InvalidToken, 40014: InvalidToken, 42001: InvalidToken,
    45015: OutsideServiceWindow, 45009: RateLimited, 45047: RateLimited, 45033: RateLimited,
}


def raise_for(data: dict[str, Any]) -> dict[str, Any]:
    code = int(data.get("errcode", 0) or 0)
    if code:
        raise _BY_CODE.get(code, WeChatError)(code, str(data.get("errmsg", "")))
    return data


class TokenCache(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl: int) -> None: ...


class MemoryTokenCache:
    """Per-process cache; fine for one process, or with the stable-token endpoint."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            value = self._data.get(key)
            return value[0] if value and value[1] > time.monotonic() else None

    def set(self, key: str, value: str, ttl: int) -> None:
        with self._lock:
            self._data[key] = (value, time.monotonic() + ttl)


class RedisTokenCache:
    """Shares one token across processes and hosts."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def get(self, key: str) -> str | None:
        value = self._redis.get(key)
        return value.decode() if value else None

    def set(self, key: str, value: str, ttl: int) -> None:
        self._redis.set(key, value, ex=ttl)


@dataclass
class HttpApi:
    base: str
    timeout: float
    http: requests.Session

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            resp = self.http.request(method, self.base.rstrip("/") + path,
                                     timeout=self.timeout, **kwargs)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransientError(-2, f"network: {type(exc).__name__}") from exc
        if resp.status_code >= 500:
            raise TransientError(-3, f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise WeChatError(-4, f"HTTP {resp.status_code}")
        return resp

    def json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        resp = self.call(method, path, **kwargs)
        try:
            data = resp.json()
        except ValueError as exc:
            raise TransientError(-5, "response is not JSON") from exc
        return raise_for(data)


class TokenedApi:
    """Calls that need an access token; refreshes once on an invalid-token answer."""

    def __init__(self, api: HttpApi, cache: TokenCache, cache_key: str) -> None:
        self.api = api
        self.cache = cache
        self.cache_key = cache_key
        self._lock = threading.Lock()

    def fetch_token(self, force: bool) -> tuple[str, int]:
        raise NotImplementedError

    def token(self, force: bool = False) -> str:
        if not force:
            cached = self.cache.get(self.cache_key)
            if cached:
                return cached
        with self._lock:
            token, expires_in = self.fetch_token(force)
            # Keep a margin so no call goes out with a token about to lapse.
            self.cache.set(self.cache_key, token, max(60, expires_in - 300))
            return token

    def authed(self, method: str, path: str, *, params: dict[str, Any] | None = None,
               **kwargs: Any) -> dict[str, Any]:
        for attempt in (0, 1):
            query = dict(params or {}, access_token=self.token(force=attempt == 1))
            try:
                return self.api.json(method, path, params=query, **kwargs)
            except InvalidToken:
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")


class OfficialAccountApi(TokenedApi):
    """The official account (公众号): stable token, customer-service, template, media."""

    def __init__(self, api: HttpApi, cache: TokenCache, app_id: str, secret: str) -> None:
        super().__init__(api, cache, f"wechat:token:{app_id}")
        self.app_id, self.secret = app_id, secret

    def fetch_token(self, force: bool) -> tuple[str, int]:
        # stable_token hands every caller the same token, so processes never invalidate
        # each other's tokens the way the old /cgi-bin/token endpoint does.
        data = self.api.json("POST", "/cgi-bin/stable_token", json={
            "grant_type": "client_credential", "appid": self.app_id, "secret": self.secret,
            "force_refresh": force})
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    def send_text(self, openid: str, text: str) -> None:
        self.authed("POST", "/cgi-bin/message/custom/send", data=_json_bytes(
            {"touser": openid, "msgtype": "text", "text": {"content": text}}),
            headers={"Content-Type": "application/json"})

    def send_template(self, openid: str, template_id: str, data: dict[str, str],
                      url: str = "") -> None:
        body: dict[str, Any] = {"touser": openid, "template_id": template_id,
                                "data": {k: {"value": v} for k, v in data.items()}}
        if url:
            body["url"] = url
        self.authed("POST", "/cgi-bin/message/template/send", data=_json_bytes(body),
                    headers={"Content-Type": "application/json"})

    def get_media(self, media_id: str, max_bytes: int) -> bytes:
        for attempt in (0, 1):
            resp = self.api.call("GET", "/cgi-bin/media/get", params={
                "access_token": self.token(force=attempt == 1), "media_id": media_id},
                stream=True)
            ctype = resp.headers.get("Content-Type", "")
            if "json" in ctype or "text/plain" in ctype:
                try:
                    raise_for(resp.json())
                except InvalidToken:
                    if attempt == 1:
                        raise
                    continue
                except ValueError as exc:
                    raise TransientError(-5, "media answer is not JSON") from exc
                raise WeChatError(-6, "media answer carried no file")
            return _read_capped(resp, max_bytes)
        raise AssertionError("unreachable")


class WeComApi(TokenedApi):
    """WeCom (企业微信): app messages to members, group robots by webhook key."""

    def __init__(self, api: HttpApi, cache: TokenCache, corp_id: str, secret: str,
                 agent_id: str) -> None:
        super().__init__(api, cache, f"wecom:token:{corp_id}:{agent_id}")
        self.corp_id, self.secret, self.agent_id = corp_id, secret, agent_id

    def fetch_token(self, force: bool) -> tuple[str, int]:
        data = self.api.json("GET", "/cgi-bin/gettoken",
                             params={"corpid": self.corp_id, "corpsecret": self.secret})
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    def send_app_text(self, userid: str, text: str) -> None:
        data = self.authed("POST", "/cgi-bin/message/send", data=_json_bytes({
            "touser": userid, "msgtype": "text", "agentid": int(self.agent_id or 0),
            "text": {"content": text}}), headers={"Content-Type": "application/json"})
        # errcode 0 can still mean nobody got it: check the invalid lists.
        if data.get("invaliduser") or data.get("invalidparty"):
            raise WeChatError(-7, f"invalid recipient: {data.get('invaliduser', '')}")



class WeComRobot:
    """A WeCom group robot: needs only its webhook key, no corp token."""

    def __init__(self, api: HttpApi) -> None:
        self.api = api

    def send_robot_text(self, key: str, text: str) -> None:
        self.api.json("POST", "/cgi-bin/webhook/send", params={"key": key},
                      data=_json_bytes({"msgtype": "text", "text": {"content": text}}),
                      headers={"Content-Type": "application/json"})


def _json_bytes(body: dict[str, Any]) -> bytes:
    import json

    # WeChat wants real UTF-8, not \\u escapes, in message bodies.
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _read_capped(resp: requests.Response, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_content(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            resp.close()
            raise WeChatError(-8, f"media larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
