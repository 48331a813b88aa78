"""HTTP service and chat widget for rag-zh."""
