"""Lyric embeddings: the bundled lyric base model's hidden state, reduced by a small autoencoder.

The neural-embedding seed: the character LSTM Segue ships for the Lyrics panel
(``assets/models/lyrics/base.pt``, loaded read-only through :mod:`engine.lyrics.model`) reads the
first :data:`MAX_CHARS` characters of a song; the mean of its top layer's outputs (256 values) is
the song's hidden state. A small denoising autoencoder (:mod:`engine.library.embeddings.autoencoder`, its own
checkpoint ``assets/models/library/lyrics_autoencoder.pt``, trained on the lyric corpus Segue
ships by ``segue library train-lyrics``) reduces it to :data:`LATENT` values. Tracks without lyrics
have no lyric vector at all (the mask).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from engine import paths

MAX_CHARS = 1000
LATENT = 8
BUNDLED_NAME = "lyrics_autoencoder.pt"


def base_model_path() -> Path:
    """The lyric base model (owned by the Lyrics room; never modified here)."""
    from engine.lyrics.artists import BASE_FILE, bundled_models_dir

    return bundled_models_dir() / BASE_FILE


def bundled_autoencoder_path() -> Path:
    """The bundled lyric autoencoder (``assets/models/library/lyrics_autoencoder.pt``)."""
    return paths.assets_dir() / "models" / "library" / BUNDLED_NAME


@functools.lru_cache(maxsize=2)
def _base(path: str):  # noqa: ANN202 - an engine.lyrics.model.ArtistModel
    from engine.lyrics.model import load_artist

    return load_artist(path)


def hidden_states(texts: list[str], base_path: str | Path | None = None) -> np.ndarray:
    """``(len(texts), hidden)`` float32: mean top-layer LSTM output over each text's characters."""
    import torch

    torch.set_num_threads(1)
    artist = _base(str(base_path or base_model_path()))
    model, vocab = artist.model, artist.vocab
    model.eval()
    out = np.zeros((len(texts), model.config.hidden_size), np.float32)
    with torch.no_grad():
        for i, text in enumerate(texts):
            ids = vocab.encode("\n\n" + text.strip()[:MAX_CHARS] + "\n")
            embedded = model.embed(torch.tensor([ids], dtype=torch.long))
            outputs, _ = model.lstm(embedded)
            out[i] = outputs[0].mean(dim=0).numpy()
    return out


def corpus_songs(texts_dir: Path | None = None, per_writer: int = 200, seed: int = 0
                 ) -> list[str]:
    """Up to ``per_writer`` songs (at least four lines) of each bundled writer, seeded."""
    from engine.lyrics.artists import bundled_texts_dir
    from engine.lyrics.corpus import load_songs

    folder = texts_dir or bundled_texts_dir()
    rng = np.random.default_rng(seed)
    songs: list[str] = []
    for path in sorted(Path(folder).glob("*.txt")):
        found = [s for s in load_songs(path) if s.count("\n") >= 3]
        picks = rng.permutation(len(found))[:per_writer]
        songs.extend(found[i] for i in sorted(picks))
    return songs


def train_lyric_autoencoder(songs: list[str] | None = None, out: str | Path | None = None,
                            steps: int = 2000, seed: int = 0) -> tuple[Any, dict[str, Any]]:
    """Fit the lyric autoencoder on hidden states of ``songs`` (default: the bundled corpus).

    Returns the model and metrics: reconstruction MSE on a 15 % selection split before and after
    training, on the training rows, and the song counts. Saves to ``out`` when given.
    """
    import torch

    from engine.library.embeddings import autoencoder

    songs = corpus_songs() if songs is None else songs
    states = hidden_states(songs)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(states))
    held = max(1, int(0.15 * len(states))) if len(states) >= 8 else 0
    selection, train = states[order[:held]], states[order[held:]]
    config = autoencoder.AutoencoderConfig(hidden=[64], latent_dim=LATENT, steps=steps,
                                           batch_size=128, seed=seed)
    model, train_mse = autoencoder.fit(train, config)

    def mse(net: autoencoder.Autoencoder, rows: np.ndarray) -> float:
        if len(rows) == 0:
            return float("nan")
        with torch.no_grad():
            x = net.standardise(torch.as_tensor(rows))
            return float(net(x, x)[1])

    def mse_of_mean(net: autoencoder.Autoencoder, rows: np.ndarray) -> float:
        """The baseline: predict the training mean (0 after standardising) for every row."""
        if len(rows) == 0:
            return float("nan")
        with torch.no_grad():
            return float(net.standardise(torch.as_tensor(rows)).pow(2).mean())

    untrained = autoencoder.Autoencoder(config)
    untrained.load_state_dict({k: v for k, v in model.state_dict().items()}, strict=True)
    torch.manual_seed(seed + 1)
    for layer in [*untrained.encoder, *untrained.decoder]:
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    metrics = {"songs": len(songs), "train_songs": len(train), "selection_songs": held,
               "train_mse": train_mse, "selection_mse_untrained": mse(untrained, selection),
               "selection_mse": mse(model, selection),
               "selection_mse_predict_mean": mse_of_mean(model, selection)}
    if out is not None:
        autoencoder.save(model, out, metrics, {"role": "lyrics", "base": base_model_path().name,
                                               "max_chars": MAX_CHARS})
    return model, metrics


@functools.lru_cache(maxsize=2)
def _autoencoder(path: str):  # noqa: ANN202 - (Autoencoder, Checkpoint)
    from engine.library.embeddings import autoencoder

    return autoencoder.load(path)


def lyric_vectors(texts: list[str], model_path: str | Path | None = None) -> tuple[np.ndarray, str]:
    """``(vectors (N, LATENT), model id)`` of lyric texts through the base model and the AE."""
    model, checkpoint = _autoencoder(str(model_path or bundled_autoencoder_path()))
    tag = f"lyrics-ae:{checkpoint.metrics.get('train_mse', 0):.6f}"
    if not texts:
        return np.zeros((0, model.config.latent_dim), np.float32), tag
    return model.encode(hidden_states(texts)), tag
