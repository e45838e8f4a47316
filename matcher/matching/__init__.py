"""The four recommenders for one organisation: peers, measures, funding, advisors, and the neighbourhood signal."""
