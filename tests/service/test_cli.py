from __future__ import annotations

from pathlib import Path

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
    assert "nothing generated" in skipped.output
    assert repository.count() == 700
    again = runner.invoke(app, ["demo", "--db", url, "--size", "650"])
    assert again.exit_code == 0, again.output
    assert repository.count() == 650


def test_demo_rejects_a_size_below_the_public_bodies(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--db", f"sqlite:///{tmp_path / 'd.db'}", "--size", "10"])
    assert result.exit_code == 2
    assert "--size" in result.output


def test_fit_and_evaluate_write_the_model_card(tmp_path: Path) -> None:
    import json

    fitted = runner.invoke(app, ["fit", "--size", "800", "--seed", "2", "--out", str(tmp_path)])
    assert fitted.exit_code == 0, fitted.output
    card = json.loads((tmp_path / "model_card.json").read_text(encoding="utf-8"))
    assert card["training_size"] == 800
    assert card["evaluation"] is None
    evaluated = runner.invoke(app, ["evaluate", "--size", "1000", "--groups", "5", "--models", str(tmp_path)])
    assert evaluated.exit_code == 0, evaluated.output
    card = json.loads((tmp_path / "model_card.json").read_text(encoding="utf-8"))
    assert "expert cases passed" in card["evaluation"]
    assert "precision@3" in (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")


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
    assert not row.endswith("-")  # the revocation time is shown

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
