"""CVAE training, LDA determinism, the LC-GAN's D and G, and checkpoint round trips."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.checkpoint import CheckpointError
from engine.commentary import corpus, cvae, lcgan, lexicon, topics
from engine.commentary.train import fit_sentences
from tests.commentary_models import TINY_CSV


@pytest.fixture(scope="module")
def tiny_data() -> tuple[corpus.Vocab, corpus.Encoded, corpus.Encoded]:
    split = corpus.split_captions(corpus.load_captions(TINY_CSV), 1)
    vocab = corpus.build_vocab(split["train"], n_tags=20)
    lex = lexicon.build_lexicon(split["train"], min_count=3, min_word_count=2)
    return vocab, corpus.encode_split(split["train"], vocab, lex), corpus.encode_split(
        split["selection"], vocab, lex)


def test_cvae_loss_falls_and_kl_stays_above_free_bits(tiny_data) -> None:
    torch.set_num_threads(1)
    vocab, train, selection = tiny_data
    torch.manual_seed(0)
    config = cvae.CVAEConfig(len(vocab.words), len(vocab.tags), embed=16, hidden=32, latent=4,
                             free_bits=0.5, anneal_steps=20)
    model = cvae.CVAE(config)
    from engine.commentary.train import evaluate_nll

    before = evaluate_nll(model, selection)
    fit = fit_sentences(model, train, selection, epochs=3, deadline=math.inf, batch_size=32,
                        anneal_steps=20)
    assert fit["selection_nll"] < before - 0.5
    from engine.commentary.batching import batches

    ids, lengths, attrs = next(batches(train, 256, shuffle=False))
    _, kl, _ = model.elbo_terms(ids, lengths, attrs)
    assert float(kl.mean()) > 0.5 * config.free_bits * config.latent  # not collapsed to ~0


def test_decoding_modes_and_repetition_guard(tiny_data) -> None:
    vocab, _, _ = tiny_data
    torch.manual_seed(0)
    model = cvae.CVAE(cvae.CVAEConfig(len(vocab.words), len(vocab.tags), 8, 16, 4)).eval()
    cond = model.decoder_input(torch.randn(3, 4), torch.zeros(3, vocab.n_cond))
    for kwargs in ({}, {"temperature": 1.0}, {"beam": 3}):
        out = cvae.generate(model.decoder, cond, max_len=25, **kwargs)
        assert len(out) == 3
        for seq in out:
            grams = [tuple(seq[i:i + 3]) for i in range(len(seq) - 2)]
            assert len(grams) == len(set(grams))
            assert cvae.UNK_ID not in seq and cvae.BOS_ID not in seq
    greedy = cvae.generate(model.decoder, cond, max_len=25)
    assert greedy == cvae.generate(model.decoder, cond, max_len=25)


def test_lda_is_deterministic_with_a_seed_and_round_trips(tmp_path: Path) -> None:
    docs = [s for c in corpus.load_captions(TINY_CSV) for s in corpus.sentences(c.text)]
    a = topics.fit_topics(docs, n_topics=4, seed=3, max_iter=3)
    b = topics.fit_topics(docs, n_topics=4, seed=3, max_iter=3)
    assert np.array_equal(a.components, b.components) and a.target == b.target
    assert topics.concreteness(a.top_words(a.target)) == max(
        topics.concreteness(a.top_words(k)) for k in range(4))
    topics.save(a, tmp_path / "t.pt", {})
    loaded = topics.load(tmp_path / "t.pt")
    probs = loaded.probabilities(docs[:20])
    assert np.allclose(probs, a.probabilities(docs[:20]), atol=1e-5)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert np.allclose(loaded.probabilities([["zzz"]]), 1 / 4)


def _synthetic(n: int = 2000) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(n, 4, generator=gen)
    attrs = torch.zeros(n, 3)
    return z, attrs, torch.sigmoid(2.0 * z[:, 0] - 1.0)  # the "topic probability" grows with z0


def test_discriminator_learns_topic_probabilities() -> None:
    z, attrs, target = _synthetic()
    config = lcgan.LCGANConfig(latent=4, n_tags=3, hidden=32)
    critic = lcgan.Discriminator(config)
    lcgan.train_discriminator(critic, z, attrs, target, epochs=15)
    with torch.no_grad():
        predicted = torch.sigmoid(critic(z, attrs))
    assert float((predicted - target).abs().mean()) < 0.05


def test_generator_moves_z_toward_target_within_the_hard_bounds() -> None:
    z, attrs, target = _synthetic()
    config = lcgan.LCGANConfig(latent=4, n_tags=3, hidden=32, max_shift=0.4, max_norm=1.25)
    critic = lcgan.Discriminator(config)
    lcgan.train_discriminator(critic, z, attrs, target, epochs=15)
    generator = lcgan.Generator(config)
    lcgan.train_generator(generator, critic, attrs, steps=150)
    with torch.no_grad():
        moved = generator(z, attrs)
    assert float(torch.sigmoid(2.0 * moved[:, 0] - 1.0).mean()) > float(target.mean()) + 0.1
    shift = (moved - z).norm(dim=-1)
    assert float(shift.max()) <= 0.4 * 2.0 + 1e-4
    limit = torch.maximum(torch.full_like(shift, 1.25 * 2.0), z.norm(dim=-1))
    assert bool((moved.norm(dim=-1) <= limit + 1e-4).all())


def test_checkpoints_round_trip_and_refuse_foreign_files(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = cvae.CVAE(cvae.CVAEConfig(50, 5, 8, 16, 4)).eval()
    cvae.save(model, tmp_path / "c.pt", {"epochs_run": 1}, {"words": ["w"] * 50, "tags": ["t"] * 5})
    loaded, ckpt = cvae.load(tmp_path / "c.pt")
    assert ckpt.metrics == {"epochs_run": 1} and ckpt.config["hidden"] == 16
    ids, lengths, attrs = torch.tensor([[5, 6, 2]]), torch.tensor([3]), torch.zeros(1, 14)
    assert torch.allclose(model.encode(ids, lengths, attrs)[0], loaded.encode(ids, lengths, attrs)[0],
                          atol=1e-2)
    config = lcgan.LCGANConfig(latent=4, n_tags=5, hidden=8)
    lcgan.save(lcgan.Generator(config), lcgan.Discriminator(config), tmp_path / "g.pt", {"x": 1})
    generator, critic, meta = lcgan.load(tmp_path / "g.pt")
    assert meta.metrics == {"x": 1} and generator.config.hidden == 8
    with pytest.raises(CheckpointError, match="expected 'commentary-cvae'"):
        cvae.load(tmp_path / "g.pt")
    ckpt = torch.load(tmp_path / "c.pt", weights_only=True)
    ckpt["config"]["hidden"] = 32  # weights that do not fit their config are refused
    torch.save(ckpt, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match="do not match its config"):
        cvae.load(tmp_path / "bad.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(CheckpointError, match="junk.pt"):
        lcgan.load(tmp_path / "junk.pt")
