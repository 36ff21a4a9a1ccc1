"""A tag line edit that completes the last comma-separated tag from the commentary vocabulary."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget


class TagEdit(QLineEdit):
    """Comma-separated tags; the completer offers vocabulary tags for the tag being typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("rock, energetic, electric guitar  (empty: unconditioned)")
        self._model = QStringListModel(self)
        self.completer_ = QCompleter(self._model, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer_.setWidget(self)
        self.completer_.activated.connect(self.insert_completion)
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

    def _update_prefix(self, _text: str) -> None:
        fragment = self.current_fragment()
        if len(fragment) < 1:
            self.completer_.popup().hide()
            return
        self.completer_.setCompletionPrefix(fragment)
        if self.completer_.completionCount():
            self.completer_.complete()

    def insert_completion(self, tag: str) -> None:
        """Replace the fragment being typed by ``tag`` and start the next one."""
        parts = [p.strip() for p in self.text().split(",")[:-1] if p.strip()]
        self.setText(", ".join(parts + [tag]) + ", ")

    def tags(self) -> list[str]:
        """The typed tags."""
        return [p.strip() for p in self.text().split(",") if p.strip()]
