"""One reader per document format; `rag.ingest.readers.factory` picks one by the file's content."""
