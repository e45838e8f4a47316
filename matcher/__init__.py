"""bmm-match matching library: pure functions and plain objects, no web, no database."""

__version__ = "0.1.0"
