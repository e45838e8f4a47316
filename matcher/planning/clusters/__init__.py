"""Spatial clusters of employers sharing a problem: density search, description, joint measures, who is at the table."""
