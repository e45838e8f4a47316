"""Errors for bad input: each names the offending field and says in German what is allowed."""

from __future__ import annotations


class InputError(ValueError):
    """A client-supplied value that the library cannot accept."""

    def __init__(self, field: str, message: str, code: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code


class LocationError(InputError):
    """A location that is not a place in Germany or contradicts itself."""
