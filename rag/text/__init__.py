"""Text primitives shared by ingestion and indexing: offset-mapped strings, OCR text repairs, analyzers."""
