"""Errors every room raises for the user: one type, defined below every room so all import it downward."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is meant for the user as is (bad file, missing model, ...).

    The CLI prints it as one line (``segue: error: …``) and exits 2; the GUI shows it in its error box.
    """
