"""The hash model: losses fall on a tiny set, bit balance, checkpoints refuse bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from engine.checkpoint import CheckpointError
from engine.dshl.model import DSHL, FORMAT_VERSION, DSHLConfig, balance_loss, discrete_codes
from engine.dshl.store import load_model


def _segments(n: int = 64) -> torch.Tensor:
    rng = np.random.default_rng(0)
    x = np.zeros((n, 16, 29), dtype=np.uint8)
    for i in range(n):
        pcs = rng.integers(0, 12, 16)
        x[i, :, 0] = rng.random(16) < 0.5
        x[i, np.arange(16), 5 + pcs] = 1
        x[i, np.arange(16), 2] = 1
        x[i, :, 17 + rng.integers(0, 12)] = 1
    return torch.from_numpy(x)


def test_pretraining_loss_decreases() -> None:
    torch.manual_seed(0)
    model = DSHL(DSHLConfig(hidden=16))
    x = _segments()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = model.pretrain_loss(x).item()
    for _ in range(15):
        loss = model.pretrain_loss(x)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert model.pretrain_loss(x).item() < 0.8 * first


def test_hash_loss_decreases_and_separates_pairs() -> None:
    torch.manual_seed(0)
    model = DSHL(DSHLConfig(hidden=16, L=4, K=4))
    x = _segments(64)
    s_i, s_j = x[:32], x[32:]
    c = torch.tensor([1.0] * 16 + [0.0] * 16)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = model(s_i, s_j, c)[1].item()
    for _ in range(40):
        _, loss = model(s_i, s_j, c)
        opt.zero_grad()
        loss.backward()
        opt.step()
    score, loss = model(s_i, s_j, c)
    assert loss.item() < first
    assert score[:16].mean() > score[16:].mean()
    codes = discrete_codes(model, x, "f")
    assert codes.shape == (64, 4) and int(codes.max()) < 4


def test_balance_loss_punishes_collapse() -> None:
    collapsed = torch.zeros(32, 8, 4)
    collapsed[..., 0] = 1
    rng = torch.Generator().manual_seed(0)
    spread = torch.nn.functional.one_hot(torch.randint(0, 4, (4096, 8), generator=rng), 4).float()
    assert balance_loss(collapsed).item() > 0.9
    assert balance_loss(spread).item() < 0.01
    copied = spread.clone()
    copied[:, 1] = copied[:, 0]  # group 1 copies group 0: balanced alone, not jointly
    assert balance_loss(copied).item() > balance_loss(spread).item() + 0.005


def test_corrupt_truncated_and_foreign_files(tmp_path: Path, tiny_model: Path) -> None:
    good = tiny_model / "model.pt"
    assert load_model(good).model.config.hidden == 16
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="truncated.pt"):
        load_model(truncated)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00" * 100)
    with pytest.raises(CheckpointError, match="garbage.pt"):
        load_model(garbage)
    other = tmp_path / "other.pt"
    payload = torch.load(good, weights_only=True)
    payload["format_version"] = 99
    torch.save(payload, other)
    with pytest.raises(CheckpointError, match=r"other.pt: model format version 99"):
        load_model(other)
    broken = tmp_path / "broken.pt"
    payload["format_version"] = FORMAT_VERSION
    payload["state_dict"] = {"hash.nothing": torch.zeros(1)}
    torch.save(payload, broken)
    expected = r"broken.pt: not a usable model: its weights do not match its config"
    with pytest.raises(CheckpointError, match=expected):
        load_model(broken)
