"""The bundled default commentary models load and write paragraphs from typed tags (first launch)."""

from __future__ import annotations

import pytest

from engine.commentary import service
from engine.commentary.corpus import sentences
from engine.commentary.train import CVAE_FILE, GAN_FILE, LEXICON_FILE, TOPICS_FILE, bundled_dir

ISSUE_TAGS = ["jazz", "metal", "hip hop", "folk", "reggae", "techno", "synth", "saxophone", "sad",
              "calm", "pads", "slow", "rap", "live", "distorted guitar"]


def test_bundled_models_write_vae_and_gan_paragraphs() -> None:
    folder = bundled_dir()
    names = (CVAE_FILE, TOPICS_FILE, GAN_FILE, LEXICON_FILE)
    if not all((folder / name).is_file() for name in names):
        pytest.fail(f"{folder}: bundled commentary models missing (run `segue comment train`)")
    result = service.comment("rock, energetic, electric guitar, xqzzy", n=5, seed=1)
    assert result.tags == ["rock", "energetic", "electric guitar"]
    assert result.unknown_tags == ["xqzzy"]
    assert result.understood[-1]["status"] == "unknown"
    assert len(result.pairs) == 5 and all(p.vae and p.gan for p in result.pairs)
    assert all(3 <= len(sentences(p.gan)) <= 5 for p in result.pairs)
    com = service.load_commentator()
    assert len(com.tag_vocabulary) > 100 and com.latent == 32
    assert com.metrics["epochs_run"] >= 1


def test_every_tag_of_the_issue_is_understood() -> None:
    com = service.load_commentator()
    known, found = com.understand(ISSUE_TAGS)
    assert [u.typed for u in found if not u.understood] == []
    assert com.understand(["calm"])[0] == com.understand(["calming"])[0]
    assert com.understand(["Hip-Hop"])[0] == com.understand(["hip hop"])[0]
