"""Storage behind a small repository interface; the matching library never imports it."""
