"""Installed artists: the bundled ones in ``assets/models/lyrics`` and the user's in SEGUE_HOME.

:func:`list_artists` finds them, :func:`find_artist` resolves what a user typed ("burns",
"Emily Dickinson"), :func:`load` caches loaded models, and :func:`train_artist` turns the user's
lyric files into a new artist by fine-tuning the bundled base model (or training from scratch when
the text's alphabet is far from the base model's).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from engine.paths import assets_dir, models_dir

BUNDLED = {
    "robert_burns": "Robert Burns",
    "emily_dickinson": "Emily Dickinson",
    "isaac_watts": "Isaac Watts",
    "walt_whitman": "Walt Whitman",
    "william_shakespeare_sonnets": "William Shakespeare",
}
BASE_FILE = "base.pt"
MIN_BASE_COVERAGE = 0.97

_cache: dict[tuple[str, float], Any] = {}
_cache_lock = threading.Lock()


@dataclass
class ArtistInfo:
    """An installed artist model file and what it says about itself."""

    slug: str
    name: str
    path: Path
    bundled: bool
    metrics: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        metrics = {k: v for k, v in self.metrics.items() if k != "history"}
        return {"slug": self.slug, "name": self.name, "bundled": self.bundled,
                "path": str(self.path), "metrics": metrics}


def bundled_models_dir() -> Path:
    """Folder of the bundled artist models and the shared base model."""
    return assets_dir() / "models" / "lyrics"


def bundled_texts_dir() -> Path:
    """Folder of the bundled public-domain lyric texts."""
    return assets_dir() / "lyrics"


def user_models_dir() -> Path:
    """Folder of artists the user trained."""
    return models_dir() / "lyrics"


def slugify(name: str) -> str:
    """Turn a display name into a file-safe identifier."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug or "artist"


def _info(path: Path, bundled: bool) -> ArtistInfo | None:
    """Read an artist file's header (name, metrics); None if the file is unusable."""
    from engine.checkpoint import CheckpointError, load_checkpoint
    from engine.lyrics.model import FORMAT_VERSION, KIND

    try:
        ck = load_checkpoint(path, KIND, FORMAT_VERSION)
    except CheckpointError:
        return None
    name = str(ck.extra.get("name") or BUNDLED.get(path.stem, path.stem))
    metrics = {**ck.metrics, "origin": ck.extra.get("origin", "")}
    return ArtistInfo(slug=path.stem, name=name, path=path, bundled=bundled, metrics=metrics)


def list_artists() -> list[ArtistInfo]:
    """Installed artists: bundled first (in catalogue order), then the user's (by name)."""
    found: dict[str, ArtistInfo] = {}
    bundled = bundled_models_dir()
    for slug in BUNDLED:
        info = _info(bundled / f"{slug}.pt", True) if (bundled / f"{slug}.pt").exists() else None
        if info:
            found[slug] = info
    user = user_models_dir()
    if user.is_dir():
        for path in sorted(user.glob("*.pt")):
            info = _info(path, False)
            if info:
                found[path.stem] = info
    return list(found.values())


def find_artist(query: str, artists: list[ArtistInfo] | None = None) -> ArtistInfo:
    """Resolve a slug, a name or a unique part of one; raise LookupError listing the choices."""
    artists = list_artists() if artists is None else artists
    q = query.strip().lower()
    for info in artists:
        if q in (info.slug, info.name.lower(), slugify(info.name)):
            return info
    partial = [a for a in artists if q and (q in a.slug or q in a.name.lower())]
    if len(partial) == 1:
        return partial[0]
    names = ", ".join(a.name for a in artists) or "none installed"
    kind = "is ambiguous" if partial else "is not installed"
    raise LookupError(f"artist '{query}' {kind} (installed: {names})")


def load(info: ArtistInfo | str) -> Any:
    """Load (and cache) an artist's :class:`~engine.lyrics.model.ArtistModel`."""
    from engine.lyrics.model import load_artist

    if isinstance(info, str):
        info = find_artist(info)
    key = (str(info.path), info.path.stat().st_mtime)
    with _cache_lock:
        if key not in _cache:
            artist = load_artist(info.path)
            artist.name = info.name
            _cache[key] = artist
        return _cache[key]


def load_base() -> Any | None:
    """Load the bundled base model that new artists are fine-tuned from, if present."""
    from engine.lyrics.model import load_artist

    path = bundled_models_dir() / BASE_FILE
    return load_artist(path) if path.exists() else None


def train_artist(
    name: str,
    files: list[str | Path],
    minutes: float = 15.0,
    out_dir: Path | None = None,
    config: Any = None,
    model_config: Any = None,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
) -> ArtistInfo:
    """Train a new artist from lyric files (fine-tuning the base model) and install it.

    ``config`` overrides the training settings; ``model_config`` sets the sizes of a model trained
    from scratch (used when there is no base model or the text's alphabet is far from it).
    """
    import copy

    from engine.lyrics.corpus import load_corpus, songs_to_text, split_songs
    from engine.lyrics.model import CharLSTM, CharLSTMConfig
    from engine.lyrics.train import TrainConfig, train_model
    from engine.lyrics.vocab import Vocabulary

    if not name.strip():
        raise ValueError("the artist needs a name")
    corpus = load_corpus(files)
    train_songs, val_songs = split_songs(corpus.songs)
    train_text, val_text = songs_to_text(train_songs), songs_to_text(val_songs)
    progress(0.0, f"{name}: {corpus.summary()}")
    base = load_base()
    if base is not None and base.vocab.coverage(corpus.text()) >= MIN_BASE_COVERAGE:
        model, vocab, origin = copy.deepcopy(base.model), base.vocab, "fine-tuned from base"
        config = config or TrainConfig(lr=1e-3, max_minutes=minutes)
    else:
        vocab = Vocabulary.from_text(corpus.text(), min_count=2)
        model_config = model_config or CharLSTMConfig()
        model_config.vocab_size = len(vocab)
        model = CharLSTM(model_config)
        origin = "trained from scratch"
        config = config or TrainConfig(max_minutes=minutes)
    if config.max_minutes is None:
        config.max_minutes = minutes
    out = (out_dir or user_models_dir()) / f"{slugify(name)}.pt"
    from engine.lyrics.prosody import training_words

    words = training_words(train_text) | (set(base.words) if base is not None else set())
    artist = train_model(model, vocab, train_text, val_text, out, name, config,
                         extra={"origin": origin, "songs": corpus.song_count,
                                "words": " ".join(sorted(words))},
                         progress=progress, cancelled=cancelled)
    artist.metrics["origin"] = origin
    return ArtistInfo(slug=out.stem, name=name, path=out, bundled=False, metrics=artist.metrics)
