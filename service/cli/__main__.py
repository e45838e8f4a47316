"""``python -m service.cli`` runs the same command line as ``bmm``."""

from service.cli import main

main()
