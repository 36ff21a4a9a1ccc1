"""Length-bucketed padded batches of encoded sentences (shared by the CVAE, the LM and the GAN)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np

from engine.commentary.corpus import Encoded


def batches(data: Encoded, batch_size: int, shuffle: bool, seed: int = 0
            ) -> Iterator[tuple[object, object, object]]:
    """Yield ``(ids [B,T] long, lengths [B] long, cond [B,C] float)``, padded with 0, by length.

    ``cond`` is the raw conditioning ``[a; f; p]`` (:meth:`Encoded.condition`).
    """
    import torch

    order = sorted(range(len(data.ids)), key=lambda i: len(data.ids[i]))
    groups = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if shuffle:
        random.Random(seed).shuffle(groups)
    for group in groups:
        lengths = [len(data.ids[i]) for i in group]
        ids = np.zeros((len(group), max(lengths)), dtype=np.int64)
        for row, i in enumerate(group):
            ids[row, :lengths[row]] = data.ids[i]
        yield (torch.from_numpy(ids), torch.tensor(lengths, dtype=torch.long),
               torch.from_numpy(data.condition(group)))
