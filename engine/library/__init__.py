"""The library room of the engine."""
