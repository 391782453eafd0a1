"""`flask chat`: a local chat (a REPL) with the running server, exactly as WeChat would talk to it."""
from __future__ import annotations

import shlex
import sys
import threading
import time
from pathlib import Path
from typing import Callable, TextIO

import click
import requests
from flask import current_app

from bot.simulator import WeChatServer, message_xml, new_msg_id
from runtime import from_app

HELP = """命令 (commands):
  任意文字            发送文本消息 (a text message)
  /image PATH         发送一张本地图片 (an image from a local file)
  /location LAT LNG [地点名]   发送位置 (a WeChat location, GCJ-02)
  /click KEY          点击菜单 (a menu CLICK event, e.g. COMPLAINT)
  /voice 文字          语音消息(识别结果) (a voice message with its recognised text)
  /subscribe          关注事件 (subscribe event)
  /inbox              查看推送消息 (show pushed messages now)
  /quit               退出"""


class ChatError(Exception):
    """Something the person at the keyboard can fix; shown as one line, no traceback."""


class ChatSession:
    def __init__(self, url: str, server: WeChatServer, openid: str,
                 out: Callable[[str], None] = print, http: requests.Session | None = None):
        self.url = url.rstrip("/")
        self.server = server
        self.openid = openid
        self.out = out
        self.http = http or requests.Session()
        self.inbox_after = 0
        self._inbox_lock = threading.Lock()  # the REPL and the push watcher both read the inbox

    def send(self, msg_type: str, **fields: object) -> str | None:
        xml = message_xml(self.openid, self.server.account, msg_type, int(time.time()),
                          None if msg_type == "event" else new_msg_id(), **fields)
        delivery = self.server.deliver(xml)
        resp = self.http.post(self.url + "/wechat", params=delivery.params, data=delivery.body,
                              headers={"Content-Type": "text/xml"}, timeout=10)
        if resp.status_code != 200:
            return f"[HTTP {resp.status_code}]"
        reply = self.server.read_reply(resp.content, delivery.params)
        return reply.get("Content") if reply else None

    def upload(self, path: Path) -> str:
        """A media id for a local photo; ChatError with a plain reason when it cannot be had."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ChatError(f"无法读取图片 {path}：{exc.strerror or exc}") from exc
        try:
            resp = self.http.post(self.url + "/dev/media", data=data, timeout=30)
        except requests.RequestException as exc:
            raise ChatError(f"无法连接服务器：{type(exc).__name__}") from exc
        if resp.status_code == 413:
            raise ChatError(f"图片过大（{len(data) / 1_048_576:.1f} MB），超过服务器的上传上限")
        if resp.status_code == 404:
            raise ChatError("服务器不在开发模式（DEV_MODE=1），无法上传本地图片")
        if resp.status_code != 200:
            raise ChatError(f"上传失败：HTTP {resp.status_code}")
        return str(resp.json()["media_id"])

    def pushed(self, http: requests.Session | None = None) -> list[str]:
        """Pushes not shown yet (each is returned once, whichever thread asks)."""
        with self._inbox_lock:
            resp = (http or self.http).get(self.url + "/dev/inbox",
                                           params={"to": self.openid, "after": self.inbox_after}, timeout=10)
            if resp.status_code == 404:
                return []  # not in development mode: pushes went to real WeChat
            resp.raise_for_status()
            rows = resp.json()
            if rows:
                self.inbox_after = rows[-1]["id"]
            return [r["text"] for r in rows]

    def command(self, line: str) -> bool:
        """Run one input line; False when the user wants to quit."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit"):
            return False
        if line in ("/help", "/?"):
            self.out(HELP)
            return True
        reply = self._dispatch(line)
        if reply is not None:
            self.out("【回复】" + reply)
        self.show_pushes(wait=1.5)
        return True

    def show_pushes(self, wait: float = 0.0) -> None:
        deadline = time.monotonic() + wait
        while True:
            texts = self.pushed()
            for text in texts:
                self.out("【推送】" + text)
            if texts or time.monotonic() >= deadline:
                return
            time.sleep(0.3)

    def _dispatch(self, line: str) -> str | None:
        if not line.startswith("/"):
            return self.send("text", Content=line)
        parts = shlex.split(line)
        cmd, args = parts[0], parts[1:]
        if cmd == "/image" and args:
            try:
                media_id = self.upload(Path(args[0]).expanduser())
            except ChatError as exc:
                return f"[错误] {exc}"
            return self.send("image", PicUrl="", MediaId=media_id)
        if cmd == "/location" and len(args) >= 2:
            return self.send("location", Location_X=float(args[0]), Location_Y=float(args[1]),
                             Scale=16, Label=" ".join(args[2:]))
        if cmd == "/click" and args:
            return self.send("event", Event="CLICK", EventKey=args[0])
        if cmd == "/voice" and args:
            return self.send("voice", MediaId="voice_" + new_msg_id(), Format="amr",
                             Recognition=" ".join(args))
        if cmd == "/subscribe":
            return self.send("event", Event="subscribe", EventKey="")
        if cmd == "/inbox":
            self.show_pushes()
            return None
        return "未知命令，输入 /help 查看用法。"


class PushWatcher:
    """Shows pushes as they arrive, between prompts, instead of after the next input."""

    def __init__(self, session: ChatSession, interval: float = 1.0) -> None:
        self.session = session
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="push-watcher", daemon=True)
        self._http = requests.Session()  # requests sessions are not shared across threads

    def start(self) -> PushWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                texts = self.session.pushed(self._http)
            except requests.RequestException:
                continue  # the server restarting is no reason to stop watching
            for text in texts:
                self.session.out("\n【推送】" + text)


def run_repl(session: ChatSession, stdin: TextIO, interactive: bool) -> None:
    session.out(f"以 {session.openid} 的身份连接 {session.url}。输入 /help 查看命令，/quit 退出。")
    watcher = PushWatcher(session).start() if interactive else None
    try:
        _loop(session, stdin, interactive)
    finally:
        if watcher is not None:
            watcher.stop()


def _loop(session: ChatSession, stdin: TextIO, interactive: bool) -> None:
    while True:
        if interactive:
            try:
                line = input("> ")
            except EOFError:
                return
        else:
            line = stdin.readline()
            if not line:
                return
        if not session.command(line):
            return


@click.command("chat")
@click.option("--as", "openid", default="resident-demo", help="The WeChat openid to act as.")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True)
@click.option("--mode", type=click.Choice(["raw", "compat", "aes"]), default=None,
              help="Message encryption mode (default: aes when WECHAT_AES_KEY is set).")
def chat(openid: str, url: str, mode: str | None) -> None:
    """Chat with the running server as a resident or a cadre, as WeChat would."""
    cfg = from_app(current_app).config
    mode = mode or ("aes" if cfg.WECHAT_AES_KEY else "raw")
    server = WeChatServer(cfg.WECHAT_TOKEN, cfg.WECHAT_AES_KEY, cfg.WECHAT_APP_ID or "wxdev",
                          mode=mode)
    session = ChatSession(url, server, openid, out=click.echo)
    run_repl(session, sys.stdin, interactive=sys.stdin.isatty())
