"""Wohnstandortanalyse: staff home postcodes → distances, potentials and pooled, k-anonymous aggregates.

Pure functions on frozen dataclasses (no I/O): ``aggregation`` validates and counts uploads, ``anonymity``
holds the k rule, ``distances`` and ``potentials`` the geography, ``analysis`` and ``pooling`` the answers.
See docs/residences.md.
"""
