"""Run a WSGI app under gunicorn on loopback for benchmarks and multi-process tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Callable, Mapping

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def schema_url(base_url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use `schema` (created by the caller)."""
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}"


PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def fresh_database(work: Path, label: str, base_url: str | None = None
                   ) -> tuple[str, str, Callable[[], None]]:
    """(url, backend name, cleanup): a new migrated PostgreSQL schema, else a SQLite file.

    The server is `base_url`, else BENCH_DATABASE_URL, else the local default."""
    import secrets

    from sqlalchemy import text

    from cli.db import upgrade_database
    from models import make_engine

    base = base_url or os.environ.get("BENCH_DATABASE_URL", PG_DEFAULT)
    try:
        admin = make_engine(base, connect_args={"connect_timeout": 3})
        schema = f"wastebot_bench_{label}_" + secrets.token_hex(3)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach PostgreSQL means SQLite
        print(f"  (PostgreSQL unavailable: {type(exc).__name__}; using SQLite)")
        url = f"sqlite:///{work / (label + '.sqlite3')}"
        upgrade_database(url)
        return url, "SQLite (WAL)", lambda: None

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()

    url = schema_url(base, schema)
    upgrade_database(url)
    return url, "PostgreSQL", drop


class Gunicorn:
    """`with Gunicorn("wsgi:app", env) as server:` serves on server.url; always stopped."""

    def __init__(self, app: str, env: Mapping[str, str], workers: int = 4, threads: int = 1,
                 log_path: Path | None = None, ready_timeout: float = 60.0) -> None:
        self.app, self.workers, self.threads = app, workers, threads
        self.env = {**os.environ, **env}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Gunicorn":
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        args = [str(GUNICORN), "--bind", f"127.0.0.1:{self.port}", "--workers",
                str(self.workers), "--threads", str(self.threads), "--timeout", "30",
                "--graceful-timeout", "5", "--log-level", "warning", self.app]
        try:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=log,
                                         start_new_session=True)
        finally:
            if not isinstance(log, int):
                log.close()  # the child keeps its own copy of the descriptor
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}"
                                   + (f"; see {self.log_path}" if self.log_path else ""))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
            except OSError:
                time.sleep(0.2)
                continue
            # Workers boot after the master binds: ready when one answers HTTP (any status),
            # which on a loaded machine can take many seconds after the bind.
            if self._answers():
                return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start in time")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # a status, even 404: a worker is serving
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM the master (workers follow), then SIGKILL the group if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
