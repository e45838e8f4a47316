"""bmm-match service: HTTP API, storage, CLI and web, thin layers over :mod:`matcher`."""
