"""A private PostgreSQL server on loopback: initdb into a temporary directory, start, restart, remove.

For the soak test (bench/soak.py), which restarts its database as a fault and must never touch
the machine's shared server. Trust authentication, a free 127.0.0.1 port, its socket in its
own directory. When run as root, initdb and the server run as the `postgres` user (initdb
refuses root).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.serve import free_port


class ClusterUnavailable(RuntimeError):
    """No initdb/pg_ctl on this machine, or initdb failed."""


def find_bin(name: str) -> str | None:
    """`name` on PATH, else the newest /usr/lib/postgresql/<version>/bin/<name> (Debian)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return candidates[-1] if candidates else None


class PgCluster:
    """`with PgCluster() as pg:` a running server at pg.url; stopped and removed on exit."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise ClusterUnavailable(
                "initdb/pg_ctl not found (install the PostgreSQL server package, e.g. Debian's "
                "postgresql-15, or put its bin directory on PATH)")
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.settings = {"max_connections": "200", "shared_buffers": "64MB", **(settings or {})}
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.base = Path(tempfile.mkdtemp(prefix="wastebot-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self._user = "postgres" if os.geteuid() == 0 else None
        self._started = False

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self._user:
            cmd = ["runuser", "-u", self._user, "--", *cmd]
        # Its own session: a Ctrl-C at the terminal must not reach the server, only our cleanup.
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              start_new_session=True)

    def create(self) -> "PgCluster":
        if self._user:
            pw = pwd.getpwnam(self._user)
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        done = self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust",
                         "-E", "UTF8", "--no-sync", "--locale=C")
        if done.returncode != 0:
            raise ClusterUnavailable(f"initdb failed: {done.stderr.strip()[-400:]}")
        conf = {"listen_addresses": "'127.0.0.1'", "port": str(self.port),
                "unix_socket_directories": f"'{self.base}'", **self.settings}
        with open(self.data / "postgresql.conf", "a") as f:
            f.write("\n# wastebot private cluster\n")
            f.writelines(f"{k} = {v}\n" for k, v in conf.items())
        return self

    def start(self, timeout: float = 60) -> None:
        done = self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w",
                         "-t", str(int(timeout)), "start", timeout=timeout + 10)
        if done.returncode != 0:
            raise ClusterUnavailable(f"pg_ctl start failed: {done.stderr.strip()[-400:]}")
        self._started = True

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash as far as the server knows: recovery from WAL on start."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop", timeout=60)

    def restart_immediate(self) -> float:
        """The fault: stop without a checkpoint, start again; returns the seconds it took."""
        t = time.monotonic()
        self.stop("immediate")
        self.start()
        return time.monotonic() - t

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def remove(self) -> None:
        if self._started and (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> "PgCluster":
        try:
            self.create().start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()
