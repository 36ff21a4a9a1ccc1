"""Read title/artist/album/genre tags with mutagen; never fail (missing tags become "")."""

from __future__ import annotations

import hashlib
from pathlib import Path

from engine.library.storage.fspath import display

HASH_CHUNK = 64 * 1024


def read_tags(path: str | Path) -> dict[str, str]:
    """Return ``title``, ``artist``, ``album`` and ``genre`` (title falls back to the file name)."""
    tags = {"title": "", "artist": "", "album": "", "genre": ""}
    try:
        import mutagen

        audio = mutagen.File(str(path), easy=True)
        if audio is not None and audio.tags is not None:
            for key in tags:
                values = audio.tags.get(key)
                if values:
                    tags[key] = str(values[0]).strip()
    except Exception:  # noqa: BLE001 - mutagen raises many kinds on odd files; tags are optional
        pass
    if not tags["title"]:
        tags["title"] = Path(path).stem.replace("_", " ")
    return {key: display(value) for key, value in tags.items()}  # text the DB and Qt can take


def content_hash(path: str | Path, size: int | None = None) -> str:
    """A quick content fingerprint: BLAKE2b of the size, the first and the last 64 KiB.

    Good enough to recognise a moved file without reading it whole.
    """
    path = Path(path)
    size = path.stat().st_size if size is None else size
    digest = hashlib.blake2b(str(size).encode(), digest_size=16)
    with open(path, "rb") as handle:
        digest.update(handle.read(HASH_CHUNK))
        if size > 2 * HASH_CHUNK:
            handle.seek(size - HASH_CHUNK)
            digest.update(handle.read(HASH_CHUNK))
    return digest.hexdigest()
