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
    CheckpointError,
    check_weights,
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
    words: frozenset[str] = frozenset()


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
    if artist.words and "words" not in payload_extra:
        payload_extra["words"] = " ".join(sorted(artist.words))
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
    try:
        config = config_from_dict(CharLSTMConfig, ckpt.config)
    except TypeError as exc:
        raise CheckpointError(f"{path}: not a usable artist model: {exc}") from exc
    check_weights(path, lambda: CharLSTM(config), ckpt.state_dict)  # before allocating the model
    model = CharLSTM(config)
    state = {k: v.float() if v.is_floating_point() else v for k, v in ckpt.state_dict.items()}
    model.load_state_dict(state)
    model.eval()
    vocab = Vocabulary.from_string(str(ckpt.extra.get("vocab", "")))
    name = str(ckpt.extra.get("name") or Path(path).stem)
    words = frozenset(str(ckpt.extra.get("words", "")).split())
    return ArtistModel(name=name, model=model, vocab=vocab, metrics=ckpt.metrics, path=Path(path),
                       words=words)


class _Stepper:
    """One-character LSTM steps with fused weights: ~10x faster than ``nn.LSTM`` on length-1 input.

    The first layer's input projection is folded into a per-character table, and each further
    layer multiplies ``[input, hidden]`` by one concatenated matrix.
    """

    def __init__(self, model: CharLSTM) -> None:
        lstm = model.lstm
        layers = range(lstm.num_layers)
        w_ih = [getattr(lstm, f"weight_ih_l{k}").detach() for k in layers]
        w_hh = [getattr(lstm, f"weight_hh_l{k}").detach() for k in layers]
        bias = [(getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")).detach() for k in layers]
        self.table = model.embed.weight.detach() @ w_ih[0].T + bias[0]
        self.w_hh0 = w_hh[0].T.contiguous()
        self.w_cat = [torch.cat([w_ih[k], w_hh[k]], 1).T.contiguous() for k in layers[1:]]
        self.bias = bias[1:]
        self.head_w = model.head.weight.detach().T.contiguous()
        self.head_b = model.head.bias.detach()

    def step(self, idx: int, h: list[torch.Tensor], c: list[torch.Tensor]) -> torch.Tensor:
        """Advance ``h``/``c`` (lists of ``(1, H)`` per layer) by one character; return logits."""
        gates = torch.addmm(self.table[idx : idx + 1], h[0], self.w_hh0)
        x = self._cell(gates, h, c, 0)
        for k, (w, b) in enumerate(zip(self.w_cat, self.bias, strict=True), start=1):
            x = self._cell(torch.addmm(b, torch.cat([x, h[k]], 1), w), h, c, k)
        return torch.addmm(self.head_b, x, self.head_w)[0]

    @staticmethod
    def _cell(gates: torch.Tensor, h: list[torch.Tensor], c: list[torch.Tensor], k: int) -> torch.Tensor:
        size = gates.size(1) // 4
        act = torch.sigmoid(gates)  # gate order i, f, g, o; g takes tanh instead
        g = torch.tanh(gates[:, 2 * size : 3 * size])
        c[k] = torch.addcmul(act[:, size : 2 * size] * c[k], act[:, :size], g)
        h[k] = act[:, 3 * size :] * torch.tanh(c[k])
        return h[k]


def _stepper(model: CharLSTM) -> _Stepper:
    """The model's cached stepper, rebuilt whenever its weights changed."""
    versions = tuple(p._version for p in model.parameters())
    cached = getattr(model, "_segue_stepper", None)
    if cached is None or cached[0] != versions:
        cached = (versions, _Stepper(model))
        model._segue_stepper = cached
    return cached[1]


StepState = tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor]


class Context:
    """An artist model that has read a text so far: :meth:`feed` it more, :meth:`sample` lines.

    Long chunks go through ``nn.LSTM`` in one call, short ones through the fused stepper, so a duet
    reads each character once per artist instead of re-reading the whole song for every line.
    """

    _BATCH_FROM = 8

    def __init__(self, artist: ArtistModel, text: str = "\n\n") -> None:
        self.artist = artist
        self.stepper = _stepper(artist.model)
        self.h: list[torch.Tensor] = []
        self.c: list[torch.Tensor] = []
        self.last: torch.Tensor | None = None
        self.pending = ""
        self.feed(text)

    def feed(self, text: str) -> None:
        """Read ``text`` (appended to what was read before; read lazily, in one go, when needed)."""
        self.pending += text

    @torch.no_grad()
    def _flush(self) -> None:
        """Run the model over the pending text."""
        ids, self.pending = self.artist.vocab.encode(self.pending), ""
        if not ids:
            return
        if self.last is None or len(ids) >= self._BATCH_FROM:
            model = self.artist.model
            model.eval()
            state = (torch.stack(self.h), torch.stack(self.c)) if self.h else None
            logits, _, (h_n, c_n) = model(torch.tensor([ids], dtype=torch.long), state=state)
            self.last = logits[0, -1]
            self.h, self.c = list(h_n.unbind(0)), list(c_n.unbind(0))
        else:
            for i in ids:
                self.last = self.stepper.step(i, self.h, self.c)

    def state(self) -> StepState:
        """A snapshot to :meth:`restore` later."""
        self._flush()
        assert self.last is not None
        return list(self.h), list(self.c), self.last

    def restore(self, state: StepState) -> None:
        """Go back to (or forward to) a snapshot (dropping any unread text)."""
        self.pending = ""
        self.h, self.c, self.last = list(state[0]), list(state[1]), state[2]

    @torch.no_grad()
    def sample(
        self,
        temperature: float = 0.8,
        top_k: int | None = None,
        generator: torch.Generator | None = None,
        max_chars: int = 240,
    ) -> tuple[str, StepState]:
        """Draw one line (without its newline); return it and the state after reading it.

        The context itself is unchanged; :meth:`restore` the returned state to accept the line.
        The line never starts with a newline and the unknown symbol is never drawn.
        """
        self._flush()
        vocab = self.artist.vocab
        h, c = list(self.h), list(self.c)
        last = self.last
        assert last is not None
        newline = vocab.stoi.get("\n")
        size = len(vocab)
        mask = torch.zeros(size)
        mask[Vocabulary.unk_id] = float("-inf")
        first_mask = mask.clone()
        if newline is not None:
            first_mask[newline] = float("-inf")
        inv_temp = 1.0 / max(float(temperature), 1e-3)
        out: list[int] = []
        for _ in range(max_chars):
            scores = torch.add(first_mask if not out else mask, last, alpha=inv_temp)
            if top_k is not None and 0 < top_k < size:
                kth = torch.topk(scores, top_k).values[-1]
                scores = scores.masked_fill(scores < kth, float("-inf"))
            # Inverse-CDF draw: same distribution as torch.multinomial, a fraction of its cost.
            cdf = torch.softmax(scores, dim=0).cumsum_(0)
            nxt = min(int(torch.searchsorted(cdf, torch.rand(1, generator=generator) * cdf[-1])), size - 1)
            if nxt == newline:
                break
            out.append(nxt)
            last = self.stepper.step(nxt, h, c)
        return vocab.decode(out), (h, c, last)


def sample_line(
    artist: ArtistModel,
    prime: str,
    temperature: float = 0.8,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
    max_chars: int = 240,
    prime_tail: int = 1000,
) -> str:
    """Write one line after ``prime`` (its last ``prime_tail`` characters); stop at the end of the line."""
    prime = prime[-prime_tail:] if prime else "\n\n"
    if not prime.endswith("\n"):
        prime += "\n"
    line, _ = Context(artist, prime).sample(temperature, top_k, generator, max_chars)
    return line.strip()
