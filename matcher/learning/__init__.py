"""Learning from advisors' feedback: an explainable re-ranker (issue 16, models/LEARNING.md).

Pure: impressions and judgements in, per item x segment adjustments out (``fitting``), evaluated on a
time-ordered held-out split (``evaluation``), applied as one more additive reason (``applying``).
"""
