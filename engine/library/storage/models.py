"""SQLAlchemy 2 tables of the library: tracks, features, embeddings, playlists, favourites, cache.

The schema here is the *head* of the Alembic migrations in ``engine/library/migrations``; a change
to these classes needs a new migration (``tests/engine/library/test_migrations.py`` checks both
agree).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine.library.storage import fspath

# Track.status values.
PENDING = "pending"  # discovered, waiting for analysis (a resumed scan picks these up)
ANALYSED = "analysed"
SKIPPED = "skipped"  # unreadable, not audio, too big...: ``skip_reason`` says why


class FsPath(TypeDecorator):
    """A file path as TEXT; names that are not UTF-8 round-trip (see :mod:`engine.library.storage.fspath`)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        """Python path → stored text."""
        return None if value is None else fspath.to_db(value)

    def process_result_value(self, value: str | None, dialect: object) -> str | None:
        """Stored text → Python path (``surrogateescape`` str)."""
        return None if value is None else fspath.from_db(value)


class Base(DeclarativeBase):
    """Declarative base of every library table."""


class Track(Base):
    """One audio file of the library, its tags and its scan state."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(FsPath, unique=True, index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    mtime: Mapped[float] = mapped_column(Float, default=0.0)
    content_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    skip_reason: Mapped[str] = mapped_column(Text, default="")
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    title: Mapped[str] = mapped_column(Text, default="")
    artist: Mapped[str] = mapped_column(Text, default="")
    album: Mapped[str] = mapped_column(Text, default="")
    genre: Mapped[str] = mapped_column(Text, default="")
    tempo: Mapped[float] = mapped_column(Float, default=0.0)
    music_score: Mapped[float] = mapped_column(Float, default=-1.0)  # analysis/nonmusic.py
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary, default=b"")  # Chromaprint, raw
    added_at: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    kind: Mapped[str] = mapped_column(String(8), default="")  # music/speech/other (analysis/kind.py)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)  # a bundled demo clip
    same_as: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the kept copy (scan/duplicates.py)


class Feature(Base):
    """The analysis vector of a track (float32 bytes) and the feature-set version that made it."""

    __tablename__ = "features"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Embedding(Base):
    """A track's position in the autoencoder's latent space; ``model`` names the fit that made it."""

    __tablename__ = "embeddings"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Playlist(Base):
    """A saved playlist: its name and the rules (JSON) it was built with."""

    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    rules_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[float] = mapped_column(Float, default=0.0)


class PlaylistEntry(Base):
    """One position of a playlist."""

    __tablename__ = "playlist_entries"

    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))


class Favourite(Base):
    """A commentary the user kept, optionally about a track."""

    __tablename__ = "favourites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[int | None] = mapped_column(
        ForeignKey("tracks.id", ondelete="SET NULL"), nullable=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float, default=0.0)


class SpotifyCache(Base):
    """A cached Spotify answer (e.g. ``artist:<name>`` → genres JSON); never holds credentials."""

    __tablename__ = "spotify_cache"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[float] = mapped_column(Float, default=0.0)


class TrackPatches(Base):
    """A few log-mel patches of a track (float16, ``n × mels × frames``) for the spectrogram VAE."""

    __tablename__ = "track_patches"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    patches: Mapped[bytes] = mapped_column(LargeBinary)


class SpectrogramEmbedding(Base):
    """A track's mean VAE latent over its patches; ``model`` names the VAE that made it."""

    __tablename__ = "spectrogram_embeddings"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class TrackLyrics(Base):
    """Lyrics found for a track (tags or a sidecar), their VADER sentiment and lyric embedding.

    Every analysed track has a row; ``has_lyrics`` false (text, sentiment and embedding NULL) is
    the mask of a track without lyrics, never a fake zero.
    """

    __tablename__ = "track_lyrics"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    has_lyrics: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(32), default="")  # "id3", "vorbis", "mp4", "lrc"...
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    compound: Mapped[float | None] = mapped_column(Float, nullable=True)
    positive: Mapped[float | None] = mapped_column(Float, nullable=True)
    negative: Mapped[float | None] = mapped_column(Float, nullable=True)
    neutral: Mapped[float | None] = mapped_column(Float, nullable=True)
    model: Mapped[str] = mapped_column(String(64), default="")  # the lyric autoencoder's fit
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class TrackTags(Base):
    """What the music tagger heard (engine/library/analysis/tagging.py); ``model`` empty: nothing.

    Every analysed track has a row (a track too short or silent to tag has NULL probabilities),
    so an untaggable track is not analysed again at every scan.
    """

    __tablename__ = "track_tags"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(32), default="")
    version: Mapped[int] = mapped_column(Integer)
    probabilities: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # float32
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # float32, 200
    top: Mapped[str] = mapped_column(Text, default="")  # JSON {tag: probability}, shown tags


class TagVocab(Base):
    """The tag names of a tagger model, in output order (JSON list): read without torch."""

    __tablename__ = "tag_vocab"

    model: Mapped[str] = mapped_column(String(32), primary_key=True)
    tags: Mapped[str] = mapped_column(Text)


class VectorSnapshot(Base):
    """One embedding option's whole matrix (engine/library/embeddings/snapshot.py): a cache."""

    __tablename__ = "vector_snapshots"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    stamp: Mapped[str] = mapped_column(Text)
    dim: Mapped[int] = mapped_column(Integer)
    ids: Mapped[bytes] = mapped_column(LargeBinary)  # int64, ascending
    vectors: Mapped[bytes] = mapped_column(LargeBinary)  # float32, (len(ids), dim)
    made_at: Mapped[float] = mapped_column(Float, default=0.0)
    missing: Mapped[int] = mapped_column(Integer, default=0)  # analysed tracks without a vector


class LibraryState(Base):
    """Counters kept by SQLite triggers (``generation``: bumped by every change to a table
    vectors depend on; migration 0005 creates the triggers)."""

    __tablename__ = "library_state"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
