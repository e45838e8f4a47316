"""bmm init, demo and serve (and the top-level help)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.storage.database import current_revision, head_revision, make_engine

runner = CliRunner()


def test_help_explains_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "demo", "serve", "keys"):
        assert command in result.output


def test_init_creates_a_migrated_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = runner.invoke(app, ["init", "--db", url])
    assert result.exit_code == 0, result.output
    assert current_revision(make_engine(url)) == head_revision()


def test_database_url_comes_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    result = runner.invoke(app, ["init"], env={"BMM_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").exists()


def test_serve_refuses_a_database_without_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    make_engine(url).connect().close()  # an existing but empty database file
    result = runner.invoke(app, ["serve", "--db", url])
    assert result.exit_code == 1
    assert "bmm init" in result.output


def test_bad_option_values_are_rejected_with_the_allowed_range(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--port", "0"])
    assert result.exit_code == 2
    assert "--port" in result.output
    assert "greater than or equal to 1" in " ".join(result.output.split())


def test_serve_refuses_a_missing_database_file_without_creating_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'missing.db'}"])
    assert result.exit_code == 1
    assert "bmm demo" in result.output
    assert not (tmp_path / "missing.db").exists()


def test_demo_seeds_synthetic_organisations_and_reseeding_replaces_them(tmp_path: Path) -> None:
    from service.storage.sql_repository import SqlOrganisationRepository

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = runner.invoke(app, ["demo", "--db", url, "--size", "700", "--seed", "3"])
    assert first.exit_code == 0, first.output
    repository = SqlOrganisationRepository(make_engine(url))
    assert repository.count() == repository.count(synthetic=True) == 700
    skipped = runner.invoke(app, ["demo", "--db", url, "--size", "900", "--if-empty"])
    assert skipped.exit_code == 0
    assert "nichts erzeugt" in skipped.output
    assert repository.count() == 700
    again = runner.invoke(app, ["demo", "--db", url, "--size", "650"])
    assert again.exit_code == 0, again.output
    assert repository.count() == 650


def test_demo_rejects_a_size_below_the_public_bodies(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--db", f"sqlite:///{tmp_path / 'd.db'}", "--size", "10"])
    assert result.exit_code == 2
    assert "--size" in result.output


def test_demo_prints_one_working_key_per_role_and_rotates_them(tmp_path: Path) -> None:
    from service.auth import SqlApiKeyRepository

    url = f"sqlite:///{tmp_path / 'keys.db'}"
    first = runner.invoke(app, ["demo", "--db", url, "--size", "700"])
    assert first.exit_code == 0, first.output
    keys = SqlApiKeyRepository(make_engine(url))

    def printed_secrets(output: str) -> dict[str, str]:
        lines = [line.split() for line in output.splitlines() if line.strip().split()[-1].startswith("bmm_")]
        return {parts[0]: parts[-1] for parts in lines}

    secrets = printed_secrets(first.output)
    assert set(secrets) <= {"admin", "advisor", "planner", "organisation"}
    assert {"admin", "advisor", "planner"} <= set(secrets)
    for role, secret in secrets.items():
        principal = keys.authenticate(secret)
        assert principal is not None
        assert principal.role.value == role
    again = runner.invoke(app, ["demo", "--db", url, "--size", "700", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert keys.authenticate(secrets["admin"]) is None  # the earlier demo key was revoked
    assert keys.authenticate(printed_secrets(again.output)["admin"]) is not None


def test_serve_gives_slow_starting_workers_time_before_uvicorn_replaces_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With uvicorn's 5 s default, workers still importing on a busy machine were killed in a loop.
    import logging

    import uvicorn.supervisors

    # uvicorn.Config configures logging at once: the "service" logger would keep a handler on this test's
    # captured stderr, closed once the test ends, and later CLI tests would print its logging errors.
    service_logger = logging.getLogger("service")
    for attribute in ("handlers", "level", "propagate"):
        monkeypatch.setattr(service_logger, attribute, getattr(service_logger, attribute))
    monkeypatch.setattr(service_logger, "handlers", [])

    from service.cli.database import WORKER_HEALTHCHECK_SECONDS

    url = f"sqlite:///{tmp_path / 'bmm.db'}"
    assert runner.invoke(app, ["init", "--db", url]).exit_code == 0
    supervised: list[uvicorn.Config] = []

    class Supervisor:
        def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
            supervised.append(config)
            for bound in sockets:
                bound.close()

        def run(self) -> None:
            pass

    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", Supervisor)
    result = runner.invoke(app, ["serve", "--db", url, "--port", str(_free_port()), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert [config.workers for config in supervised] == [2]
    assert supervised[0].timeout_worker_healthcheck == WORKER_HEALTHCHECK_SECONDS >= 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_shows_the_service_info_lines_beside_uvicorns() -> None:
    # Index loads and compactions are how an operator sees a worker reloading; without a handler for
    # "service" they never reached the serve log (found while chasing the load tail of issue 15). In a
    # process of its own: dictConfig shuts down every existing handler, pytest's too.
    script = (
        "import logging, logging.config\n"
        "from service.cli.database import service_log_config\n"
        "logging.config.dictConfig(service_log_config())\n"
        "logging.getLogger('service.live').info('index at revision %d', 7)\n"
        "logging.getLogger('service.live').debug('not shown')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert "index at revision 7" in done.stderr
    assert "not shown" not in done.stderr
