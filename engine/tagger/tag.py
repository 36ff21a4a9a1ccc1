"""Tag a track with a bundled musicnn model: the public API of :mod:`engine.tagger`.

:func:`tag_file` / :func:`tag_audio` → :class:`TrackTags`: the 50 tag probabilities averaged over
3-s patches, the 200-d penultimate layer averaged the same way (an embedding), the per-patch
probabilities and the patches' start times. A track is tagged from at most ``max_patches``
patches spread evenly over it (:func:`engine.tagger.audio.patch_starts`; ``None``: every patch,
as musicnn's own extractor does), which bounds the cost per track whatever its length.

Models: ``MTT_musicnn`` (MagnaTagATune: instruments, voice, genre, mood) and ``MSD_musicnn``
(Million Song Dataset / Last.fm: genre, decade, mood, "female vocalists", "instrumental"); their
tag names come with the model (:func:`tag_names`). Each bundled model loads once per process and
stays cached. torch is imported inside the functions, so importing this module is cheap.

Bad input (unreadable, empty, shorter than :data:`~engine.tagger.audio.MIN_SECONDS`, silent,
NaN/inf samples) raises :class:`engine.errors.UserFacingError` naming the file.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine import paths
from engine.errors import UserFacingError
from engine.tagger import audio

if TYPE_CHECKING:
    from engine.tagger.musicnn import Musicnn

MODELS = ("MTT_musicnn", "MSD_musicnn")
DEFAULT_MODEL = "MTT_musicnn"
DEFAULT_MAX_PATCHES = 6  # 18 s of a track, < 0.4 CPU-s on one thread (docs/tagger.md: others)
SILENCE_PEAK = 1e-4  # peak amplitude below which a clip counts as silent (-80 dBFS)
BATCH = 2  # patches per network call: larger batches run slower per patch on one thread (cache)
MAX_FILE_BYTES = 2 * 1024**3  # larger files are refused unread (as the library scan skips them)
MAX_SECONDS = 30 * 60  # decoded of a file only audioread reads (M4A, …), from its start
_lock = threading.Lock()


class TaggerError(UserFacingError, ValueError):
    """Audio the tagger cannot tag, or a bundled tagger model that is missing or unusable."""


@dataclass(frozen=True, eq=False)  # arrays inside: compare fields, not records
class TrackTags:
    """What a musicnn model says about one track."""

    model: str
    tags: tuple[str, ...]
    probabilities: np.ndarray  # (n_tags,) float32: mean over patches of the sigmoid outputs
    embedding: np.ndarray  # (200,) float32: mean over patches of the penultimate layer
    patch_probabilities: np.ndarray  # (patches, n_tags) float32
    patch_starts: np.ndarray  # (patches,) seconds
    duration: float  # seconds of audio that was given

    def probability(self, tag: str) -> float:
        """The mean probability of ``tag`` (KeyError for a tag this model does not have)."""
        try:
            return float(self.probabilities[self.tags.index(tag)])
        except ValueError:
            raise KeyError(f"{self.model} has no tag {tag!r}") from None

    def top(self, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` most probable tags, best first, as ``(tag, probability)``."""
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(self.tags[i], float(self.probabilities[i])) for i in order]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: model, tag → probability (4 decimals), patches, duration."""
        return {"model": self.model,
                "tags": {t: round(float(p), 4) for t, p in zip(self.tags, self.probabilities, strict=True)},
                "patches": len(self.patch_starts), "duration": round(self.duration, 3)}


def model_path(model: str) -> Path:
    """Where the bundled ``model`` lives (``assets/models/tagger/<model>.pt``)."""
    if model not in MODELS:
        raise TaggerError(f"unknown tagger model {model!r} (choose from {', '.join(MODELS)})")
    return paths.assets_dir() / "models" / "tagger" / f"{model}.pt"


@functools.lru_cache(maxsize=len(MODELS))
def _load(model: str) -> tuple[Musicnn, tuple[str, ...]]:
    from engine.checkpoint import CheckpointError, check_weights, config_from_dict, load_checkpoint
    from engine.tagger.musicnn import FORMAT_VERSION, KIND, Musicnn, MusicnnConfig

    path = model_path(model)
    try:
        checkpoint = load_checkpoint(path, KIND, FORMAT_VERSION)
        config = config_from_dict(MusicnnConfig, checkpoint.config)
        check_weights(path, lambda: Musicnn(config), checkpoint.state_dict)
    except CheckpointError as exc:
        raise TaggerError(f"the bundled tagger model is unusable: {exc}") from exc
    tags = tuple(str(t) for t in checkpoint.extra.get("tags", ()))
    if len(tags) != config.n_tags:
        raise TaggerError(f"{path}: {len(tags)} tag names for {config.n_tags} outputs")
    net = Musicnn(config)
    net.load_state_dict(checkpoint.state_dict)
    net.eval()
    return net, tags


def load_model(model: str = DEFAULT_MODEL) -> tuple[Musicnn, tuple[str, ...]]:
    """The bundled ``model`` (in eval mode) and its tag names; loaded once, then cached."""
    with _lock:
        return _load(model)


def tag_names(model: str = DEFAULT_MODEL) -> tuple[str, ...]:
    """The tag names of ``model``, in output order."""
    return load_model(model)[1]


def run_patches(patches: np.ndarray, model: str = DEFAULT_MODEL
                ) -> tuple[np.ndarray, np.ndarray]:
    """Tag probabilities ``(P, n_tags)`` and penultimate layers ``(P, 200)`` of log-mel patches.

    ``patches``: ``(P, frames, 96)`` float32 as :func:`engine.tagger.audio.mel_patches` makes
    them. Runs on the calling thread with torch's current thread count.
    """
    import torch

    net, _ = load_model(model)
    data = np.ascontiguousarray(patches, dtype=np.float32)
    probs, penult = [], []
    with torch.inference_mode():
        for start in range(0, len(data), BATCH):
            logits, hidden = net(torch.from_numpy(data[start: start + BATCH]))
            probs.append(torch.sigmoid(logits).numpy())
            penult.append(hidden.numpy())
    n_tags = net.config.n_tags
    if not probs:
        return np.zeros((0, n_tags), np.float32), np.zeros((0, net.config.backend_units), np.float32)
    return np.concatenate(probs), np.concatenate(penult)


def _check_samples(y: np.ndarray, sr: int, name: str) -> np.ndarray:
    """Mono float32 samples of ``y``, or TaggerError saying what is wrong with ``name``."""
    try:
        y = np.asarray(y, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise TaggerError(f"{name}: not audio samples ({exc})") from exc
    if y.ndim == 2:
        y = y.mean(axis=0) if y.shape[0] <= 8 else y.mean(axis=1)
    if y.ndim != 1 or y.size == 0:
        raise TaggerError(f"{name}: no audio samples")
    if not (isinstance(sr, (int, np.integer)) and 1000 <= sr <= 768_000):
        raise TaggerError(f"{name}: implausible sample rate {sr!r}")
    if not np.isfinite(y).all():
        raise TaggerError(f"{name}: the audio holds NaN or infinite samples")
    seconds = y.size / sr
    if seconds < audio.MIN_SECONDS:
        raise TaggerError(f"{name}: too short to tag ({seconds:.2f} s; at least "
                          f"{audio.MIN_SECONDS:g} s)")
    if float(np.max(np.abs(y))) < SILENCE_PEAK:
        raise TaggerError(f"{name}: silent (nothing above {20 * np.log10(SILENCE_PEAK):.0f} dBFS)")
    return y


def _summarise(patches: np.ndarray, starts: np.ndarray, duration: float, model: str
               ) -> TrackTags:
    """Run the patches (start times in seconds) and average them into a :class:`TrackTags`."""
    probs, penult = run_patches(patches, model)
    _, tags = load_model(model)
    return TrackTags(model=model, tags=tags, probabilities=probs.mean(axis=0),
                     embedding=penult.mean(axis=0), patch_probabilities=probs,
                     patch_starts=np.asarray(starts, dtype=np.float64), duration=float(duration))


def tag_audio(y: np.ndarray, sr: int, model: str = DEFAULT_MODEL,
              max_patches: int | None = DEFAULT_MAX_PATCHES, name: str = "audio") -> TrackTags:
    """Tag samples ``y`` (mono, or channels first) at ``sr`` Hz with ``model``.

    Resampled to 16 kHz if needed; at most ``max_patches`` 3-s patches (``None``: all of
    them); ``name`` names the audio in error messages.
    """
    _check_max_patches(max_patches)
    model_path(model)
    y = _check_samples(y, sr, name)
    patches, starts = audio.mel_patches(audio.to_model_rate(y, int(sr)), max_patches)
    return _summarise(patches, starts, y.size / sr, model)


def _reason(exc: BaseException) -> str:
    """One line saying why a decoder gave up."""
    if type(exc).__name__ == "NoBackendError":  # audioread: no decoder took the file
        return "not a format this system decodes, or corrupt or truncated"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _check_max_patches(max_patches: int | None) -> None:
    if max_patches is not None and max_patches < 1:
        raise TaggerError("max_patches must be at least 1")


def tag_file(path: str | Path, model: str = DEFAULT_MODEL,
             max_patches: int | None = DEFAULT_MAX_PATCHES) -> TrackTags:
    """Decode ``path`` as musicnn does (16 kHz mono) and tag it (:func:`tag_audio`).

    With a bounded ``max_patches``, a file libsndfile can seek is read only where the patches
    lie (:func:`engine.tagger.audio.read_excerpts`: the same samples as a whole decode, memory
    bounded whatever the length). Short tracks and ``max_patches=None`` are decoded whole, up
    to :data:`audio.MAX_WHOLE_SAMPLES <engine.tagger.audio.MAX_WHOLE_SAMPLES>` (a longer file is
    refused before it is decoded); formats only audioread decodes (M4A, …) are decoded whole up
    to :data:`MAX_SECONDS`, and tagged on those.
    """
    path = Path(path)
    _check_max_patches(max_patches)
    model_path(model)  # an unknown model name is the caller's error, not the file's
    if path.is_dir():
        raise TaggerError(f"{path}: a folder, not an audio file")
    if not path.is_file():
        raise TaggerError(f"{path}: no such audio file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise TaggerError(f"{path}: too large to tag ({path.stat().st_size / 1024**3:.1f} GB)")
    try:
        excerpts = audio.read_excerpts(path, max_patches) if max_patches is not None else None
        if excerpts is None:
            y = audio.load_audio(path, MAX_SECONDS)
    except audio.TooLong as exc:
        raise TaggerError(f"{path}: {exc}: tag it with a bounded number of patches") from exc
    except Exception as exc:  # noqa: BLE001 - soundfile, audioread and ffmpeg each raise their own
        raise TaggerError(f"{path}: cannot read audio ({_reason(exc)})") from exc
    if excerpts is None:
        return tag_audio(y, audio.SAMPLE_RATE, model, max_patches, name=str(path))
    pieces, starts, duration = excerpts
    if not np.isfinite(pieces).all():
        raise TaggerError(f"{path}: the audio holds NaN or infinite samples")
    if float(np.max(np.abs(pieces))) < SILENCE_PEAK:
        raise TaggerError(f"{path}: silent (nothing above {20 * np.log10(SILENCE_PEAK):.0f} dBFS "
                          f"where it was sampled)")
    return _summarise(audio.pieces_to_patches(pieces), starts * audio.HOP / audio.SAMPLE_RATE,
                      duration, model)
