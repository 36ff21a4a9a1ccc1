"""Installed artists: the bundled ones in ``assets/models/lyrics`` and the user's in SEGUE_HOME.

:func:`list_artists` finds them, :func:`find_artist` resolves what a user typed ("burns",
"Emily Dickinson"), :func:`load` caches loaded models, and :func:`train_artist` turns the user's
lyric files into a new artist by fine-tuning the bundled base model (or training from scratch when
the text's alphabet is far from the base model's).
"""

from __future__ import annotations

import hashlib
import math
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from engine.paths import assets_dir, models_dir
from engine.paths import check_name as check_file_name

BUNDLED = {
    "robert_burns": "Robert Burns",
    "emily_dickinson": "Emily Dickinson",
    "isaac_watts": "Isaac Watts",
    "walt_whitman": "Walt Whitman",
    "william_shakespeare_sonnets": "William Shakespeare",
}
BASE_FILE = "base.pt"
MAX_NAME_CHARS = 100
MAX_SLUG_BYTES = 80  # file names stay far below the 255-byte limit of common file systems
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
    """Turn a display name into a file-safe identifier that keeps its letters in any script.

    Letters, marks and digits stay (``Земфира`` → ``земфира``); every other run becomes ``_``.
    A name with no letters, or one longer than :data:`MAX_SLUG_BYTES` in UTF-8, gets a stable
    hash suffix so that distinct names keep distinct files.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    kept = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text)
    slug = "_".join(kept.split())
    digest = hashlib.sha256(name.strip().encode("utf-8", "surrogatepass")).hexdigest()[:10]
    if not slug:
        return f"artist_{digest}"
    if len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        short = slug.encode("utf-8")[:MAX_SLUG_BYTES - 11].decode("utf-8", "ignore").rstrip("_")
        return f"{short}_{digest}"
    return slug


def check_name(name: str) -> str:
    """Return the stripped display name, or raise ValueError if it is empty or too long."""
    clean = name.strip()
    if not clean:
        raise ValueError("the artist needs a name")
    if len(clean) > MAX_NAME_CHARS:
        raise ValueError(f"the artist name is too long ({len(clean)} characters; "
                         f"at most {MAX_NAME_CHARS})")
    if any(unicodedata.category(ch) == "Cc" for ch in clean):
        raise ValueError("the artist name holds control characters (e.g. a line break)")
    return clean


def _check_free(path: Path, name: str) -> None:
    """Refuse to overwrite another artist's model whose name slugs to the same file."""
    if not path.exists():
        return
    info = _info(path, False)
    if info is not None and info.name.strip().casefold() != name.casefold():
        raise ValueError(f"{path}: already holds the artist '{info.name}', whose name gives the "
                         f"same file name as '{name}'; choose another name")


def _info(path: Path, bundled: bool, problems: list[tuple[Path, str]] | None = None
          ) -> ArtistInfo | None:
    """Read an artist file's header (name, metrics); None if unusable (reason added to ``problems``).

    Only the header is read (no weights), and a file that would unpack to more than a model
    can is refused unread, so listing artists stays cheap whatever lies in the folder.
    """
    from engine.checkpoint import CheckpointError, load_checkpoint_header
    from engine.lyrics.model import FORMAT_VERSION, KIND

    try:
        ck = load_checkpoint_header(path, KIND, FORMAT_VERSION)
    except (CheckpointError, OSError) as exc:
        if problems is not None:
            problems.append((path, str(exc)))
        return None
    name = str(ck.extra.get("name") or BUNDLED.get(path.stem, path.stem))
    metrics = {**ck.metrics, "origin": ck.extra.get("origin", "")}
    return ArtistInfo(slug=path.stem, name=name, path=path, bundled=bundled, metrics=metrics)


def broken_artists() -> list[tuple[Path, str]]:
    """The user's artist files that cannot be loaded, with the reason (corrupt, foreign, old)."""
    problems: list[tuple[Path, str]] = []
    list_artists(problems)
    return problems


def list_artists(problems: list[tuple[Path, str]] | None = None) -> list[ArtistInfo]:
    """Installed artists: bundled first (in catalogue order), then the user's (by name).

    Unloadable files are left out; pass ``problems`` to collect them as (path, reason).
    """
    found: dict[str, ArtistInfo] = {}
    bundled = bundled_models_dir()
    for slug in BUNDLED:
        info = _info(bundled / f"{slug}.pt", True) if (bundled / f"{slug}.pt").exists() else None
        if info:
            found[slug] = info
    user = user_models_dir()
    if user.is_dir():
        for path in sorted(user.glob("*.pt")):
            info = _info(path, False, problems)
            if info:
                found[path.stem] = info
    return list(found.values())


def find_artist(query: str, artists: list[ArtistInfo] | None = None) -> ArtistInfo:
    """Resolve a slug, a name or a unique part of one; raise LookupError listing the choices.

    A query naming one of the user's unusable files (corrupt, too large) gets that file's problem.
    """
    problems: list[tuple[Path, str]] = []
    artists = list_artists(problems) if artists is None else artists
    q = query.strip().lower()
    for info in artists:
        if q in (info.slug, info.name.lower(), slugify(info.name)):
            return info
    partial = [a for a in artists if q and (q in a.slug or q in a.name.lower())]
    if len(partial) == 1:
        return partial[0]
    broken = [why for path, why in problems if path.stem in (q, slugify(query))]
    if broken and not partial:
        raise LookupError(f"artist '{query}' cannot be used: {broken[0]}")
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

    name = check_name(name)
    if not (isinstance(minutes, (int, float)) and math.isfinite(minutes) and minutes > 0):
        raise ValueError(f"the time budget must be a positive number of minutes, not {minutes!r}")
    out = (out_dir or user_models_dir()) / f"{check_file_name(slugify(name), 'artist')}.pt"
    _check_free(out, name)
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
    from engine.lyrics.prosody import training_words

    words = training_words(train_text) | (set(base.words) if base is not None else set())
    artist = train_model(model, vocab, train_text, val_text, out, name, config,
                         extra={"origin": origin, "songs": corpus.song_count,
                                "words": " ".join(sorted(words))},
                         progress=progress, cancelled=cancelled)
    artist.metrics["origin"] = origin
    return ArtistInfo(slug=out.stem, name=name, path=out, bundled=False, metrics=artist.metrics)
