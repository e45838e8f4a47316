"""API routers (one per tag)."""
