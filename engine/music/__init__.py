"""The music room of the engine."""
