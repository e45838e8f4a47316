"""bmm keys create, list and revoke."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from service.cli import app
from service.storage.database import make_engine
from tests.service.conftest import OrganisationFactory

runner = CliRunner()


def test_keys_create_prints_the_secret_last_and_it_authenticates(tmp_path: Path) -> None:
    from service.auth import Principal, Role, SqlApiKeyRepository

    url = f"sqlite:///{tmp_path / 'keys.db'}"  # a new database: create migrates it first
    result = runner.invoke(
        app, ["keys", "create", "--role", "advisor", "--subject", "ihk_dortmund", "--label", "IHK", "--db", url]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) > 1  # an explanation comes first
    secret = lines[-1]
    assert secret.startswith("bmm_")
    keys = SqlApiKeyRepository(make_engine(url))
    (key,) = keys.list()
    assert keys.authenticate(secret) == Principal(key_id=key.id, role=Role.ADVISOR, subject="ihk_dortmund")
    assert key.id in result.output
    assert key.label == "IHK"


def test_keys_list_shows_keys_without_secrets_and_revoke_disables_them(tmp_path: Path) -> None:
    from service.auth import SqlApiKeyRepository

    url = f"sqlite:///{tmp_path / 'keys.db'}"
    empty = runner.invoke(app, ["keys", "list", "--db", url])
    assert empty.exit_code == 1  # no schema yet: says how to create it
    assert "bmm init" in empty.output
    created = runner.invoke(app, ["keys", "create", "--role", "planner", "--subject", "DE-NW", "--db", url])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    keys = SqlApiKeyRepository(make_engine(url))
    (key,) = keys.list()

    listed = runner.invoke(app, ["keys", "list", "--db", url])
    assert listed.exit_code == 0, listed.output
    assert key.id in listed.output
    assert "planner" in listed.output
    assert "DE-NW" in listed.output
    assert secret not in listed.output
    assert secret[4:] not in listed.output

    revoked = runner.invoke(app, ["keys", "revoke", key.id, "--db", url])
    assert revoked.exit_code == 0, revoked.output
    assert keys.authenticate(secret) is None
    assert "widerrufen" in revoked.output
    row = next(line for line in runner.invoke(app, ["keys", "list", "--db", url]).output.splitlines() if key.id in line)
    assert "von Hand widerrufen am 20" in row  # why and when

    unknown = runner.invoke(app, ["keys", "revoke", "key-000000000000", "--db", url])
    assert unknown.exit_code == 1
    assert "key-000000000000" in unknown.output


def test_keys_create_rejects_a_bad_role_or_subject_with_the_allowed_values(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    bad_role = runner.invoke(app, ["keys", "create", "--role", "boss", "--db", url])
    assert bad_role.exit_code == 2
    assert "--role" in bad_role.output
    assert "planner" in bad_role.output
    bad_subject = runner.invoke(app, ["keys", "create", "--role", "planner", "--subject", "DE-BY", "--db", url])
    assert bad_subject.exit_code == 2
    assert "--subject" in bad_subject.output
    assert "DE-NW" in bad_subject.output
    admin_with_subject = runner.invoke(app, ["keys", "create", "--role", "admin", "--subject", "x", "--db", url])
    assert admin_with_subject.exit_code == 2
    assert not (tmp_path / "keys.db").exists()  # nothing created on a refused request


def test_keys_list_says_which_keys_a_deleted_organisation_took_with_it(
    tmp_path: Path, make_organisation: OrganisationFactory
) -> None:
    from service.storage.sql_repository import SqlOrganisationRepository

    url = f"sqlite:///{tmp_path / 'keys.db'}"
    created = runner.invoke(app, ["keys", "create", "--role", "organisation", "--subject", "org-x", "--db", url])
    assert created.exit_code == 0, created.output
    repository = SqlOrganisationRepository(make_engine(url))
    repository.add_many([make_organisation(id="org-x")])
    assert "Organisation gelöscht" not in runner.invoke(app, ["keys", "list", "--db", url]).output
    assert repository.delete("org-x")
    listed = runner.invoke(app, ["keys", "list", "--db", url])
    row = next(line for line in listed.output.splitlines() if "org-x" in line)
    assert "Organisation gelöscht am 20" in row
