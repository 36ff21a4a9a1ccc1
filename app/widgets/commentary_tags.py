"""A tag line edit that completes the last comma-separated tag from the commentary vocabulary.

The completion popup is shown only while it has something to offer: a fragment with no match
hides it (an empty popup left open covered the Generate button and swallowed its first click).
A click outside an open popup closes it *and* reaches the button it was aimed at (Qt's popups
otherwise eat that click, so Generate needed two clicks after typing a tag).
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from app.widgets.popup_clicks import pass_clicks_through


class TagEdit(QLineEdit):
    """Comma-separated tags; the completer offers vocabulary tags for the tag being typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("rock, energetic, electric guitar  (any tags; empty: unconditioned)")
        self._model = QStringListModel(self)
        self.completer_ = QCompleter(self._model, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer_.setWidget(self)
        self.completer_.activated.connect(self.insert_completion)
        pass_clicks_through(self.completer_)
        self.textEdited.connect(self._update_prefix)

    def set_vocabulary(self, tags: list[str]) -> None:
        """Offer these tags for completion."""
        self._model.setStringList(sorted(tags))

    def vocabulary(self) -> list[str]:
        """The tags offered for completion."""
        return self._model.stringList()

    def current_fragment(self) -> str:
        """The tag being typed (after the last comma)."""
        return self.text().split(",")[-1].strip()

    def popup_visible(self) -> bool:
        """Whether the completion popup is showing."""
        return self.completer_.popup().isVisible()

    def _update_prefix(self, _text: str) -> None:
        fragment = self.current_fragment()
        if fragment:
            self.completer_.setCompletionPrefix(fragment)
        if fragment and self.completer_.completionCount():
            self.completer_.complete()
        else:
            self.completer_.popup().hide()  # never leave an empty popup over the panel

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        """Leaving the field (not for the popup itself) closes the popup."""
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.completer_.popup().hide()

    def insert_completion(self, tag: str) -> None:
        """Replace the fragment being typed by ``tag`` and start the next one."""
        parts = [p.strip() for p in self.text().split(",")[:-1] if p.strip()]
        self.setText(", ".join(parts + [tag]) + ", ")

    def tags(self) -> list[str]:
        """The typed tags."""
        return [p.strip() for p in self.text().split(",") if p.strip()]

    def set_tags(self, tags: list[str]) -> None:
        """Show ``tags`` as the typed text."""
        self.setText(", ".join(tags))
