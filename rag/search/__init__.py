"""Search: hybrid retrieval over an index snapshot."""
