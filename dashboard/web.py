"""Response headers, upload limits and error pages for the dashboard, in one place."""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from dashboard.db import runtime
from dashboard.params import BadQuery

# Only the app's own stylesheet, scripts (the map), images and forms, plus the map's tile
# server when MAP_TILE_URL is set; no inline scripts; never framed.
CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "img-src 'self' data:{tiles}; font-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
           "Referrer-Policy": "same-origin"}


def tile_source(url: str) -> str:
    """The CSP source for a tile URL template: https://webst0{s}.is.autonavi.com/... →
    https://*.is.autonavi.com (a placeholder label becomes the wildcard)."""
    if not url:
        return ""
    parts = urlsplit(url)
    labels = parts.netloc.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    return f"{parts.scheme}://{'.'.join(labels)}"


@lru_cache(maxsize=8)  # on every response, webhook replies included
def csp(tile_url: str) -> str:
    source = tile_source(tile_url)
    return CSP.format(tiles=" " + source if source else "")
# The dashboard's file uploads; every other request keeps the webhook's small cap.
UPLOAD_ENDPOINTS = frozenset({"plans.upload", "imports.units", "imports.cadres"})
MULTIPART_SLACK = 64 * 1024  # form fields and part headers around the file


def upload_limit() -> int:
    return runtime().config.UPLOAD_MAX_BYTES


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def _raise_upload_limit() -> None:
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = upload_limit() + MULTIPART_SLACK


def _headers(response: Response) -> Response:
    if request.blueprint == "wechat":  # XML for WeChat's servers, no page: none of these apply
        return response
    response.headers.setdefault("Content-Security-Policy", csp(runtime().config.MAP_TILE_URL))
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _too_large(exc: RequestEntityTooLarge) -> ResponseReturnValue:
    if not request.path.startswith("/dashboard"):
        return Response("request too large", 413, mimetype="text/plain")
    return render_template("error.html", title="文件过大",
                           message=f"上传的文件超过上限（{megabytes(upload_limit())}），"
                                   "请压缩或拆分后重新上传。"), 413


def _bad_query(exc: BadQuery) -> ResponseReturnValue:
    return render_template("error.html", title="参数有误",
                           message=f"查询参数超出范围：{exc}"), 400


def register(app: Flask) -> None:
    app.before_request(_raise_upload_limit)
    app.after_request(_headers)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(BadQuery, _bad_query)
