"""Browser tests of the web app (docs/web.md)."""
