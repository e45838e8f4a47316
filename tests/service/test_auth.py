from __future__ import annotations

import hashlib
import logging

import pytest
from sqlalchemy import Engine, select

from matcher.reference import ReferenceData
from service.auth import InvalidSubjectError, Principal, RevocationReason, Role, SqlApiKeyRepository, SubjectRules
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import api_keys
from tests.service.conftest import BOTH_BACKENDS, OrganisationFactory


@pytest.fixture(scope="session")
def rules(reference: ReferenceData) -> SubjectRules:
    return SubjectRules.from_reference(reference)


@pytest.fixture
def keys(engine: Engine) -> SqlApiKeyRepository:
    """The key store; its tests run on SQLite and PostgreSQL (BOTH_BACKENDS)."""
    return SqlApiKeyRepository(engine)


@BOTH_BACKENDS
def test_a_created_key_authenticates_as_its_role_and_subject(keys: SqlApiKeyRepository, rules: SubjectRules) -> None:
    key_id, secret = keys.create(Role.ADVISOR, "ihk_dortmund", rules=rules, label="IHK Dortmund, Frau M.")
    assert key_id.startswith("key-")
    assert len(key_id) == len("key-") + 12
    assert secret.startswith("bmm_")
    assert len(secret) == len("bmm_") + 32
    assert keys.authenticate(secret) == Principal(key_id=key_id, role=Role.ADVISOR, subject="ihk_dortmund")


@BOTH_BACKENDS
def test_wrong_or_malformed_secrets_do_not_authenticate(keys: SqlApiKeyRepository, rules: SubjectRules) -> None:
    _, secret = keys.create(Role.ADMIN, rules=rules)
    assert keys.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert keys.authenticate("") is None
    assert keys.authenticate("not-a-bmm-key") is None
    assert keys.authenticate(hashlib.sha256(secret.encode()).hexdigest()) is None  # the hash is no key


@BOTH_BACKENDS
def test_only_the_hash_of_the_secret_is_stored(
    engine: Engine, keys: SqlApiKeyRepository, rules: SubjectRules, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        _, secret = keys.create(Role.PLANNER, "DE-NW", rules=rules)
    with engine.connect() as connection:
        rows = [tuple(str(value) for value in row) for row in connection.execute(select(api_keys))]
    assert len(rows) == 1
    assert hashlib.sha256(secret.encode()).hexdigest() in rows[0]
    assert not any(secret in value for value in rows[0])
    assert secret not in caplog.text


@BOTH_BACKENDS
def test_keys_are_unique(keys: SqlApiKeyRepository, rules: SubjectRules) -> None:
    created = [keys.create(Role.ADMIN, rules=rules) for _ in range(20)]
    assert len({key_id for key_id, _ in created}) == len({secret for _, secret in created}) == 20


@BOTH_BACKENDS
def test_list_shows_metadata_but_never_secrets(keys: SqlApiKeyRepository, rules: SubjectRules) -> None:
    admin_id, admin_secret = keys.create(Role.ADMIN, rules=rules, label="Betrieb")
    org_id, _ = keys.create(Role.ORGANISATION, "org-1", rules=rules)
    listed = keys.list()
    assert [(k.id, k.role, k.subject, k.label, k.revoked) for k in listed] == [
        (admin_id, Role.ADMIN, None, "Betrieb", False),
        (org_id, Role.ORGANISATION, "org-1", None, False),
    ]
    assert all(k.created_at.tzinfo is not None for k in listed)
    assert admin_secret not in repr(listed)
    assert not hasattr(listed[0], "key_hash")


@BOTH_BACKENDS
def test_revoked_keys_fail_and_stay_listed(keys: SqlApiKeyRepository, rules: SubjectRules) -> None:
    key_id, secret = keys.create(Role.PLANNER, "05913", rules=rules)
    _, other_secret = keys.create(Role.PLANNER, "DE-BW", rules=rules)
    assert keys.revoke(key_id) is True
    assert keys.authenticate(secret) is None
    assert keys.authenticate(other_secret) is not None  # only that key
    (revoked,) = [k for k in keys.list() if k.id == key_id]
    assert revoked.revoked_at is not None
    assert revoked.revoked_reason is RevocationReason.MANUAL
    assert revoked.revocation_de().startswith("von Hand widerrufen am ")
    assert keys.revoke(key_id) is True  # idempotent, keeps the first time
    (again,) = [k for k in keys.list() if k.id == key_id]
    assert again.revoked_at == revoked.revoked_at
    assert keys.revoke("key-000000000000") is False


@BOTH_BACKENDS
def test_deleting_an_organisation_revokes_its_keys_and_only_its_keys(
    keys: SqlApiKeyRepository,
    rules: SubjectRules,
    repository: SqlOrganisationRepository,
    make_organisation: OrganisationFactory,
) -> None:
    repository.add_many([make_organisation(id="org-1"), make_organisation(id="org-2")])
    own_id, own = keys.create(Role.ORGANISATION, "org-1", rules=rules)
    _, other = keys.create(Role.ORGANISATION, "org-2", rules=rules)
    _, admin = keys.create(Role.ADMIN, rules=rules)
    assert repository.delete("org-1")
    assert keys.authenticate(own) is None
    assert keys.authenticate(other) is not None
    assert keys.authenticate(admin) is not None
    (revoked,) = [k for k in keys.list() if k.revoked]
    assert revoked.id == own_id
    assert revoked.revoked_reason is RevocationReason.ORGANISATION_DELETED
    assert revoked.revocation_de().startswith("Organisation gelöscht am ")
    repository.add_many([make_organisation(id="org-1")])  # the same id again: the old key stays revoked
    assert keys.authenticate(own) is None


@pytest.mark.parametrize(
    ("role", "subject", "stored"),
    [
        (Role.ADMIN, None, None),
        (Role.ADMIN, "  ", None),
        (Role.ADVISOR, "ihk_dortmund", "ihk_dortmund"),
        (Role.PLANNER, "DE-NW", "DE-NW"),
        (Role.PLANNER, "DE-BW", "DE-BW"),
        (Role.PLANNER, "05913", "05913"),  # Dortmund
        (Role.PLANNER, " 08111 ", "08111"),  # Stuttgart
        (Role.ORGANISATION, "not-yet-stored.org_1", "not-yet-stored.org_1"),
    ],
)
def test_valid_subjects(rules: SubjectRules, role: Role, subject: str | None, stored: str | None) -> None:
    assert rules.check(role, subject) == stored


@pytest.mark.parametrize(
    ("role", "subject", "message"),
    [
        (Role.ADMIN, "DE-NW", "kein subject"),
        (Role.ADVISOR, None, "ihk_dortmund"),
        (Role.ADVISOR, "ihk_nirgendwo", "ihk_dortmund"),  # the allowed ids are named
        (Role.PLANNER, None, "DE-NW, DE-BW"),
        (Role.PLANNER, "DE-BY", "DE-NW, DE-BW"),
        (Role.PLANNER, "09162", "Kreisschlüssel"),  # München: not NRW/BW
        (Role.PLANNER, "05999", "Kreisschlüssel"),  # no such Kreis
        (Role.PLANNER, "0591", "Kreisschlüssel"),
        (Role.ORGANISATION, None, "Organisations-id"),
        (Role.ORGANISATION, "mit leerzeichen", "Organisations-id"),
        (Role.ORGANISATION, "x" * 65, "Organisations-id"),
    ],
)
def test_invalid_subjects_are_refused_naming_the_field_and_allowed_values(
    keys: SqlApiKeyRepository, rules: SubjectRules, role: Role, subject: str | None, message: str
) -> None:
    with pytest.raises(InvalidSubjectError, match="subject") as raised:
        keys.create(role, subject, rules=rules)
    assert message in str(raised.value)
    assert keys.list() == []


def test_rules_cover_only_kreise_of_nrw_and_bw(rules: SubjectRules) -> None:
    assert rules.kreis_codes
    assert {code[:2] for code in rules.kreis_codes} == {"05", "08"}
    assert "ihk_dortmund" in rules.advisor_ids
