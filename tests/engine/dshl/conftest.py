"""DSHL test set-up. The tiny trained model (``tiny_model_dir``, ``tiny_model``) is in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "dshl"


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    """Tiny models train fastest on one thread, and the machine is shared."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
