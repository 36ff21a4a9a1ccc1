"""Segue's engine: everything that is not GUI. Never imports Qt; usable from the CLI and tests."""

__version__ = "0.1.0"
