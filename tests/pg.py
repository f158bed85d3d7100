"""A throwaway PostgreSQL cluster from Debian's binaries, for tests (one per xdist worker).

initdb refuses to run as root, so as root the cluster is made and run by the `postgres` system
user in a temp dir it owns. It listens on 127.0.0.1 on a free port with fsync off and trust auth,
and is stopped (and its files removed) at the end of the session. Missing binaries are an error,
not a skip: CI must test PostgreSQL.
"""
from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_pg_bin() -> Path:
    """$PG_BIN, else the newest /usr/lib/postgresql/*/bin."""
    env = os.environ.get("PG_BIN")
    candidates = [env] if env else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) for x in Path(p).parent.name.split(".") if x.isdigit()])
    for c in reversed(candidates):
        if c and (Path(c) / "initdb").exists():
            return Path(c)
    raise PostgresUnavailable(
        "PostgreSQL binaries not found (set PG_BIN or install Debian's postgresql package): "
        f"looked in {candidates or '/usr/lib/postgresql/*/bin'}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    """One running cluster; `create_database()` gives a fresh database's URL."""

    def __init__(self, bin_dir: Path | None = None, parent: Path | None = None, *,
                 durable: bool = False) -> None:
        """`parent`: the folder to make the cluster's folder in (default: the system temp
        folder). Run as root, the server runs as `postgres`, which must be able to reach it.
        `durable`: fsync, synchronous commit and full-page writes on, as a production server
        runs (benchmarks); tests run without them."""
        self.bin = bin_dir or find_pg_bin()
        self.durable = durable
        self.as_postgres = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="yzb-pg-", dir=parent))
        self.data = self.root / "data"
        self.port = 0
        self.running = False

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> "PgCluster":
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        for attempt in range(5):
            self.port = free_port()
            safety = ("" if self.durable else
                      "-c fsync=off -c synchronous_commit=off -c full_page_writes=off ")
            opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} "
                    f"{safety}-c max_connections=200")
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                          str(self.root / "log"), "-o", opts, "start")
                break
            except PostgresUnavailable:
                if attempt == 4:
                    raise
        self.running = True
        atexit.register(self.stop)
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        import psycopg
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, template: str | None = None, name: str | None = None) -> str:
        name = name or "t_" + uuid.uuid4().hex[:16]
        # FILE_COPY: for a small template a file copy beats PG 15's default WAL_LOG strategy.
        self.execute(f'CREATE DATABASE "{name}"'
                     + (f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.running:
            self.running = False
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-w", "stop")
            except PostgresUnavailable:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
