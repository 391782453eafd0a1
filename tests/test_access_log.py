"""Signatures, nonces and API keys stay out of the access log (gunicorn's and the dev server's)."""
from __future__ import annotations

import logging
import runpy
import threading
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
QUERY = "signature=5ec2e7sig&timestamp=1700000000&nonce=n0nce77&api_key=k3ysecret"
SECRETS = ("5ec2e7sig", "n0nce77", "k3ysecret", "1700000000")


def test_gunicorn_access_log_format_drops_the_query_string() -> None:
    from gunicorn.config import Config as GunicornConfig
    from gunicorn.glogging import Logger

    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    cfg = GunicornConfig()
    cfg.set("access_log_format", settings["access_log_format"])
    environ = {"REQUEST_METHOD": "POST", "RAW_URI": "/wechat?" + QUERY, "PATH_INFO": "/wechat",
               "QUERY_STRING": QUERY, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.9",
               "HTTP_REFERER": "https://x.example/?" + QUERY, "HTTP_X_API_KEY": "k3ysecret"}
    resp = SimpleNamespace(status="200 OK", sent=7, headers=[])
    req = SimpleNamespace(headers=[("X-API-KEY", "k3ysecret")])
    atoms = Logger(cfg).atoms(resp, req, environ, timedelta(milliseconds=3))
    line = cfg.access_log_format % atoms
    assert "POST /wechat HTTP/1.1" in line and "10.0.0.9" in line
    for secret in SECRETS:
        assert secret not in line


def test_dev_server_log_has_no_query_string(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        caplog.set_level(logging.INFO, logger="werkzeug")
        resp = requests.post(f"http://127.0.0.1:{server.server_port}/wechat?{QUERY}",
                             data=b"<xml/>", timeout=5)
        assert resp.status_code == 403
        requests.get(f"http://127.0.0.1:{server.server_port}/open311/v2/services.json",
                     params={"api_key": "k3ysecret"}, timeout=5)
    finally:
        server.shutdown()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("POST /wechat HTTP/1.1" in line for line in lines), lines
    for secret in SECRETS:
        assert not any(secret in line for line in lines), lines


def test_nginx_logs_paths_without_query_strings() -> None:
    """Every server block logs with the `wastebot` format, which uses $uri, not $request."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    fmt = conf.split("log_format wastebot", 1)[1].split(";", 1)[0]
    assert "$uri" in fmt and "$request " not in fmt and "$request_uri" not in fmt
    assert "$args" not in fmt and "$query_string" not in fmt and "$http_referer" not in fmt
    assert conf.count("server {") == conf.count("access_log /var/log/nginx/wastebot.access.log "
                                                "wastebot;")
