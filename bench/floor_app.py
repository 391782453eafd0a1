"""The floor: the thinnest correct WeChat bot (check signature, parse, fixed text reply).

Served by gunicorn exactly like the real app (`gunicorn 'bench.floor_app:create_app()'`), so
the webhook benchmark can say how much of the possible throughput the real bot keeps.
"""
from __future__ import annotations

import os

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature


def create_app(token: str | None = None) -> Flask:
    token = token or os.environ["WECHAT_TOKEN"]
    app = Flask(__name__)

    @app.post("/wechat")
    def receive() -> Response:
        args = request.args
        try:
            check_signature(token, args.get("signature", ""), args.get("timestamp", ""),
                            args.get("nonce", ""))
        except InvalidSignatureException:
            return Response("forbidden", status=403)
        message = parse_message(request.get_data())
        reply = TextReply(content="这是固定回复。", message=message)
        return Response(reply.render(), mimetype="application/xml")

    return app
