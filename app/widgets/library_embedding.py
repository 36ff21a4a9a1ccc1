"""The playlist builder's embedding controls: which embedding, "more like B" steering, the
same-cluster rule.

The embedding choice is the Library setting ``library/embedding`` (saved as soon as it changes;
``segue playlist`` reads the same setting). :meth:`EmbeddingControls.values` gives the
:class:`~engine.library.playlists.build.PlaylistRules` fields these controls set.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QWidget,
)

CHOICES = (  # engine/library/embeddings/choices.py OPTIONS, in that order
    ("features", "Features (autoencoder)"),
    ("spectrogram", "Spectrogram (VAE)"),
    ("combined", "Features + spectrogram"),
    ("tagger", "Tagger (musicnn)"),
    ("tagger+features", "Tagger + features"),
    ("tagger+combined", "Tagger + features + spectrogram"),
)


class EmbeddingControls(QGroupBox):
    """Embedding combo (persisted), "but more like" track and strength, "stay in the cluster"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Similarity", parent)
        from app import settings

        self.embedding = QComboBox()
        for key, label in CHOICES:
            self.embedding.addItem(label, key)
        self.embedding.setToolTip("Which vectors neighbours are found in (a Library setting).")
        from engine.library.embeddings.choices import DEFAULT

        saved = settings.Settings().get(settings.LIBRARY_EMBEDDING)
        index = self.embedding.findData(saved)
        self.embedding.setCurrentIndex(index if index >= 0 else self.embedding.findData(DEFAULT))
        self.more_like = QLineEdit(placeholderText="a title, \"artist - title\" or an id")
        self.more_like.setClearButtonEnabled(True)
        self.more_like.setToolTip("Like the first seed, but more like this track: every query "
                                  "moves by strength × (this track − the first seed).")
        self.alpha = QDoubleSpinBox(minimum=-2.0, maximum=2.0, value=0.5, singleStep=0.1,
                                    decimals=2)
        self.alpha.setEnabled(False)
        self.same_cluster = QCheckBox("Stay within the seed's cluster")
        self.same_cluster.setToolTip("Only tracks of the seeds' k-means clusters (as the map's "
                                     "\"cluster\" colouring groups them).")
        form = QFormLayout(self)
        form.addRow("Embedding", self.embedding)
        form.addRow("But more like", self.more_like)
        form.addRow("Strength", self.alpha)
        form.addRow(self.same_cluster)
        self.embedding.currentIndexChanged.connect(self._save)
        self.more_like.textChanged.connect(lambda text: self.alpha.setEnabled(bool(text.strip())))

    def _save(self) -> None:
        from app import settings

        store = settings.Settings()
        store.set(settings.LIBRARY_EMBEDDING, self.current_embedding())
        store.sync()

    def current_embedding(self) -> str:
        """The chosen embedding's key (an option of ``engine/library/embeddings/choices.py``)."""
        return str(self.embedding.currentData())

    def values(self) -> dict[str, object]:
        """The playlist-rule fields these controls set."""
        target = self.more_like.text().strip()
        return {"embedding": self.current_embedding(), "steer_from": None,
                "steer_to": target or None, "steer_alpha": float(self.alpha.value()),
                "same_cluster": self.same_cluster.isChecked()}
