"""Indexing: the document/chunk store, vector indexes and the builds that hold them."""
