"""Tiny commentary models trained once per test session on tests/data/commentary (seconds)."""

from __future__ import annotations

from pathlib import Path

TINY_CSV = Path(__file__).resolve().parent / "data" / "commentary" / "tiny-musiccaps.csv"
_TRAINED: dict[str, Path] = {}


def tiny_plan():  # noqa: ANN201 - a TrainPlan
    """The plan of the tiny test models."""
    from engine.commentary.train import TrainPlan

    return TrainPlan(minutes=5, max_epochs=2, embed=16, hidden=32, latent=8, n_topics=5,
                     gan_samples=300, gan_rounds=1, gan_d_epochs=5, gan_g_steps=60)


def tiny_models(folder: Path) -> Path:
    """Train (once per session) and return the folder of tiny CVAE, topics and LC-GAN files."""
    if "dir" not in _TRAINED:
        import torch

        from engine.commentary.train import train_all

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            train_all(folder, tiny_plan(), csv_path=TINY_CSV)
        finally:
            torch.set_num_threads(threads)
        _TRAINED["dir"] = folder
    return _TRAINED["dir"]
