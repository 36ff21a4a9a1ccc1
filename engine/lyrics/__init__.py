"""The lyrics room of the engine."""
