"""Qt models over core data: the lazy table preview (and, next, the mapping model)."""
