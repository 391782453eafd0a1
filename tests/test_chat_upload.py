"""Issue 12: the local chat uploads a real phone photo and reports errors in one line."""
from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from PIL import Image
from sqlalchemy import select

from cli.chat import ChatSession
from outbound.photos import fetch_pending
from bot.simulator import WeChatServer
from models import CasePhoto
from tests.support.complaints import SONGFENG
from tests.support.served import serve_in_thread


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"DEV_MODE": "1"}


@pytest.fixture
def served(app: Any) -> Iterator[str]:
    with serve_in_thread(app) as url:
        yield url


def phone_photo(path: Path) -> Path:
    """A 12-megapixel JPEG of about 9-10 MB, like a phone camera's."""
    image = Image.frombytes("RGB", (4032, 3024), os.urandom(4032 * 3024 * 3))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=88)
    path.write_bytes(buf.getvalue())
    return path


def test_a_phone_photo_goes_through_the_local_chat(served: str, config: Any, runtime: Any,
                                                  district: None, tmp_path: Path) -> None:
    out: list[str] = []
    wechat = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, config.WECHAT_APP_ID)
    chat = ChatSession(served, wechat, "o_chat_photo", out=out.append)
    photo = phone_photo(tmp_path / "IMG_0001.jpg")
    assert photo.stat().st_size > 9_000_000
    chat.command("纠错")
    chat.command(f"/image {photo}")
    assert any("已收到第1张照片" in line for line in out), out
    chat.command(f"/location {SONGFENG[0]} {SONGFENG[1]} 松风路88弄")
    chat.command("提交")
    assert any("投诉已提交" in line for line in out), out
    runtime.drain()
    fetch_pending(runtime)
    with runtime.sessions.begin() as s:
        assert [p.status for p in s.scalars(select(CasePhoto))] == ["stored"]


class TestSmallLimit:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"DEV_MODE": "1", "UPLOAD_MAX_BYTES": 1024 * 1024}

    def test_upload_errors_are_one_line(self, served: str, config: Any,
                                        tmp_path: Path) -> None:
        out: list[str] = []
        wechat = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, config.WECHAT_APP_ID)
        chat = ChatSession(served, wechat, "o_chat_err", out=out.append)
        big = tmp_path / "big.jpg"
        big.write_bytes(b"\xff\xd8" + b"\0" * (2 * 1024 * 1024))
        assert chat.command(f"/image {big}")
        assert chat.command(f"/image {tmp_path / 'missing.jpg'}")
        errors = [line for line in out if "[错误]" in line]
        assert len(errors) == 2
        assert "图片过大（2.0 MB）" in errors[0] and "无法读取图片" in errors[1]
        assert not any("Traceback" in line for line in out)


def test_pushes_show_as_they_arrive_without_further_input(served: str, config: Any,
                                                           runtime: Any) -> None:
    """Issue 14: a push lands in the local chat while the person at the keyboard types nothing."""
    from cli.chat import PushWatcher
    from models.outbox import enqueue
    from outbound.delivery import deliver_one

    out: list[str] = []
    wechat = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, config.WECHAT_APP_ID)
    chat = ChatSession(served, wechat, "o_chat_idle", out=out.append)
    arrived = threading.Event()

    def show(line: str) -> None:
        out.append(line)
        arrived.set()

    chat.out = show
    watcher = PushWatcher(chat, interval=0.05).start()
    try:
        with runtime.sessions.begin() as session:
            row_id = enqueue(session, key="idle-push", kind="case_update", recipient="o_chat_idle",
                             routes=[{"channel": "wechat_custom", "to": "o_chat_idle"}],
                             text="您的投诉已办结", now=runtime.clock())
        deliver_one(runtime, row_id)
        assert arrived.wait(10), out
    finally:
        watcher.stop()
    assert out == ["\n【推送】您的投诉已办结"]
    assert chat.pushed() == []  # shown once, not again after the next input
