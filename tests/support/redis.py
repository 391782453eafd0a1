"""The local Redis server the cross-process tests use, when there is one."""
from __future__ import annotations

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False
