"""Ingestion: read files, repair OCR page layout into articles, chunk them."""
