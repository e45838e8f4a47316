"""Planning and advising: leads for advisors, the consultation brief, spatial clusters for planners."""
