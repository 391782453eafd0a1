"""Keep query strings out of the development server's access log.

Werkzeug logs each request line whole; on /wechat that prints WeChat's signature,
timestamp and nonce, and on Open311 an api_key. gunicorn's format (deploy/gunicorn.conf.py)
drops the query string the same way.
"""
from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?\S*")


def strip_query(line: str) -> str:
    """`GET /wechat?signature=… HTTP/1.1` → `GET /wechat HTTP/1.1`."""
    return _QUERY.sub("", line)


class QueryStringFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(strip_query(a) if isinstance(a, str) else a
                                for a in record.args)
        if isinstance(record.msg, str):
            record.msg = strip_query(record.msg)
        return True


def install() -> None:
    """Attach the filter to werkzeug's request logger (idempotent)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
        logger.addFilter(QueryStringFilter())
