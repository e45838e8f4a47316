"""API keys: roles, the principal behind a key, and the key store.

A key is a random secret (``bmm_`` + 32 URL-safe characters) shown once at creation. Only its sha256
is stored, so a leaked database reveals no usable key. Secrets are never logged. An organisation's keys
live no longer than the organisation: deleting it revokes them in the same transaction
(:func:`revoke_organisation_keys`), so a later organisation with the same id does not inherit them.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from cachetools import TTLCache
from sqlalchemy import Connection, Engine, select, update

from matcher.models import ORGANISATION_ID_PATTERN
from matcher.vocabulary import STATE_BY_LAND_CODE
from service.storage.tables import api_keys

if TYPE_CHECKING:  # kept out of the import path of the command line (pandas)
    from matcher.catalog import Catalog
    from matcher.reference import ReferenceData

logger = logging.getLogger(__name__)

SECRET_PREFIX = "bmm_"
MAX_SECRET_CHARS = 200  # no valid key is longer (refused unhashed); the throttle hashes only this much
MAX_CACHED_KEYS = 10_000  # verified keys believed without a query (CachedApiKeys); memory stays bounded
PLANNER_STATES = ("DE-NW", "DE-BW")


class Role(StrEnum):
    ADMIN = "admin"  # everything; no subject
    ADVISOR = "advisor"  # subject: an advisor id of the catalogue
    PLANNER = "planner"  # subject: DE-NW, DE-BW or a Kreis code of NRW/BW
    ORGANISATION = "organisation"  # subject: an organisation id


class RevocationReason(StrEnum):
    MANUAL = "manual"  # bmm keys revoke
    ORGANISATION_DELETED = "organisation_deleted"  # the organisation the key belonged to was deleted


REVOCATION_LABELS = {
    RevocationReason.MANUAL: "von Hand widerrufen",
    RevocationReason.ORGANISATION_DELETED: "Organisation gelöscht",
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, its role and the subject the role is bound to (None for admin)."""

    key_id: str
    role: Role
    subject: str | None


@dataclass(frozen=True)
class ApiKeyInfo:
    """A stored key as listed: never the secret nor its hash."""

    id: str
    role: Role
    subject: str | None
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    revoked_reason: RevocationReason | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def revocation_de(self) -> str:
        """'-' for a valid key, else why and when in German: 'Organisation gelöscht am 2026-12-06 16:40'."""
        if self.revoked_at is None:
            return "-"
        reason = REVOCATION_LABELS[self.revoked_reason or RevocationReason.MANUAL]
        return f"{reason} am {self.revoked_at:%Y-%m-%d %H:%M}"


class InvalidSubjectError(ValueError):
    """The subject does not fit the role; the message names the field and the allowed values."""


@dataclass(frozen=True)
class SubjectRules:
    """The subjects each role may be bound to, taken from the reference data."""

    advisor_ids: frozenset[str]
    kreis_codes: frozenset[str]  # Kreise of NRW and Baden-Württemberg

    @classmethod
    def build(cls, catalog: Catalog, kreis_codes: Iterable[str]) -> SubjectRules:
        """Rules for ``catalog``'s advisors and those of ``kreis_codes`` lying in NRW or BW."""
        planner_kreise = frozenset(
            code for code in kreis_codes if STATE_BY_LAND_CODE.get(code[:2]) in PLANNER_STATES and len(code) == 5
        )
        return cls(advisor_ids=frozenset(catalog.advisors), kreis_codes=planner_kreise)

    @classmethod
    def from_reference(cls, reference: ReferenceData) -> SubjectRules:
        return cls.build(reference.catalog, (str(code) for code in reference.geo.kreise["kreis_code"]))

    def check(self, role: Role, subject: str | None) -> str | None:
        """The normalised subject for ``role``, or :class:`InvalidSubjectError`.

        An organisation subject only has to be a well-formed organisation id: the organisation need
        not exist yet, so a key can be handed out before its profile is stored.
        """
        subject = subject.strip() if subject is not None else None
        subject = subject or None
        if role is Role.ADMIN:
            if subject is not None:
                raise InvalidSubjectError(
                    "subject: die Rolle 'admin' gilt für alles und hat kein subject (leer lassen)."
                )
            return None
        if subject is None:
            raise InvalidSubjectError(f"subject: die Rolle '{role}' braucht ein subject ({_expected(role)}).")
        if role is Role.ADVISOR and subject not in self.advisor_ids:
            raise InvalidSubjectError(
                f"subject: '{subject}' ist keine Beratungsstelle des Katalogs; erlaubt sind: "
                + ", ".join(sorted(self.advisor_ids))
            )
        if role is Role.PLANNER and subject not in PLANNER_STATES and subject not in self.kreis_codes:
            raise InvalidSubjectError(
                f"subject: '{subject}' passt nicht zur Rolle 'planner'; erlaubt: {_expected(role)}."
            )
        if role is Role.ORGANISATION and not re.fullmatch(ORGANISATION_ID_PATTERN, subject):
            raise InvalidSubjectError(
                f"subject: '{subject}' ist keine gültige Organisations-id; erlaubt: {_expected(role)}."
            )
        return subject


def _expected(role: Role) -> str:
    return {
        Role.ADMIN: "kein subject",
        Role.ADVISOR: "die id einer Beratungsstelle des Katalogs, z. B. ihk_dortmund",
        Role.PLANNER: "DE-NW, DE-BW oder ein fünfstelliger Kreisschlüssel in NRW (05…) oder Baden-Württemberg (08…)",
        Role.ORGANISATION: "eine Organisations-id aus 1 bis 64 Zeichen A-Z, a-z, 0-9, '_', '.', '-'",
    }[role]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiKeyRepository(Protocol):
    """API keys. Every write is one transaction."""

    def create(
        self, role: Role, subject: str | None = None, *, rules: SubjectRules, label: str | None = None
    ) -> tuple[str, str]:
        """Store a new key and return ``(key_id, secret)``; the secret cannot be retrieved later."""
        ...

    def list(self) -> Sequence[ApiKeyInfo]: ...

    def revoke(self, key_id: str) -> bool:
        """Revoke a key; False if there is no such key. Revoking twice keeps the first time."""
        ...

    def authenticate(self, secret: str) -> Principal | None:
        """The principal of a valid, unrevoked key, else None."""
        ...


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def _info(row: Any) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row.id,
        role=Role(row.role),
        subject=row.subject,
        label=row.label,
        created_at=_aware(row.created_at),
        revoked_at=_aware(row.revoked_at) if row.revoked_at is not None else None,
        revoked_reason=RevocationReason(row.revoked_reason) if row.revoked_reason else None,
    )


def revoke_organisation_keys(connection: Connection, organisation_id: str) -> int:
    """Revoke every valid key of the organisation ``organisation_id`` inside the caller's transaction (the
    one that deletes it); the number revoked."""
    result = connection.execute(
        update(api_keys)
        .where(
            api_keys.c.role == Role.ORGANISATION.value,
            api_keys.c.subject == organisation_id,
            api_keys.c.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC), revoked_reason=RevocationReason.ORGANISATION_DELETED.value)
    )
    return result.rowcount


class SqlApiKeyRepository:
    """Implements :class:`ApiKeyRepository` on SQLAlchemy Core."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(
        self, role: Role, subject: str | None = None, *, rules: SubjectRules, label: str | None = None
    ) -> tuple[str, str]:
        role = Role(role)
        subject = rules.check(role, subject)
        key_id = "key-" + secrets.token_hex(6)
        secret = SECRET_PREFIX + secrets.token_urlsafe(24)  # 24 bytes -> 32 characters
        row = {
            "id": key_id,
            "key_hash": hash_secret(secret),
            "role": role.value,
            "subject": subject,
            "label": (label or "").strip() or None,
            "created_at": datetime.now(UTC),
            "revoked_at": None,
            "revoked_reason": None,
        }
        with self.engine.begin() as connection:
            connection.execute(api_keys.insert(), row)
        logger.info("API key %s created (role %s, subject %s)", key_id, role.value, subject)
        return key_id, secret

    def list(self) -> Sequence[ApiKeyInfo]:
        columns = [c for c in api_keys.c if c.name != "key_hash"]
        query = select(*columns).order_by(api_keys.c.created_at, api_keys.c.id)
        with self.engine.connect() as connection:
            return [_info(row) for row in connection.execute(query)]

    def revoke(self, key_id: str) -> bool:
        with self.engine.begin() as connection:
            exists = connection.execute(select(api_keys.c.id).where(api_keys.c.id == key_id)).first() is not None
            connection.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC), revoked_reason=RevocationReason.MANUAL.value)
            )
        if exists:
            logger.info("API key %s revoked", key_id)
        return exists

    def authenticate(self, secret: str) -> Principal | None:
        if not secret.startswith(SECRET_PREFIX) or len(secret) > MAX_SECRET_CHARS:
            return None
        query = select(api_keys.c.id, api_keys.c.role, api_keys.c.subject).where(
            api_keys.c.key_hash == hash_secret(secret), api_keys.c.revoked_at.is_(None)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return Principal(key_id=row.id, role=Role(row.role), subject=row.subject) if row else None


class CachedApiKeys:
    """An :class:`ApiKeyRepository` that believes a verified key for ``ttl`` seconds without asking the store
    again (an in-memory cache by the key's hash, bounded, per worker process): a cheap request then needs no
    query for its key. A revocation (``bmm keys revoke``, deleting the organisation) therefore reaches every
    worker within ``ttl`` seconds; in this process at once, where it went through :meth:`revoke` or
    :meth:`forget`. Wrong keys are never cached (the throttle in ``service/api/throttle.py`` slows them)."""

    def __init__(self, keys: ApiKeyRepository, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.keys = keys
        self.ttl = ttl
        self._verified: TTLCache[str, Principal] = TTLCache(maxsize=MAX_CACHED_KEYS, ttl=ttl, timer=clock)
        self._lock = threading.Lock()  # sync routes run in a thread pool

    def create(
        self, role: Role, subject: str | None = None, *, rules: SubjectRules, label: str | None = None
    ) -> tuple[str, str]:
        return self.keys.create(role, subject, rules=rules, label=label)

    def list(self) -> Sequence[ApiKeyInfo]:
        return self.keys.list()

    def revoke(self, key_id: str) -> bool:
        revoked = self.keys.revoke(key_id)
        self.forget()
        return revoked

    def forget(self) -> None:
        """Ask the store again for every key (after a revocation in this process)."""
        with self._lock:
            self._verified.clear()

    def cached(self, secret: str) -> Principal | None:
        """The principal of a key verified within the last ``ttl`` seconds, without asking the store."""
        return self.verified(hash_secret(secret))

    def verified(self, key_hash: str) -> Principal | None:
        """:meth:`cached` by the key's hash (``hash_secret``), for a caller that has worked it out already."""
        if self.ttl <= 0:
            return None
        with self._lock:
            return self._verified.get(key_hash)

    def authenticate(self, secret: str) -> Principal | None:
        principal = self.cached(secret)
        if principal is None:
            principal = self.keys.authenticate(secret)
            if principal is not None and self.ttl > 0:
                with self._lock:
                    self._verified[hash_secret(secret)] = principal
        return principal
