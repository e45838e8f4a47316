"""FastAPI dependencies for API keys (header ``X-API-Key``) and roles.

The key store is read from ``request.app.state.api_keys`` (an :class:`service.auth.ApiKeyRepository`).
A missing, wrong or revoked key is 401; a valid key of another role is 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader

from service.auth import ApiKeyRepository, Principal, Role

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="API-Schlüssel, erzeugt mit 'bmm keys create' / API key created with 'bmm keys create'",
)

_CHALLENGE = {"WWW-Authenticate": "ApiKey"}


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail=detail, headers=_CHALLENGE)


def get_api_keys(request: Request) -> ApiKeyRepository:
    keys: ApiKeyRepository = request.app.state.api_keys
    return keys


def get_principal(request: Request, key: Annotated[str | None, Security(api_key_header)]) -> Principal | None:
    """The caller's principal; None without a key, 401 for a wrong or revoked key."""
    if not key:
        return None
    principal = get_api_keys(request).authenticate(key)
    if principal is None:
        raise _unauthorised("Ungültiger oder widerrufener API-Schlüssel. / Invalid or revoked API key.")
    return principal


OptionalPrincipalDep = Annotated[Principal | None, Depends(get_principal)]


def require_principal(principal: OptionalPrincipalDep) -> Principal:
    """The caller's principal; 401 without a valid key."""
    if principal is None:
        raise _unauthorised("API-Schlüssel fehlt (Header X-API-Key). / API key missing (header X-API-Key).")
    return principal


PrincipalDep = Annotated[Principal, Depends(require_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting only ``roles`` (admin is always admitted); 401 without key, 403 otherwise.

    Use as ``principal: Annotated[Principal, Depends(require_roles(Role.PLANNER))]``.
    """
    allowed = frozenset({Role.ADMIN, *roles})

    def dependency(principal: PrincipalDep) -> Principal:
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
