"""Lyrics of a track (tags or a sidecar file) and their sentiment (VADER); never raises.

Where lyrics come from, first found wins:

* tags: ID3 ``USLT`` (MP3, AIFF, WAV), Vorbis comments ``LYRICS``/``UNSYNCEDLYRICS`` (FLAC, Ogg,
  Opus), MP4 ``©lyr`` (M4A), ASF ``WM/Lyrics`` (WMA);
* a sidecar next to the file with the same name: ``.lrc`` (timestamps and ``[ar:...]`` headers
  stripped), then ``.txt`` — unless the ``.txt`` reads like a licence or attribution note (the
  demo clips and many downloads ship one), which is not lyrics.

Sentiment is VADER's (``vaderSentiment``, which ships its lexicon), averaged over the lines so a
long song does not saturate the compound score. A track without lyrics gets ``None``: a mask,
never a fake zero.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

MAX_CHARS = 20_000  # longer texts are cut (a sidecar could be anything)
MAX_SIDECAR_BYTES = 256 * 1024
_LRC_TIME = re.compile(r"\[\d{1,3}:\d{1,2}(?:[.:]\d{1,3})?\]|<\d{1,3}:\d{1,2}(?:[.:]\d{1,3})?>")
_LRC_HEADER = re.compile(r"^\s*\[[a-zA-Z#]+:[^\]]*\]\s*$")
_NOT_LYRICS = re.compile(
    r"licen[cs]ed?\b|\bcreative\s+commons\b|\bcc[- ]by\b|\bpublic\s+domain\b|\battribution\b",
    re.IGNORECASE)


def strip_lrc(text: str) -> str:
    """Remove LRC timestamps (``[01:02.34]``, ``<01:02.34>``) and header lines (``[ar:...]``)."""
    lines = []
    for line in text.splitlines():
        if _LRC_HEADER.match(line) and not _LRC_TIME.match(line.strip()):
            continue
        lines.append(_LRC_TIME.sub("", line).strip())
    return _tidy("\n".join(lines))


def _tidy(text: str) -> str:
    """Normalise line ends, trim lines and collapse runs of blank lines; cap the length."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()[:MAX_CHARS]


def _first_text(values: object) -> str:
    """The first non-empty string in a tag value (a list, a frame, or a string)."""
    if values is None:
        return ""
    if isinstance(values, str):
        return values
    if isinstance(values, (list, tuple)):
        for value in values:
            text = _first_text(getattr(value, "text", value))
            if text.strip():
                return text
        return ""
    return str(getattr(values, "text", values))


def lyrics_from_tags(path: str | Path) -> tuple[str, str]:
    """Return ``(lyrics, source)`` from the file's tags, or ``("", "")``."""
    try:
        import mutagen

        audio = mutagen.File(str(path))
        tags = getattr(audio, "tags", None)
        if tags is None:
            return "", ""
        if hasattr(tags, "getall"):  # ID3
            text = _first_text(tags.getall("USLT"))
            return (_tidy(text), "id3") if text.strip() else ("", "")
        for key, source in (("\xa9lyr", "mp4"), ("LYRICS", "vorbis"), ("lyrics", "vorbis"),
                            ("UNSYNCEDLYRICS", "vorbis"), ("unsyncedlyrics", "vorbis"),
                            ("WM/Lyrics", "asf")):
            try:
                values = tags.get(key)
            except (KeyError, ValueError, TypeError):
                values = None
            text = _first_text(values)
            if text.strip():
                return _tidy(text), source
    except Exception:  # noqa: BLE001 - mutagen raises many kinds on odd files; lyrics are optional
        pass
    return "", ""


def lyrics_from_sidecar(path: str | Path) -> tuple[str, str]:
    """Return ``(lyrics, "lrc"|"txt")`` from a sidecar file next to ``path``, or ``("", "")``."""
    base = Path(path)
    for suffix in (".lrc", ".LRC", ".txt", ".TXT"):
        sidecar = base.with_suffix(suffix)
        try:
            if not sidecar.is_file() or sidecar.stat().st_size > MAX_SIDECAR_BYTES:
                continue
            raw = sidecar.read_bytes().decode("utf-8-sig", errors="replace")
        except OSError:
            continue
        kind = suffix.lower()[1:]
        if kind == "lrc":
            text = strip_lrc(raw)
        else:
            if _NOT_LYRICS.search(raw[:2000]):
                continue
            text = _tidy(raw)
        if text:
            return text, kind
    return "", ""


def read_lyrics(path: str | Path) -> tuple[str, str]:
    """Lyrics of the file at ``path`` and where they came from (tags first); ``("", "")`` if none."""
    text, source = lyrics_from_tags(path)
    if text:
        return text, source
    return lyrics_from_sidecar(path)


@functools.lru_cache(maxsize=1)
def _analyser():  # noqa: ANN202 - vaderSentiment has no type hints
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> dict[str, float] | None:
    """VADER ``compound``/``positive``/``negative``/``neutral``, averaged over non-empty lines.

    ``None`` for empty text (the mask). ``compound`` is in [-1, 1].
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    analyser = _analyser()
    scores = [analyser.polarity_scores(line) for line in lines]
    n = float(len(scores))
    return {
        "compound": sum(s["compound"] for s in scores) / n,
        "positive": sum(s["pos"] for s in scores) / n,
        "negative": sum(s["neg"] for s in scores) / n,
        "neutral": sum(s["neu"] for s in scores) / n,
    }


def analyse_lyrics(path: str | Path) -> dict[str, object]:
    """The scan's lyric fields: ``lyrics`` (text or None), ``lyrics_source`` and ``sentiment``."""
    text, source = read_lyrics(path)
    if not text:
        return {"lyrics": None, "lyrics_source": "", "sentiment": None}
    return {"lyrics": text, "lyrics_source": source, "sentiment": sentiment(text)}
