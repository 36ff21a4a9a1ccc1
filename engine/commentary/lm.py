"""The baseline: a tag-conditioned LSTM language model p(x | a), the CVAE's decoder without z.

Same embedding and hidden sizes as the CVAE and trained for the same number of epochs on the
same training sentences (in the eval run), so the CVAE's importance-weighted perplexity has a
fair yardstick.
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
    n_tags: int = 100
    embed: int = 128
    hidden: int = 256


class TagLM(nn.Module):
    """LSTM LM whose every step sees the attribute vector a."""

    def __init__(self, config: LMConfig) -> None:
        super().__init__()
        self.config = config
        self.decoder = Decoder(config.vocab_size, config.embed, config.hidden, config.n_tags)

    def nll(self, ids: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
        """Summed NLL per sentence [B]."""
        logits, _ = self.decoder(shift_inputs(ids), attrs)
        return token_nll(logits, ids)

    def loss(self, ids: torch.Tensor, lengths: torch.Tensor, attrs: torch.Tensor, beta: float
             ) -> tuple[torch.Tensor, dict[str, float]]:
        """Training loss with the same signature as the CVAE's (``beta`` unused)."""
        nll = self.nll(ids, attrs).mean()
        return nll, {"nll": nll.item()}
