"""The baseline: a conditioned LSTM language model p(x | c), the CVAE's decoder without z.

Same embedding, hidden and conditioning sizes as the CVAE (the same raw ``[a; f; p]`` through
its own learned embedding) and trained for the same number of epochs on the same training
sentences (in the eval run), so the CVAE's importance-weighted perplexity has a fair yardstick.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from engine.commentary.cvae import Decoder, shift_inputs, token_nll


@dataclass
class LMConfig:
    """Sizes of the baseline LM."""

    vocab_size: int
    n_cond: int = 204
    embed: int = 128
    hidden: int = 256
    tag_dim: int = 64


class TagLM(nn.Module):
    """LSTM LM whose every step sees the conditioning embedding c."""

    def __init__(self, config: LMConfig) -> None:
        super().__init__()
        self.config = config
        self.condition = nn.Linear(config.n_cond, config.tag_dim)
        self.decoder = Decoder(config.vocab_size, config.embed, config.hidden, config.tag_dim)

    def nll(self, ids: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
        """Summed NLL per sentence [B] given the raw conditioning rows."""
        logits, _ = self.decoder(shift_inputs(ids), self.condition(attrs))
        return token_nll(logits, ids)

    def loss(self, ids: torch.Tensor, lengths: torch.Tensor, attrs: torch.Tensor, beta: float
             ) -> tuple[torch.Tensor, dict[str, float]]:
        """Training loss with the same signature as the CVAE's (``beta`` unused)."""
        nll = self.nll(ids, attrs).mean()
        return nll, {"nll": nll.item()}
