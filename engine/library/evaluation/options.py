"""The embedding options `segue eval playlist` measures side by side.

An option is a callable ``option(data) -> vectors``: given every eval track's audio path and
analysis vector and the mask of the ``fit`` split, it returns one vector per track, having
learned from the fit rows only (never from selection or test). :data:`OPTIONS` lists them;
:data:`SETTING_OPTIONS` are the values of the ``embedding`` setting, among which the eval picks
the one that wins on the *selection* split and reports it as "segue" on the test split.

The tagger options read the music tagger's penultimate layer as the scan stored it
(``OptionInput.tagger``: pretrained, so nothing is fitted).
To add an option, register a function of :class:`OptionInput` in :data:`OPTIONS` (and its name
in :data:`SETTING_OPTIONS` when it is a value of the ``embedding`` setting).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.atomic import atomic_open


@dataclass(frozen=True)
class OptionInput:
    """What an embedding option sees: every eval track, and which rows it may fit on."""

    paths: list[Path]  # audio of every eval track (rows)
    features: np.ndarray  # their analysis vectors (engine/library/analysis/features.py), same rows
    fit: np.ndarray  # bool mask: the fit split, the only rows an option may learn from
    cache: Path  # a folder where an option may keep its fitted models
    tagger: np.ndarray | None = None  # the tagger's 200-d embedding per row (NaN: untagged)

    def fit_paths(self) -> list[Path]:
        """Audio paths of the fit split."""
        return [p for p, keep in zip(self.paths, self.fit, strict=True) if keep]


EmbeddingOption = Callable[[OptionInput], np.ndarray]


def features_option(data: OptionInput) -> np.ndarray:
    """Today's embedding: the library autoencoder over weighted features, fitted on ``fit``."""
    from engine.library.analysis.features import feature_weights
    from engine.library.embeddings import autoencoder

    model, _ = autoencoder.fit(data.features[data.fit], None, feature_weights())
    return model.encode(data.features)


def raw_features_option(data: OptionInput) -> np.ndarray:
    """Standardised analysis vectors (statistics of ``fit``), no learned embedding."""
    from engine.library.evaluation.controls import standardise

    return standardise(data.features, data.fit).astype(np.float32)


OPTIONS: dict[str, EmbeddingOption] = {
    "features": features_option,
    "raw_features": raw_features_option,
}
SETTING_OPTIONS: list[str] = ["features"]


SPECTROGRAM_SECONDS = 120.0  # the spectrogram VAE's training budget inside one eval run


def _spectrogram_vectors(data: OptionInput) -> np.ndarray:
    """Spectrogram VAE trained on the fit split's audio only, then every track encoded.

    Kept in ``data.cache`` under a name that hashes the fit and eval paths, so ``spectrogram``
    and ``combined`` share one fit per run and a different split never reuses it.
    """
    import hashlib

    from engine.library.embeddings.options import spectrogram_vectors_for_files
    from engine.library.embeddings.spectro_vae import train_spectrogram_vae

    digest = hashlib.sha256("\n".join(
        [str(p) for p in data.fit_paths()] + ["--"] + [str(p) for p in data.paths]).encode())
    stored = Path(data.cache) / f"spectrogram-{digest.hexdigest()[:16]}.npy"
    if stored.exists():
        return np.load(stored, allow_pickle=False)
    model, _ = train_spectrogram_vae(data.fit_paths(), max_seconds=SPECTROGRAM_SECONDS)
    vectors = spectrogram_vectors_for_files(data.paths, model).astype(np.float32)
    Path(data.cache).mkdir(parents=True, exist_ok=True)
    with atomic_open(stored) as handle:
        np.save(handle, vectors, allow_pickle=False)
    return vectors


def spectrogram_option(data: OptionInput) -> np.ndarray:
    """The spectrogram VAE's mean latent per track (fitted on ``fit``)."""
    return _spectrogram_vectors(data)


def combined_option(data: OptionInput) -> np.ndarray:
    """Features autoencoder and spectrogram VAE side by side, each block at unit variance."""
    from engine.library.embeddings.options import combine

    return combine(features_option(data), _spectrogram_vectors(data))


def tagger_option(data: OptionInput) -> np.ndarray:
    """The tagger's penultimate layer as it is (pretrained: nothing is fitted; an untagged row
    sits at the fit rows' mean). Chosen over a standardised and a unit-length version on the
    real recordings' selection split (docs/library.md, "Tags")."""
    if data.tagger is None:
        raise ValueError("no tagger embeddings: scan with the tagger on")
    matrix = np.asarray(data.tagger, np.float64)
    tagged = ~np.isnan(matrix).any(axis=1)
    reference = matrix[data.fit & tagged] if np.any(data.fit & tagged) else matrix[tagged]
    filled = matrix.copy()
    filled[~tagged] = reference.mean(axis=0) if len(reference) else 0.0
    return filled.astype(np.float32)


def tagger_features_option(data: OptionInput) -> np.ndarray:
    """The tagger's embedding beside the features autoencoder (blocks at unit variance)."""
    from engine.library.embeddings.options import combine

    return combine(tagger_option(data), features_option(data))


def tagger_combined_option(data: OptionInput) -> np.ndarray:
    """The tagger, the features autoencoder and the spectrogram VAE side by side."""
    from engine.library.embeddings.options import combine

    return combine(tagger_option(data), features_option(data), _spectrogram_vectors(data))


OPTIONS["spectrogram"] = spectrogram_option
OPTIONS["combined"] = combined_option
SETTING_OPTIONS += ["spectrogram", "combined"]
TAGGER_OPTIONS = {"tagger": tagger_option, "tagger+features": tagger_features_option,
                  "tagger+combined": tagger_combined_option}


def options_for(data: OptionInput) -> tuple[dict[str, EmbeddingOption], list[str]]:
    """The options that can run on ``data`` and the setting values among them (the tagger's
    only when the scan stored tagger embeddings)."""
    if data.tagger is None or np.isnan(np.asarray(data.tagger, np.float64)).all():
        return dict(OPTIONS), list(SETTING_OPTIONS)
    return {**OPTIONS, **TAGGER_OPTIONS}, [*SETTING_OPTIONS, *TAGGER_OPTIONS]
