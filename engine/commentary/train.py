"""`segue comment train`: corpus → lexicon → CVAE (selection-split early stopping) → LDA → LC-GAN.

Everything is seeded; the four checkpoints land in ``out`` (default ``assets/models/commentary``)
and record the figures they were chosen on. :func:`fit_sentences` is shared with the eval run's
tag-conditioned LM baseline so both get the same training budget (epochs) and the same selection.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine import paths
from engine.commentary import corpus
from engine.commentary.corpus import Encoded
from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress

CVAE_FILE, TOPICS_FILE, GAN_FILE, LEXICON_FILE = "cvae.pt", "topics.pt", "lcgan.pt", "lexicon.pt"


@dataclass
class TrainPlan:
    """What to train and how long."""

    minutes: float = 20.0
    max_epochs: int = 30
    seed: int = 1
    embed: int = 64
    hidden: int = 128
    latent: int = 32
    free_bits: float = 0.15
    n_topics: int = 15
    gan_samples: int = 24000
    gan_rounds: int = 3
    gan_d_epochs: int = 40
    gan_g_steps: int = 1500
    batch_size: int = 64
    min_tag_count: int = 10       # a conditioning tag is an aspect of this many training captions
    tag_dim: int = 64


def bundled_dir() -> Path:
    """Where the bundled default models live."""
    return paths.assets_dir() / "models" / "commentary"


def evaluate_nll(model: Any, data: Encoded, batch_size: int = 256) -> float:
    """Per-token NLL (nats) on ``data``: the ELBO bound for a CVAE, exact for the LM."""
    import torch

    from engine.commentary.batching import batches

    model.eval()
    total, tokens = 0.0, 0
    torch.manual_seed(0)
    with torch.no_grad():
        for ids, lengths, attrs in batches(data, batch_size, shuffle=False):
            if hasattr(model, "elbo_terms"):
                nll, kl, _ = model.elbo_terms(ids, lengths, attrs)
                total += float((nll + kl).sum())
            else:
                total += float(model.nll(ids, attrs).sum())
            tokens += int(lengths.sum())
    model.train()
    return total / max(1, tokens)


def fit_sentences(model: Any, train: Encoded, selection: Encoded, epochs: int, deadline: float,
                  batch_size: int = 64, anneal_steps: int = 1, seed: int = 1,
                  progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
                  label: str = "model") -> dict[str, Any]:
    """Adam training with per-epoch selection NLL; restores the best epoch's weights."""
    import torch

    from engine.commentary.batching import batches

    torch.manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    best, best_state, best_epoch, step, history = math.inf, None, 0, 0, []
    n_batches = math.ceil(len(train.ids) / batch_size)
    model.train()
    for epoch in range(1, epochs + 1):
        for b, (ids, lengths, attrs) in enumerate(batches(train, batch_size, True, seed + epoch)):
            check_cancelled(cancelled)
            beta = min(1.0, step / max(1, anneal_steps))
            loss, figures = model.loss(ids, lengths, attrs, beta)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimiser.step()
            step += 1
            if b % 20 == 0:
                text = " ".join(f"{k} {v:.2f}" for k, v in figures.items())
                progress(((epoch - 1) + b / n_batches) / epochs, f"{label} epoch {epoch}: {text}")
        score = evaluate_nll(model, selection)
        history.append(round(score, 4))
        if score < best:
            best, best_state, best_epoch = score, copy.deepcopy(model.state_dict()), epoch
        if time.monotonic() > deadline:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return {"epochs_run": len(history), "best_epoch": best_epoch, "selection_nll": best,
            "selection_history": history, "steps": step}


def gan_data(cvae: Any, topics: Any, vocab: corpus.Vocab, pool: corpus.Encoded, n: int,
             seed: int, refine: Any = None, copy_hashes: Any = ()) -> tuple[Any, Any, Any]:
    """Prior z (optionally refined by G), conditioning rows of training sentences, and the
    target-topic probability of their decodes (sampled as the writer samples, one candidate)."""
    import torch

    from engine.commentary.decoding import decode, uniforms
    from engine.commentary.paragraph import Decoding

    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(n, cvae.config.latent, generator=generator)
    pick = torch.randint(0, len(pool.ids), (n,), generator=generator)
    attrs = torch.from_numpy(pool.condition(pick.numpy()))
    if refine is not None:
        with torch.no_grad():
            z = refine(z, attrs)
    docs = []
    sampling = Decoding()
    with torch.no_grad():
        for start in range(0, n, 500):
            cond = cvae.decoder_input(z[start:start + 500], attrs[start:start + 500])
            ids = decode(cvae.decoder, cond, uniforms(len(cond), sampling.max_len, seed + start),
                         sampling.temperature, sampling.top_p, sampling.max_len, vocab.words,
                         copy_hashes)
            docs += [vocab.decode(seq) for seq in ids]
    target = torch.from_numpy(topics.target_probability(docs).astype(np.float32))
    return z, attrs, target


def train_all(out: str | Path | None = None, plan: TrainPlan | None = None,
              csv_path: str | Path | None = None, progress: ProgressFn = no_progress,
              cancelled: CancelledFn = never_cancelled,
              log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Train and save the CVAE, the topic model and the LC-GAN; return their figures."""
    import torch

    from engine.commentary import cvae as cvae_mod
    from engine.commentary import lexicon, topics

    plan = plan or TrainPlan()
    out = Path(out) if out is not None else bundled_dir()
    started = time.monotonic()
    captions = corpus.load_captions(csv_path)
    split = corpus.split_captions(captions, plan.seed)
    progress(0.0, "tag lexicon")
    lex = lexicon.build_lexicon(split["train"], min_count=plan.min_tag_count, seed=plan.seed)
    vocab = corpus.build_vocab(split["train"], tags=lex.tags)
    train, selection = (corpus.encode_split(split[k], vocab, lex) for k in ("train", "selection"))
    out.mkdir(parents=True, exist_ok=True)
    lexicon.save(lex, out / LEXICON_FILE, {"tags": len(lex.tags), "words": len(lex.words),
                                           "training_sentences": len(lex.copy_hashes)})
    log(f"lexicon: {len(lex.tags)} tags, {len(lex.words)} words")
    torch.manual_seed(plan.seed)
    config = cvae_mod.CVAEConfig(len(vocab.words), len(vocab.tags), plan.embed, plan.hidden,
                                 plan.latent, free_bits=plan.free_bits,
                                 anneal_steps=max(1, 4 * len(train.ids) // plan.batch_size // 3),
                                 tag_dim=plan.tag_dim)
    model = cvae_mod.CVAE(config)
    deadline = started + 60 * plan.minutes * 0.7
    fit = fit_sentences(model, train, selection, plan.max_epochs, deadline, plan.batch_size,
                        config.anneal_steps, plan.seed, _scale(progress, 0.0, 0.7), cancelled,
                        "CVAE")
    log(f"CVAE {fit}")
    extra = {"words": vocab.words, "tags": vocab.tags, "split_seed": plan.seed,
             "plan": asdict(plan)}
    cvae_mod.save(model, out / CVAE_FILE, fit, extra)
    model, _ = cvae_mod.load(out / CVAE_FILE)  # continue with the float16-rounded weights we ship
    check_cancelled(cancelled)
    progress(0.7, "LDA topics")
    docs = [s for c in split["train"] for s in corpus.sentences(c.text)]
    topic_model = topics.fit_topics(docs, plan.n_topics, plan.seed)
    topic_info = {"target": topic_model.target,
                  "target_words": topic_model.top_words(topic_model.target)}
    topics.save(topic_model, out / TOPICS_FILE, topic_info)
    log(f"topics {topic_info}")
    gan_info = train_gan(model, topic_model, vocab, train, plan, out,
                         _scale(progress, 0.75, 1.0), cancelled, log, lex.copy_hashes)
    progress(1.0, "done")
    return {"cvae": fit, "topics": topic_info, "lcgan": gan_info,
            "minutes": round((time.monotonic() - started) / 60, 2)}


def train_gan(model: Any, topic_model: Any, vocab: corpus.Vocab, train: corpus.Encoded,
              plan: TrainPlan, out: Path, progress: ProgressFn = no_progress,
              cancelled: CancelledFn = never_cancelled,
              log: Callable[[str], None] = lambda s: None, copy_hashes: Any = ()) -> dict[str, Any]:
    """Label decodes with the topic model, fit D, fit G; repeat on G's own samples."""
    import torch

    from engine.commentary import lcgan

    config = lcgan.LCGANConfig(plan.latent, vocab.n_cond)
    torch.manual_seed(plan.seed)
    critic, generator = lcgan.Discriminator(config), lcgan.Generator(config)
    rows = np.random.default_rng(plan.seed).permutation(len(train.ids))[:8192]
    pool = torch.from_numpy(train.condition(rows))  # conditioning rows G trains on
    zs, attrs, targets = gan_data(model, topic_model, vocab, train, plan.gan_samples, plan.seed,
                                  copy_hashes=copy_hashes)
    info: dict[str, Any] = {"prior_target_prob": float(targets.mean())}
    for round_ in range(plan.gan_rounds):
        check_cancelled(cancelled)
        progress(round_ / plan.gan_rounds, f"LC-GAN round {round_ + 1}: D")
        d_loss = lcgan.train_discriminator(critic, zs, attrs, targets, plan.gan_d_epochs,
                                            seed=plan.seed + round_)
        progress((round_ + 0.5) / plan.gan_rounds, f"LC-GAN round {round_ + 1}: G")
        d_prob = lcgan.train_generator(generator, critic, pool, plan.gan_g_steps,
                                        seed=plan.seed + round_)
        z2, a2, t2 = gan_data(model, topic_model, vocab, train, plan.gan_samples // 2,
                              plan.seed + 100 + round_, refine=generator, copy_hashes=copy_hashes)
        info[f"round{round_ + 1}"] = {"d_loss": round(d_loss, 4), "d_prob_on_g": round(d_prob, 4),
                                      "decoded_target_prob": round(float(t2.mean()), 4)}
        log(f"LC-GAN {info}")
        zs, attrs, targets = torch.cat([zs, z2]), torch.cat([attrs, a2]), torch.cat([targets, t2])
    lcgan.save(generator, critic, out / GAN_FILE, info)
    return info


def _scale(progress: ProgressFn, start: float, end: float) -> ProgressFn:
    from engine.jobs import scaled_progress

    return scaled_progress(progress, start, end)


def train_only_gan(out: str | Path | None = None, plan: TrainPlan | None = None,
                   csv_path: str | Path | None = None, progress: ProgressFn = no_progress,
                   cancelled: CancelledFn = never_cancelled,
                   log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Retrain just the LC-GAN against the CVAE and topics already in ``out``."""
    from engine.commentary import cvae as cvae_mod
    from engine.commentary import lexicon, topics

    plan = plan or TrainPlan()
    out = Path(out) if out is not None else bundled_dir()
    model, ckpt = cvae_mod.load(out / CVAE_FILE)
    lex = lexicon.load(out / LEXICON_FILE)
    vocab = corpus.Vocab(list(ckpt.extra["words"]), list(ckpt.extra["tags"]))
    split = corpus.split_captions(corpus.load_captions(csv_path), int(ckpt.extra["split_seed"]))
    train = corpus.encode_split(split["train"], vocab, lex)
    plan.latent = model.config.latent
    return train_gan(model, topics.load(out / TOPICS_FILE), vocab, train, plan, out,
                     progress, cancelled, log, lex.copy_hashes)
