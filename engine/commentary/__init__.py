"""The commentary room of the engine."""
