"""Planted-truth evaluation of peers, measures, funding, advisors, leads and clusters."""
