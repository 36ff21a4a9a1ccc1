"""Tiny models and a fake assets folder for the lyrics tests (shared with the panel test)."""

from __future__ import annotations

from pathlib import Path

import torch

from engine.lyrics.artists import BUNDLED
from engine.lyrics.model import ArtistModel, CharLSTM, CharLSTMConfig, save_artist
from engine.lyrics.vocab import shared_vocabulary

DATA = Path(__file__).resolve().parents[2] / "data" / "lyrics"
SAMPLE = DATA / "sample.txt"


def tiny_artist(name: str, seed: int = 0, hidden: int = 24) -> ArtistModel:
    """An untrained, very small artist model (fast to sample, deterministic per seed)."""
    torch.manual_seed(seed)
    vocab = shared_vocabulary()
    model = CharLSTM(CharLSTMConfig(vocab_size=len(vocab), embed_dim=8, hidden_size=hidden,
                                    num_layers=2, dropout=0.0))
    with torch.no_grad():
        # Make newlines likely enough that sampled lines stay short.
        model.head.bias[vocab.stoi["\n"]] += 3.0
    model.eval()
    return ArtistModel(name=name, model=model, vocab=vocab, metrics={"val_nats_per_char": 4.0})


def make_assets(root: Path, slugs: tuple[str, ...] = ("robert_burns", "emily_dickinson")) -> Path:
    """Write a fake assets folder: tiny texts for every bundled writer, tiny models for ``slugs``."""
    assets = root / "assets"
    texts = assets / "lyrics"
    texts.mkdir(parents=True)
    songs = SAMPLE.read_text(encoding="utf-8").strip().split("\n\n")
    for i, slug in enumerate(BUNDLED):
        texts.joinpath(f"{slug}.txt").write_text("\n\n".join(songs[i:] + songs[:i]) + "\n",
                                                 encoding="utf-8")
    for i, slug in enumerate(slugs):
        save_artist(assets / "models" / "lyrics" / f"{slug}.pt", tiny_artist(BUNDLED[slug], seed=i))
    return assets


def trained_tiny_artist(path: Path, epochs: int = 15) -> ArtistModel:
    """A one-layer 64-unit model trained for a few seconds on the sample text: it spells words."""
    from engine.lyrics.corpus import load_corpus, songs_to_text
    from engine.lyrics.train import TrainConfig, train_model

    songs = load_corpus(SAMPLE).songs
    vocab = shared_vocabulary()
    torch.manual_seed(0)
    model = CharLSTM(CharLSTMConfig(vocab_size=len(vocab), embed_dim=16, hidden_size=64,
                                    num_layers=1, dropout=0.0))
    config = TrainConfig(seq_len=32, batch_size=16, lr=1e-2, max_epochs=epochs, patience=100, threads=1)
    return train_model(model, vocab, songs_to_text(songs), songs_to_text(songs[-2:]), path, "Tiny",
                       config, resume=False)
