"""The bundled default commentary models load and write from typed tags (first-launch path)."""

from __future__ import annotations

import pytest

from engine.commentary import service
from engine.commentary.train import CVAE_FILE, GAN_FILE, TOPICS_FILE, bundled_dir


def test_bundled_models_write_vae_and_gan_samples() -> None:
    folder = bundled_dir()
    if not all((folder / name).is_file() for name in (CVAE_FILE, TOPICS_FILE, GAN_FILE)):
        pytest.fail(f"{folder}: bundled commentary models missing (run `segue comment train`)")
    result = service.comment("rock, energetic, electric guitar, bogus", n=5, seed=1)
    assert result.tags == ["rock", "energetic", "electric guitar"]
    assert result.unknown_tags == ["bogus"]
    assert len(result.pairs) == 5 and all(p.vae and p.gan for p in result.pairs)
    com = service.load_commentator()
    assert len(com.tag_vocabulary) == 100 and com.latent == 32
    assert com.metrics["epochs_run"] >= 1
