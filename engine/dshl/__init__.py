"""The dshl room of the engine."""
