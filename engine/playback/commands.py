"""`segue` subcommands of the playback room (placeholder until its issue fills it)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, eval_sub: argparse._SubParsersAction) -> None:
    """Add this room's subcommands to `segue` and its entries to `segue eval`."""
