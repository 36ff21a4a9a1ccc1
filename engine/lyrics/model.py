"""The character LSTM: config dataclass, ``nn.Module``, checkpoint I/O and sampling.

An embedding feeds a stacked LSTM whose outputs a linear head turns into next-character logits.
``forward(idx, targets, state)`` returns ``(logits, loss, state)`` so training can carry the hidden
state across truncated-BPTT windows. :func:`sample_line` writes one line after a priming text,
with temperature and top-k, reproducibly for a given ``torch.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from engine.checkpoint import (
    Checkpoint,
    config_from_dict,
    config_to_dict,
    load_checkpoint,
    save_checkpoint,
)
from engine.lyrics.vocab import Vocabulary

KIND = "lyrics-char-lstm"
FORMAT_VERSION = 1

State = tuple[torch.Tensor, torch.Tensor]


@dataclass
class CharLSTMConfig:
    """Sizes of a character LSTM."""

    vocab_size: int = 100
    embed_dim: int = 64
    hidden_size: int = 256
    num_layers: int = 2
    dropout: float = 0.25


class CharLSTM(nn.Module):
    """Embedding + stacked LSTM + linear head over characters."""

    def __init__(self, config: CharLSTMConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.embed_dim)
        self.lstm = nn.LSTM(
            config.embed_dim,
            config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None, state: State | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None, State]:
        """Return logits ``(B, T, V)``, the mean cross-entropy if ``targets`` given, and the state."""
        out, state = self.lstm(self.drop(self.embed(idx)), state)
        logits = self.head(self.drop(out))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss, state

    def num_parameters(self) -> int:
        """Count trainable parameters."""
        return sum(p.numel() for p in self.parameters())


@dataclass
class ArtistModel:
    """A trained model with its vocabulary, display name and metrics."""

    name: str
    model: CharLSTM
    vocab: Vocabulary
    metrics: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


def save_artist(
    path: str | Path,
    artist: ArtistModel,
    half: bool = True,
    extra: dict[str, Any] | None = None,
) -> None:
    """Save an artist model atomically; ``half`` stores weights as float16 (half the size)."""
    state = {
        k: (v.half() if half and v.is_floating_point() else v)
        for k, v in artist.model.state_dict().items()
    }
    payload_extra = {"name": artist.name, "vocab": artist.vocab.to_string(), **(extra or {})}
    save_checkpoint(
        path,
        Checkpoint(
            kind=KIND,
            format_version=FORMAT_VERSION,
            config=config_to_dict(artist.model.config),
            state_dict=state,
            metrics=artist.metrics,
            extra=payload_extra,
        ),
    )


def load_artist(path: str | Path) -> ArtistModel:
    """Load an artist model (weights-only); raise CheckpointError naming the file if unusable."""
    ckpt = load_checkpoint(path, KIND, FORMAT_VERSION)
    config = config_from_dict(CharLSTMConfig, ckpt.config)
    model = CharLSTM(config)
    state = {k: v.float() if v.is_floating_point() else v for k, v in ckpt.state_dict.items()}
    model.load_state_dict(state)
    model.eval()
    vocab = Vocabulary.from_string(str(ckpt.extra.get("vocab", "")))
    name = str(ckpt.extra.get("name") or Path(path).stem)
    return ArtistModel(name=name, model=model, vocab=vocab, metrics=ckpt.metrics, path=Path(path))


@torch.no_grad()
def sample_line(
    artist: ArtistModel,
    prime: str,
    temperature: float = 0.8,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
    max_chars: int = 240,
    prime_tail: int = 1000,
) -> str:
    """Write one line after ``prime`` (the song so far); stop at the end of the line.

    The line never starts with a newline (no empty lines) and the unknown symbol is never drawn.
    """
    model, vocab = artist.model, artist.vocab
    model.eval()
    prime = prime[-prime_tail:] if prime else "\n\n"
    if not prime.endswith("\n"):
        prime += "\n"
    ids = torch.tensor([vocab.encode(prime)], dtype=torch.long)
    logits, _, state = model(ids)
    last = logits[0, -1]
    newline = vocab.stoi.get("\n")
    out: list[int] = []
    temperature = max(float(temperature), 1e-3)
    for _ in range(max_chars):
        scores = last / temperature
        scores[Vocabulary.unk_id] = float("-inf")
        if newline is not None and not out:
            scores[newline] = float("-inf")
        if top_k is not None and 0 < top_k < scores.numel():
            kth = torch.topk(scores, top_k).values[-1]
            scores = scores.masked_fill(scores < kth, float("-inf"))
        probs = torch.softmax(scores, dim=-1)
        nxt = int(torch.multinomial(probs, 1, generator=generator))
        if nxt == newline:
            break
        out.append(nxt)
        logits, _, state = model(torch.tensor([[nxt]], dtype=torch.long), state=state)
        last = logits[0, -1]
    return vocab.decode(out).strip()
