"""Faults: WeChat timeouts and 5xx during pushes, the database going away under load."""
from __future__ import annotations

import errno
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import func, select

from outbound.photos import fetch_pending
from outbound.delivery import deliver_due
from bot.simulator import WeChatServer, message_xml, new_msg_id
from models import Case, InboundMessage, OutboxMessage
from models import outbox as ob
from tests.support.concurrency import run_together
from tests.support.settings import PG_URL, pg_url
from tests.support.complaints import SONGFENG, jpeg

CUSTOM = "/cgi-bin/message/custom/send"


def _push(runtime: Any, key: str, openid: str = "o_fault", text: str = "您的投诉已受理") -> None:
    with runtime.sessions.begin() as s:
        ob.enqueue(s, key=key, kind="test", recipient=openid,
                   routes=[{"channel": "wechat_custom", "to": openid}], text=text,
                   now=runtime.clock())


def _row(runtime: Any, key: str) -> OutboxMessage:
    with runtime.sessions.begin() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
        assert row is not None
        return row


class TestPushFaults:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"HTTP_TIMEOUT_S": 1}

    @pytest.mark.parametrize("fault", [
        {"delay": 1.5},  # longer than HTTP_TIMEOUT_S: a timeout
        {"http_status": 502},
        {"http_status": 503, "times": 3},
        {"errcode": -1},  # "system busy"
        {"errcode": 45009},  # API rate limit
    ])
    def test_push_is_retried_until_sent_then_never_again(
            self, fault: dict[str, Any], runtime: Any, fake_wechat: Any, clock: Any) -> None:
        times = fault.pop("times", 1)
        _push(runtime, "k1")
        # Fetch the token first so the fault hits the send itself.
        assert runtime.wechat is not None and runtime.wechat.token()
        fake_wechat.fail(CUSTOM, times=times, **fault)
        for attempt in range(times):
            assert deliver_due(runtime) == 0
            row = _row(runtime, "k1")
            assert row.status == "pending" and row.attempts == attempt + 1  # kept, not lost
            assert deliver_due(runtime) == 0  # backing off: not due yet
            clock.advance(hours=2)
        assert deliver_due(runtime) == 1
        assert _row(runtime, "k1").status == "sent"
        clock.advance(days=1)
        assert deliver_due(runtime) == 0  # never doubled
        assert len(fake_wechat.sent(CUSTOM)) == times + 1

    def test_outage_longer_than_the_retry_budget_ends_dead_not_lost(
            self, runtime: Any, fake_wechat: Any, clock: Any) -> None:
        _push(runtime, "k2")
        runtime.wechat.token()
        fake_wechat.fail(CUSTOM, http_status=500, times=ob.MAX_ATTEMPTS)
        for _ in range(ob.MAX_ATTEMPTS):
            deliver_due(runtime)
            clock.advance(hours=2)
        row = _row(runtime, "k2")
        assert row.status == "dead" and "HTTP 500" in (row.last_error or "")

    def test_concurrent_deliverers_send_each_push_once(self, runtime: Any,
                                                       fake_wechat: Any) -> None:
        """Web workers and the scheduler may sweep at once: claims keep pushes single."""
        for n in range(15):
            _push(runtime, f"c{n}", openid=f"o_c{n}", text=f"消息{n}")
        runtime.wechat.token()
        fake_wechat.fail(CUSTOM, delay=0.05, times=15)  # slow enough for the sweeps to overlap
        run_together([lambda: deliver_due(runtime)] * 3)
        for n in range(15):
            assert fake_wechat.messages_to(f"o_c{n}") == [f"消息{n}"]

    def test_idempotency_key_makes_a_repeated_enqueue_one_push(
            self, runtime: Any, fake_wechat: Any) -> None:
        for _ in range(3):
            _push(runtime, "same-event")
        deliver_due(runtime)
        assert fake_wechat.messages_to("o_fault") == ["您的投诉已受理"]


class CuttableProxy:
    """A TCP proxy on loopback in front of PostgreSQL that a test can cut and restore."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> "CuttableProxy":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def cut(self) -> None:
        """The server goes away: refuse new connections and drop the open ones."""
        with self._lock:
            if self._listener is not None:
                # shutdown() first: close() alone leaves a thread blocked in accept() holding
                # the listening socket open on Linux.
                _close(self._listener)
                self._listener = None
            for conn in self._conns:
                _close(conn)
            self._conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        _close(src)
        _close(dst)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL): the database "
                                       "restart is simulated by cutting a TCP proxy to it")
class TestDatabaseRestart:
    @pytest.fixture
    def proxy(self) -> Iterator[CuttableProxy]:
        parts = urlsplit(PG_URL)
        proxy = CuttableProxy((parts.hostname or "127.0.0.1", parts.port or 5432)).start()
        yield proxy
        proxy.cut()

    @pytest.fixture
    def config_overrides(self, proxy: CuttableProxy) -> dict[str, Any]:
        parts = urlsplit(pg_url())
        netloc = f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
        url = urlunsplit(parts._replace(netloc=netloc))
        return {"DATABASE_URL": url + "&connect_timeout=2", "WEBHOOK_RATE_PER_MIN": 100_000}

    def test_requests_fail_cleanly_and_recover(self, app: Any, proxy: CuttableProxy,
                                               wechat: WeChatServer, runtime: Any) -> None:
        client = app.test_client()
        messages = [message_xml(f"o_db_{n % 4}", "gh", "text", int(time.time()), new_msg_id(),
                                Content="帮助") for n in range(24)]
        statuses: dict[int, int] = {}
        lock = threading.Lock()

        def send(indexes: range) -> None:
            c = app.test_client()
            for i in indexes:
                d = wechat.deliver(messages[i])
                code = c.post("/wechat", query_string=d.params, data=d.body).status_code
                with lock:
                    statuses[i] = code

        d = wechat.deliver(messages[0])
        assert client.post("/wechat", query_string=d.params, data=d.body).status_code == 200
        proxy.cut()  # the database restarts while traffic keeps coming
        threads = [threading.Thread(target=send, args=(range(1 + k, 24, 3),)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert set(statuses.values()) == {503}  # clean refusals: WeChat will retry them
        proxy.start()  # back up, on the same port
        for i in sorted(statuses):  # WeChat's retries
            d = wechat.deliver(messages[i])
            resp = client.post("/wechat", query_string=d.params, data=d.body)
            assert resp.status_code == 200 and resp.data
        with runtime.sessions.begin() as s:
            assert s.scalar(select(func.count()).select_from(InboundMessage)) == 24


def test_backoff_grows_and_is_capped() -> None:
    """The retry schedule the fault tests rely on: 30 s doubling, at most an hour."""
    row = OutboxMessage(attempts=0, status="sending")
    from datetime import datetime, timezone

    now = datetime(2026, 11, 23, tzinfo=timezone.utc)
    gaps = []
    for _ in range(ob.MAX_ATTEMPTS - 1):
        ob.mark_retry(row, "x", now)
        gaps.append(row.next_attempt_at - now)
    assert gaps[0] == timedelta(seconds=30) and gaps[1] == timedelta(seconds=60)
    assert max(gaps) == timedelta(hours=1) and gaps == sorted(gaps)


@pytest.fixture
def full_disk(config: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every write under MEDIA_DIR fails with ENOSPC until `monkeypatch.undo()`."""
    media_dir = Path(config.media_dir)
    real_write = Path.write_bytes

    def disk_full(self: Path, data: Any) -> int:
        if media_dir in self.parents:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    return media_dir


def test_full_disk_for_media_keeps_the_case_and_retries_the_photo(
        user: Any, runtime: Any, district: None, full_disk: Path, clock: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    media_dir = full_disk
    user.say("纠错")
    user.image(jpeg())
    user.location(*SONGFENG, label="松风路88弄")
    user.say("1")
    reply = user.say("提交")
    assert reply is not None and reply.startswith("投诉已提交！编号：JC")  # answered as usual
    runtime.drain()
    assert fetch_pending(runtime) == 0  # the sweep hits the full disk: logged, not raised
    with runtime.sessions.begin() as s:
        [case] = s.scalars(select(Case)).all()
        [photo] = case.photos
        # Still pending, the reason visible, and no attempt spent on our own disk's fault.
        assert photo.status == "pending" and photo.attempts == 0
        assert photo.last_error is not None and "storage" in photo.last_error
    assert not [p for p in media_dir.rglob("*") if p.is_file()]
    monkeypatch.undo()  # space freed
    clock.advance(minutes=10)  # past the retry time: the next sweep takes it again
    assert fetch_pending(runtime) == 1
    with runtime.sessions.begin() as s:
        [case] = s.scalars(select(Case)).all()
        [photo] = case.photos
        assert photo.status == "stored" and (media_dir / str(photo.path)).is_file()


def test_photo_still_unstorable_when_wechat_forgets_it_fails_visibly(
        user: Any, runtime: Any, district: None, full_disk: Path, clock: Any) -> None:
    for text in ("纠错", None, "1", "提交"):
        if text is None:
            user.image(jpeg())
            user.location(*SONGFENG, label="松风路88弄")
        else:
            user.say(text)
    runtime.drain()
    clock.advance(days=3, minutes=10)  # WeChat has deleted the media by now
    fetch_pending(runtime)
    with runtime.sessions.begin() as s:
        [case] = s.scalars(select(Case)).all()
        [photo] = case.photos
        assert photo.status == "failed"
        assert any(e.action == "photo_failed" for e in case.events)
