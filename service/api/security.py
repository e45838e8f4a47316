"""FastAPI dependencies for API keys (header ``X-API-Key``) and roles.

The key store is read from ``request.app.state.api_keys`` (a :class:`service.auth.CachedApiKeys`: a verified
key is believed for ``BMM_API_KEY_CACHE_SECONDS`` without a query).
A missing, wrong or revoked key is 401; a valid key of another role is 403. Wrong keys are throttled per
client address (``request.app.state.auth_throttle``, :mod:`service.api.throttle`): 429 with ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from service.api.throttle import FailedAuthThrottle
from service.auth import MAX_SECRET_CHARS, CachedApiKeys, Principal, Role, hash_secret

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="API-Schlüssel, erzeugt mit 'bmm keys create' / API key created with 'bmm keys create'",
)

_CHALLENGE = {"WWW-Authenticate": "ApiKey"}


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail=detail, headers=_CHALLENGE)


def get_api_keys(request: Request) -> CachedApiKeys:
    keys: CachedApiKeys = request.app.state.api_keys
    return keys


ApiKeysDep = Annotated[CachedApiKeys, Depends(get_api_keys)]


ApiKeyHeader = Annotated[str | None, Security(api_key_header)]


async def get_principal(request: Request, key: ApiKeyHeader) -> Principal | None:
    """The caller's principal; None without a key, 401 for a wrong or revoked key, 429 while the client
    address is throttled for too many wrong keys (a key seen valid before is never held up). A dependency that
    needs nothing else from FastAPI may take the key header itself and call this directly (one level fewer
    for FastAPI to solve, see ``service.api.deps.get_asking``)."""
    if not key:
        return None
    throttle: FailedAuthThrottle = request.app.state.auth_throttle
    address = request.client.host if request.client else "unknown"
    key_hash = hash_secret(key[:MAX_SECRET_CHARS])
    wait = throttle.retry_after(address, key_hash)
    if wait is not None:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Zu viele ungültige API-Schlüssel von dieser Adresse; bitte in {wait} s erneut. "
            "/ Too many invalid API keys from this address.",
            headers={"Retry-After": str(wait)},
        )
    keys = get_api_keys(request)
    # A key verified within the cache's lifetime costs no query and no thread hop; else the store is asked
    # in the thread pool, never on the event loop.
    # The throttle's hash is the cache's key too, hashed once; but only for a key of at most MAX_SECRET_CHARS (no
    # longer one is valid, and its first MAX_SECRET_CHARS may be a valid key's).
    cached = keys.verified(key_hash) if len(key) <= MAX_SECRET_CHARS else None
    principal = cached or await run_in_threadpool(keys.authenticate, key)
    if principal is None:
        throttle.failed(address)
        raise _unauthorised("Ungültiger oder widerrufener API-Schlüssel. / Invalid or revoked API key.")
    throttle.succeeded(key_hash)
    return principal


OptionalPrincipalDep = Annotated[Principal | None, Depends(get_principal)]


async def require_principal(principal: OptionalPrincipalDep) -> Principal:
    """The caller's principal; 401 without a valid key."""
    if principal is None:
        raise _unauthorised("API-Schlüssel fehlt (Header X-API-Key). / API key missing (header X-API-Key).")
    return principal


PrincipalDep = Annotated[Principal, Depends(require_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only ``roles`` (admin is always admitted); 401 without key, 403 otherwise.

    Use as ``principal: Annotated[Principal, Depends(require_roles(Role.PLANNER))]``.
    """
    allowed = frozenset({Role.ADMIN, *roles})

    async def dependency(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=(
                    f"Die Rolle '{principal.role}' darf das nicht; erlaubt: {', '.join(sorted(allowed))}. "
                    f"/ Role '{principal.role}' is not permitted here."
                ),
            )
        return principal

    return dependency
