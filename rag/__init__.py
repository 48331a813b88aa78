"""Chinese semantic question answering over OCR'd newspaper pages, with citations to the exact span."""

__version__ = "0.1.0"
