"""A throwaway PostgreSQL server for the test session, so the storage tests also run on PostgreSQL.

:func:`start_server` finds ``initdb`` and ``postgres`` (on PATH or in ``/usr/lib/postgresql/*/bin``),
creates a cluster in a temporary directory (owned by the ``postgres`` user when the tests run as root,
since PostgreSQL refuses to run as root) and starts it on a Unix socket only, without durability
(``fsync=off``: the data is thrown away). The cluster's collation is ICU ``de-DE`` where the server
supports it — like a German production database, it does not sort by code point — so the tests notice
code that relies on the database sorting ids the way Python does.

``BMM_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://user:secret@host/postgres``) uses an existing
server instead; the tests create and drop their own databases on it.

Anything missing (binaries, driver, the ``postgres`` user) or a server that does not start raises
:class:`PostgresUnavailableError` with the reason; the fixture turns it into a skip.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

URL_VARIABLE = "BMM_TEST_POSTGRES_URL"
STARTUP_SECONDS = 30.0
SERVER_OPTIONS = {
    "listen_addresses": "",  # Unix socket only
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "50",
}


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server for the tests; the message says why."""


@dataclass
class PostgresServer:
    """A server the tests may create databases on (``admin_url`` points at its ``postgres`` database)."""

    admin_url: URL
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def create_database(self) -> str:
        """A new empty database with a unique name; returns its URL."""
        name = f"bmm_test_{os.getpid()}_{next(self._counter)}"
        self._execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database of ``url``, closing connections to it that are still open."""
        name = make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _execute(self, statement: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()


def _require_driver() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError as error:
        raise PostgresUnavailableError(
            f"the PostgreSQL driver is not installed ({error}); pip install 'bmm-match[postgres]'"
        ) from None


def _find_binaries() -> Path:
    """The directory holding ``initdb``, ``postgres`` and ``pg_ctl``."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _version(p.parent.name), reverse=True)
    candidates.extend(versions)
    for directory in candidates:
        if all((directory / name).is_file() for name in ("initdb", "postgres", "pg_ctl")):
            return directory
    raise PostgresUnavailableError(
        "PostgreSQL binaries (initdb, postgres, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin"
    )


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(text_: str, lines: int = 15) -> str:
    return "\n".join(text_.strip().splitlines()[-lines:])


class LocalServer:
    """A cluster in a temporary directory and its ``postgres`` process (see the module docstring)."""

    def __init__(self) -> None:
        self.binaries = _find_binaries()
        self.as_root = os.geteuid() == 0
        if self.as_root and shutil.which("runuser") is None:
            raise PostgresUnavailableError("running as root, but runuser is missing to start PostgreSQL as 'postgres'")
        self.root = Path(tempfile.mkdtemp(prefix="bmm-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.log = self.root / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.port = _free_port()

    # -- running commands as the owner of the cluster ----------------------------------------------------

    def _command(self, *args: str | Path) -> list[str]:
        command = [str(a) for a in args]
        return ["runuser", "-u", "postgres", "--", *command] if self.as_root else command

    def _run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._command(*args), cwd=self.root, capture_output=True, text=True, timeout=120, check=False
        )

    def _own(self) -> None:
        if not self.as_root:
            return
        try:
            shutil.chown(self.root, "postgres", "postgres")
            for path in (self.data, self.sockets):
                path.mkdir(exist_ok=True)
                shutil.chown(path, "postgres", "postgres")
        except (LookupError, PermissionError) as error:
            raise PostgresUnavailableError(
                f"cannot hand the cluster directory to the user 'postgres': {error}"
            ) from None

    # -- life cycle -------------------------------------------------------------------------------------------

    def start(self) -> PostgresServer:
        self._own()
        self.sockets.mkdir(exist_ok=True)
        base = ("-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        created = self._run(self.binaries / "initdb", *base, "--locale-provider=icu", "--icu-locale=de-DE")
        if created.returncode != 0:  # before PostgreSQL 15 or without ICU: the default collation
            shutil.rmtree(self.data, ignore_errors=True)
            self._own()
            created = self._run(self.binaries / "initdb", *base)
        if created.returncode != 0:
            raise PostgresUnavailableError(f"initdb failed: {_tail(created.stderr or created.stdout)}")
        self._launch()
        server = PostgresServer(
            URL.create(
                "postgresql+psycopg",
                username="postgres",
                database="postgres",
                query={"host": str(self.sockets), "port": str(self.port)},
            )
        )
        self._wait_until_ready(server)
        return server

    def _launch(self) -> None:
        options = [part for name, value in SERVER_OPTIONS.items() for part in ("-c", f"{name}={value}")]
        command = self._command(
            self.binaries / "postgres", "-D", self.data, "-k", self.sockets, "-p", str(self.port), *options
        )
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=self.root, stdout=log, stderr=subprocess.STDOUT)

    def halt(self) -> None:
        """Stop the server but keep its cluster (fast shutdown: open sessions are ended), for fault tests."""
        assert self.process is not None
        self._run(self.binaries / "pg_ctl", "stop", "-D", self.data, "-m", "fast", "-w", "-t", "30")
        self.process.wait(timeout=30)

    def resume(self, server: PostgresServer) -> None:
        """Start the halted server again on the same port and wait until it accepts connections."""
        self._launch()
        self._wait_until_ready(server)

    def _wait_until_ready(self, server: PostgresServer) -> None:
        import psycopg

        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self.process.poll() is not None:
                raise PostgresUnavailableError(
                    f"postgres exited with {self.process.returncode}: {_tail(self.log.read_text(errors='replace'))}"
                )
            try:
                psycopg.connect(
                    host=str(self.sockets), port=self.port, user="postgres", dbname="postgres", connect_timeout=2
                ).close()
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    self.stop()
                    raise PostgresUnavailableError(
                        f"postgres did not accept connections within {STARTUP_SECONDS:.0f} s: {error}; "
                        f"{_tail(self.log.read_text(errors='replace'))}"
                    ) from None
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended) and remove its directory."""
        try:
            if self.process is not None and self.process.poll() is None:
                stopped = self._run(self.binaries / "pg_ctl", "stop", "-D", self.data, "-m", "fast", "-w", "-t", "30")
                if stopped.returncode != 0:
                    self._signal_postmaster(signal.SIGQUIT)  # immediate shutdown
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _signal_postmaster(self, signum: signal.Signals) -> None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signum)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this session: the one of ``BMM_TEST_POSTGRES_URL`` or a local throwaway one."""
    _require_driver()
    configured = os.environ.get(URL_VARIABLE)
    if configured:
        server = PostgresServer(make_url(configured))
        try:
            server._execute("SELECT 1")
        except Exception as error:
            raise PostgresUnavailableError(f"{URL_VARIABLE} is set, but the server does not answer: {error}") from None
        yield server
        return
    local = LocalServer()
    try:
        server = local.start()
    except BaseException:
        local.stop()
        raise
    try:
        yield server
    finally:
        local.stop()
