"""The German, map-based web app served by ``bmm serve`` (plain ES modules, no build step; docs/web.md)."""

from service.web.mount import mount_web

__all__ = ["mount_web"]
