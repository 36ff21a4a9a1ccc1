"""How each typed tag was understood, shown under the tag field of the Commentary panel.

One line per typed tag, from the engine's ``Understanding`` (as a dict): known tags plainly,
mapped ones with what they stand for ("slow → slow tempo", "bebop → near jazz (0.71)"), tags with
no match in red with the nearest known tags.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

MARK = {"known": "✓", "variant": "≈", "contained": "→", "parts": "→", "related": "~",
        "spelling": "✎", "unknown": "?"}


class UnderstoodView(QLabel):
    """A rich-text label listing each typed tag's understanding."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.items: list[dict[str, Any]] = []

    def show_items(self, items: list[dict[str, Any]]) -> None:
        """Show the understanding of each typed tag (``[]`` clears the view)."""
        self.items = list(items)
        if not items:
            self.setText("")
            return
        parts = []
        for item in items:
            mark = MARK.get(item.get("status", ""), "·")
            text = escape(item.get("note") or item.get("typed", ""))
            if item.get("status") == "unknown":
                parts.append(f'<span style="color:#b00020">{mark} {text}</span>')
            else:
                parts.append(f"{mark} {text}")
        self.setText("Understood as: " + " &nbsp;·&nbsp; ".join(parts))

    def unknown(self) -> list[str]:
        """The typed tags that were not understood."""
        return [i["typed"] for i in self.items if i.get("status") == "unknown"]
