"""The playlist builder: seeds, rules, the result list and its export button.

It only gathers choices: ``build_requested(rules, path_mode)``, ``save_requested()`` and
``export_requested()`` are handled by the Library panel, which runs the engine work through the job runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.widgets.library_embedding import EmbeddingControls
from app.widgets.popup_clicks import pass_clicks_through

if TYPE_CHECKING:  # pragma: no cover - these modules load SQLAlchemy
    from engine.library.playlists.build import PlaylistRules
    from engine.library.playlists.items import PlaylistItem
    from engine.library.service import TrackRow


class PlaylistBuilder(QWidget):
    """Rule controls, a Build button, the resulting playlist and Export…."""

    build_requested = Signal(object, bool)
    export_requested = Signal()
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.seeds: list[TrackRow] = []
        self.items: list[PlaylistItem] = []
        self.seed_label = QLabel("Seeds: select tracks in the table.")
        self.seed_label.setWordWrap(True)
        self.length = QSpinBox(minimum=2, maximum=1000, value=10)
        self.minutes = QDoubleSpinBox(minimum=0, maximum=1440, value=0, decimals=0)
        self.minutes.setSpecialValueText("off (use the count)")
        self.no_repeat_artist = QSpinBox(minimum=0, maximum=100, value=0)
        self.no_repeat_artist.setSpecialValueText("off")
        self.no_repeat_album = QSpinBox(minimum=0, maximum=100, value=0)
        self.no_repeat_album.setSpecialValueText("off")
        self.tempo_jump = QDoubleSpinBox(minimum=0, maximum=200, value=0, decimals=0, suffix=" BPM")
        self.tempo_jump.setSpecialValueText("off")
        self.include_seeds = QCheckBox("Start with the seeds")
        self.dedupe = QCheckBox("Skip the same song on other albums, and the same audio",
                                checked=True)
        self.non_music = QCheckBox("Include speech, sound effects and field recordings")
        self.tags = QLineEdit(placeholderText="any tag, e.g. jazz, chill")
        self.tags.setClearButtonEnabled(True)
        self.tags.setToolTip("Only tracks the music tagger tagged with one of these (comma-"
                             "separated; the table's Tags column shows each track's).")
        self.tag_words = QStringListModel(self)
        completer = QCompleter(self.tag_words, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.tags.setCompleter(completer)
        pass_clicks_through(completer)
        self.path_mode = QCheckBox("Walk from the first seed to the second")
        self.similarity = EmbeddingControls()  # embedding, "more like" steering, cluster rule
        self.build_button = QPushButton("Build playlist")
        self.build_button.setEnabled(False)
        self.result = QListWidget()
        self.export_button = QPushButton("Export…")
        self.export_button.setEnabled(False)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Keep it in the library (the Saved tab)")
        self.save_button.setEnabled(False)

        form = QFormLayout()
        form.addRow("Tracks", self.length)
        form.addRow("Or minutes", self.minutes)
        form.addRow("No repeat of artist within", self.no_repeat_artist)
        form.addRow("No repeat of album within", self.no_repeat_album)
        form.addRow("Max tempo jump", self.tempo_jump)
        form.addRow("Tag", self.tags)
        layout = QVBoxLayout(self)
        layout.addWidget(self.seed_label)
        layout.addLayout(form)
        for box in (self.include_seeds, self.dedupe, self.non_music, self.path_mode):
            layout.addWidget(box)
        layout.addWidget(self.similarity)
        layout.addWidget(self.build_button)
        layout.addWidget(self.result, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)

        self.build_button.clicked.connect(self._request)
        self.export_button.clicked.connect(self.export_requested)
        self.save_button.clicked.connect(self.save_requested)
        self.path_mode.toggled.connect(self._refresh_seed_state)

    def rules(self) -> PlaylistRules:
        """The rules as set in the controls."""
        from engine.library.playlists.build import PlaylistRules  # loaded by the library's first jobs

        minutes = self.minutes.value()
        return PlaylistRules(
            length=None if minutes > 0 else self.length.value(),
            max_duration=minutes * 60.0 if minutes > 0 else None,
            no_repeat_artist=self.no_repeat_artist.value(),
            no_repeat_album=self.no_repeat_album.value(),
            dedupe_songs=self.dedupe.isChecked(),
            max_tempo_jump=self.tempo_jump.value() or None,
            include_seeds=self.include_seeds.isChecked(),
            include_non_music=self.non_music.isChecked(),
            tags=self.chosen_tags(),
            **self.similarity.values(),
        )

    def chosen_tags(self) -> tuple[str, ...]:
        """The tags typed in the Tag filter (comma-separated), without blanks."""
        return tuple(t.strip() for t in self.tags.text().split(",") if t.strip())

    def set_known_tags(self, tags: list[str]) -> None:
        """Offer these tags (the library's) as completions of the Tag filter."""
        self.tag_words.setStringList(sorted(set(tags), key=str.casefold))

    def set_seeds(self, seeds: list[TrackRow]) -> None:
        """Use these analysed tracks as seeds."""
        self.seeds = [s for s in seeds if s.status == "analysed"]
        names = ", ".join(s.title or s.path for s in self.seeds[:4])
        more = f" and {len(self.seeds) - 4} more" if len(self.seeds) > 4 else ""
        self.seed_label.setText(f"Seeds: {names}{more}" if self.seeds else
                                "Seeds: select analysed tracks in the table.")
        self._refresh_seed_state()

    def _refresh_seed_state(self) -> None:
        needed = 2 if self.path_mode.isChecked() else 1
        self.build_button.setEnabled(len(self.seeds) >= needed)

    def _request(self) -> None:
        self.build_requested.emit(self.rules(), self.path_mode.isChecked())

    def show_items(self, items: list[PlaylistItem]) -> None:
        """Show a built playlist."""
        self.items = list(items)
        self.result.clear()
        for position, item in enumerate(self.items, 1):
            label = " - ".join(x for x in (item.artist, item.title) if x)
            self.result.addItem(f"{position}. {label}  ({item.distance:.2f})")
        self.export_button.setEnabled(bool(self.items))
        self.save_button.setEnabled(bool(self.items))
